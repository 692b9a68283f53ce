package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/detect"
	"github.com/fnops/fnops/internal/follow"
	"github.com/fnops/fnops/internal/notify"
	"github.com/fnops/fnops/internal/telemetry"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// liveOptions are the flags of continuous `fnops watch` (without --once).
type liveOptions struct {
	follow   []string
	interval time.Duration
	clock    string
	function string
	poll     time.Duration
}

// addTo adds the continuous mode's flags and help to the watch command.
func (o *liveOptions) addTo(cmd *cobra.Command) {
	cmd.Long += `

Without --once, watch runs until interrupted (SIGINT, SIGTERM): it follows
the --follow paths (directories, files, - for standard input; default the
store.telemetry paths of .fnops.yaml) as they grow, ingests what is
written, evaluates every --interval and soon after new data closes an
evaluation bucket, and sends notifications on open, escalate and resolve to
the sinks of the alerts: section of .fnops.yaml (stdout when there are
none; --format json makes them JSON lines): see docs/alerts.md. Alert state is kept in .fnops/alerts.json, so a
restart does not page again.`
	cmd.Example += `
  fnops watch --follow logs/ examples/shop
  aws logs tail /aws/lambda/orders-api --follow | fnops watch --follow - --function orders-api`
	o.addFlags(cmd.Flags())
}

func (o *liveOptions) addFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.follow, "follow", nil, "follow `PATH` as it grows: a file, a directory, or - for standard input; repeatable (default: store.telemetry in .fnops.yaml)")
	f.DurationVar(&o.interval, "interval", time.Minute, "evaluate at least this often (and soon after new data closes an evaluation bucket)")
	f.StringVar(&o.clock, "clock", "wall", "evaluation time: wall (now) or data (the newest record's time, to replay recorded telemetry)")
	f.StringVar(&o.function, "function", "", "function `NAME` for followed logs that do not name it (standard input)")
	f.DurationVar(&o.poll, "poll", 250*time.Millisecond, "how often followed files and directories are looked at")
	f.MarkHidden("poll")
}

// maxRejectLines is how many rejected inputs continuous watch prints.
const maxRejectLines = 20

// runWatchLive is continuous `fnops watch`: follow, ingest, evaluate,
// notify, until ctx ends (SIGINT, SIGTERM) or standard input, when it is
// the only input, ends.
func runWatchLive(ctx context.Context, e *env, o *watchOptions, args []string) error {
	lo := &o.live
	if lo.interval <= 0 {
		return usageError("--interval must be positive")
	}
	if lo.clock != "wall" && lo.clock != "data" {
		return usageError("--clock %q: want wall or data", lo.clock)
	}
	if o.format != "text" && o.format != "json" {
		return usageError("unknown --format %q: want text or json", o.format)
	}
	if o.at != "" || o.all || o.failOn != "none" {
		return usageError("--at, --all and --fail-on need --once")
	}
	w, err := loadWatch(o, args)
	if err != nil {
		return err
	}
	root, cfg, settings := w.root, w.cfg, w.settings
	if len(cfg.Alerts.Sinks) == 0 && o.format == "json" {
		cfg.Alerts.Sinks = []config.AlertSink{{Name: "stdout", Type: "stdout", Format: "json"}}
	}
	nopts, err := notify.FromConfig(cfg.Alerts, root, e.stdio.Out)
	if err != nil {
		return withCode(ExitInput, err)
	}
	nopts.Logger = e.logger
	paths := lo.follow
	if len(paths) == 0 {
		for _, p := range cfg.Store.Telemetry {
			paths = append(paths, filepath.Join(root, p))
		}
	}
	st, storePath, err := w.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	g := appGraph(root)

	var rejects rejectPrinter
	rejects.w = e.stdio.Err
	clock := &dataClock{}
	trigger := make(chan struct{}, 1)
	ing := follow.NewIngester(st, follow.IngesterOptions{
		OnReject: rejects.print,
		OnCommit: func(c follow.Commit) {
			clock.advance(c.Newest)
			select {
			case trigger <- struct{}{}:
			default:
			}
		},
	})
	fol, err := follow.New(paths, ing, follow.Options{Stdin: e.stdio.In, Function: lo.function, Poll: lo.poll,
		OnError: func(path string, err error) { fmt.Fprintf(e.stdio.Err, "%s: %v\n", path, err) }})
	if err != nil {
		return withCode(ExitInput, err)
	}
	n, err := notify.New(nopts)
	if err != nil {
		return withCode(ExitInput, err)
	}

	var sinks []string
	for _, s := range n.Stats() {
		sinks = append(sinks, s.Name)
	}
	fmt.Fprintf(e.stdio.Err, "fnops watch: following %s into %s; evaluating every %s (buckets of %s); notifying %s\n",
		describePaths(paths), storePath, lo.interval, settings.Interval, strings.Join(sinks, ", "))

	loop := &liveLoop{
		eval: func(ctx context.Context, at time.Time) ([]detect.Insight, error) {
			return settings.Evaluate(ctx, st, g, at)
		},
		bucket:   settings.Evaluated,
		notifier: n,
		interval: lo.interval,
		trigger:  trigger,
		errw:     e.stdio.Err,
	}
	if lo.clock == "data" {
		loop.now = clock.now
	} else {
		loop.now = func() time.Time { return time.Now().UTC() }
		loop.lateData = true
	}

	// The follower stops on ctx; the ingester commits what it was given
	// after the follower has stopped; the loop evaluates until both have.
	ingCtx, stopIngest := context.WithCancel(context.WithoutCancel(ctx))
	defer stopIngest()
	var wg sync.WaitGroup
	var folErr, ingErr error
	folDone, ingDone := make(chan struct{}), make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(ingDone)
		ingErr = ing.Run(ingCtx)
	}()
	go func() {
		defer wg.Done()
		defer close(folDone)
		folErr = fol.Run(ctx)
		stopIngest()
	}()
	loopErr := loop.run(ctx, fol.CaughtUp(), ing, ingDone)
	wg.Wait()
	// The last word: what came in after the last evaluation.
	if loopErr == nil && ingErr == nil {
		loopErr = loop.evaluate(context.WithoutCancel(ctx), false)
	}
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	closeErr := n.Close(closeCtx)
	writeLiveSummary(e.stdio.Err, loop, n.Stats(), ing.Stats())
	if err := errors.Join(folErr, ingErr, loopErr); err != nil {
		return withCode(ExitInternal, err)
	}
	if closeErr != nil {
		fmt.Fprintln(e.stdio.Err, "fnops watch:", closeErr)
	}
	if rejects.count() > 0 {
		return inputError()
	}
	return nil
}

func describePaths(paths []string) string {
	if len(paths) == 0 {
		return "nothing (evaluating the store only)"
	}
	var out []string
	for _, p := range paths {
		if p == "-" {
			p = "standard input"
		}
		out = append(out, p)
	}
	return strings.Join(out, ", ")
}

// dataClock is the newest record time committed: the evaluation time
// under --clock data.
type dataClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *dataClock) advance(t time.Time) {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t.UTC()
	}
	c.mu.Unlock()
}

func (c *dataClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// rejectPrinter prints the first rejected inputs with their position and
// counts the rest.
type rejectPrinter struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (r *rejectPrinter) print(rej telemetry.Rejected) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.n <= maxRejectLines {
		fmt.Fprintf(r.w, "%s: rejected: %s\n", rejectPos(rejectSample{File: rej.File, Line: rej.Line, Offset: rej.Offset}), rej.Reason)
	} else if r.n == maxRejectLines+1 {
		fmt.Fprintln(r.w, "... more rejected inputs are counted, not printed")
	}
}

func (r *rejectPrinter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// liveLoop decides when to evaluate and hands the insights to the
// notifier.
type liveLoop struct {
	eval     func(ctx context.Context, at time.Time) ([]detect.Insight, error)
	bucket   func(time.Time) time.Time // the evaluation bucket a time falls in
	now      func() time.Time
	notifier *notify.Notifier
	interval time.Duration
	trigger  <-chan struct{} // new data was committed
	errw     io.Writer
	// lateData re-evaluates on data for buckets already judged (wall
	// clock); with the data clock only a new bucket triggers.
	lateData bool

	evalEnd  time.Time
	evalTook time.Duration

	lastBucket  time.Time
	evaluations int
	events      int
}

// settleDelay lets commits that arrive together be evaluated together.
const settleDelay = 100 * time.Millisecond

// run evaluates once the follower caught up, then every interval and
// soon after new data closes a bucket, until ctx ends or the ingester has
// stopped (done).
func (l *liveLoop) run(ctx context.Context, caughtUp <-chan struct{}, ing *follow.Ingester, done <-chan struct{}) error {
	select {
	case <-caughtUp:
		if err := ing.Flush(ctx); err != nil && ctx.Err() == nil {
			return err
		}
	case <-ctx.Done():
		return nil
	case <-done:
		return nil
	}
	if err := l.evaluate(ctx, true); err != nil {
		return err
	}
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	var settle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return nil
		case <-tick.C:
			if err := l.evaluate(ctx, false); err != nil {
				return err
			}
		case <-l.trigger:
			if settle != nil {
				break
			}
			if l.bucket(l.now()).After(l.lastBucket) {
				settle = time.After(settleDelay)
			} else if l.lateData {
				// Data for a bucket already judged (CloudWatch delivers
				// late): judge it again, at most about once a second and
				// never more than half the time.
				wait := max(settleDelay, time.Second-time.Since(l.evalEnd), 2*l.evalTook)
				settle = time.After(wait)
			}
		case <-settle:
			settle = nil
			if err := l.evaluate(ctx, false); err != nil {
				return err
			}
		}
	}
}

// evaluate runs the detectors at now and notifies. A second evaluation
// of the same bucket reaches the notifier only when it holds news (late
// data opened or worsened something), so re-evaluating does not count as
// extra clear evaluations toward a resolution.
func (l *liveLoop) evaluate(ctx context.Context, force bool) error {
	at := l.now()
	if at.IsZero() {
		return nil // --clock data before any data
	}
	began := time.Now()
	ins, err := l.eval(ctx, at)
	l.evalEnd, l.evalTook = time.Now(), time.Since(began)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("evaluate at %s: %w", at.Format(time.RFC3339), err)
	}
	l.evaluations++
	obs := carryNoData(observations(ins), l.notifier.Alerts())
	b := l.bucket(at)
	if !force && !b.After(l.lastBucket) && !l.news(obs) {
		return nil
	}
	l.lastBucket = b
	rep, err := l.notifier.Evaluate(at, obs)
	l.events += len(rep.Events)
	if err != nil {
		fmt.Fprintln(l.errw, "fnops watch:", err)
	}
	return nil
}

// news reports whether obs open an alert or raise one above its severity.
func (l *liveLoop) news(obs []notify.Observation) bool {
	cur := map[string]notify.Alert{}
	for _, a := range l.notifier.Alerts() {
		cur[a.Key] = a
	}
	for _, o := range obs {
		if o.State != notify.Holding {
			continue
		}
		a, ok := cur[o.Key()]
		if !ok || a.Status != notify.StatusOpen || o.Severity.Rank() > a.Severity.Rank() {
			return true
		}
	}
	return false
}

// carryNoData keeps an open alert from resolving for want of data: when
// the detectors say a resource (or the whole app) has no data, an open
// alert on it that no insight holds any more becomes no-data (said once,
// at the alert's own severity) instead of clearing toward "resolved".
func carryNoData(obs []notify.Observation, alerts []notify.Alert) []notify.Observation {
	missing := map[string]notify.Observation{}
	held := map[string]bool{}
	for _, o := range obs {
		if o.Kind == detect.KindNoData && o.State == notify.NoData {
			missing[o.Resource] = o
		}
		if o.State != notify.Clear {
			held[o.Key()] = true
		}
	}
	if len(missing) == 0 {
		return obs
	}
	for _, a := range alerts {
		if a.Kind == detect.KindNoData || held[a.Key] || (a.Status != notify.StatusOpen && a.Status != notify.StatusNoData) {
			continue
		}
		why, ok := missing[a.Resource]
		if !ok {
			if why, ok = missing["app"]; !ok {
				continue
			}
		}
		obs = append(obs, notify.Observation{Kind: a.Kind, Resource: a.Resource, Signature: a.Signature,
			Severity: a.Severity, State: notify.NoData, Title: why.Title, Details: why.Details, Data: a.Data})
	}
	return obs
}

// observations turns insights into the notifier's input.
func observations(ins []detect.Insight) []notify.Observation {
	out := make([]notify.Observation, 0, len(ins))
	for _, in := range ins {
		o := notify.Observation{Kind: in.Kind, Resource: in.Resource, Signature: in.Signature,
			Severity: notify.Severity(in.Severity), FirstSeen: in.FirstSeen, LastSeen: in.LastSeen}
		switch in.State {
		case detect.Open:
			o.State = notify.Holding
		case detect.NoData:
			o.State = notify.NoData
		default:
			o.State = notify.Clear
		}
		o.Title = in.Evidence.Summary
		var d strings.Builder
		if in.Cause != "" {
			fmt.Fprintf(&d, "cause: %s\n", in.Cause)
		}
		if in.Fix != "" {
			fmt.Fprintf(&d, "fix: %s\n", in.Fix)
		}
		if in.ImpactUSDPerMonth != nil {
			fmt.Fprintf(&d, "impact: $%.2f a month\n", float64(*in.ImpactUSDPerMonth))
		}
		if len(in.Related) > 0 {
			fmt.Fprintf(&d, "related: %s\n", strings.Join(in.Related, ", "))
		}
		o.Details = strings.TrimRight(d.String(), "\n")
		if data, err := json.Marshal(in); err == nil {
			o.Data = data
		}
		out = append(out, o)
	}
	return out
}

func writeLiveSummary(w io.Writer, l *liveLoop, sinks []notify.SinkStats, ing follow.IngestStats) {
	c := ing.Committed
	fmt.Fprintf(w, "fnops watch: stopped after %d evaluations, %d alert events; stored %d new invocations, %d metrics, %d deploys\n",
		l.evaluations, l.events, c.Invocations.New, c.Metrics.New, c.Deploys.New)
	for _, s := range sinks {
		line := fmt.Sprintf("  sink %-12s sent %d, failed %d, dropped %d, retries %d, deduped %d", s.Name, s.Sent, s.Failed, s.Dropped, s.Retries, s.Deduped)
		if s.LastError != "" {
			line += "; last error: " + s.LastError
		}
		fmt.Fprintln(w, line)
	}
}
