package detect

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/schedule"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// Evaluate judges the store's data up to at (exclusive; truncated to the
// evaluation interval) against the app graph g (nil when there are no
// templates) and the thresholds, and returns every insight that is open at
// at, resolved within the lookback, or cannot be judged for want of data
// (state no-data), sorted worst first. It keeps no state between calls.
func Evaluate(ctx context.Context, q store.Querier, g *app.Graph, cfg config.Thresholds, at time.Time) ([]Insight, error) {
	s, err := NewSettings(cfg)
	if err != nil {
		return nil, err
	}
	return s.Evaluate(ctx, q, g, at)
}

// Evaluate is the package's Evaluate with settings already validated.
func (s *Settings) Evaluate(ctx context.Context, q store.Querier, g *app.Graph, at time.Time) ([]Insight, error) {
	if g == nil {
		g = app.New()
	}
	f := &frame{ctx: ctx, q: q, g: g, s: s, step: s.Interval}
	f.at = at.UTC().Truncate(f.step)
	f.atMinute = at.UTC().Truncate(time.Minute)
	f.from = f.at.Add(-s.maxBaseline()).Truncate(f.step)
	f.n = int(f.at.Sub(f.from) / f.step)
	if err := f.load(); err != nil {
		return nil, err
	}
	for _, d := range detectors {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := d(f); err != nil {
			return nil, err
		}
	}
	Sort(f.out)
	return f.out, nil
}

// detectors run in this order; each appends to f.out.
var detectors = []func(*frame) error{
	detectCoverage,
	detectInvocations,
	detectDurations,
	detectMemory,
	detectNewErrors,
	detectLoops,
	detectQueues,
	detectStreams,
	detectSchedules,
	detectCost,
}

// frame is one evaluation: the buckets of every function from `from` to
// `at`, and what the graph says about each.
type frame struct {
	ctx  context.Context
	q    store.Querier
	g    *app.Graph
	s    *Settings
	step time.Duration
	at   time.Time
	from time.Time
	n    int
	// atMinute is the evaluation time to the minute: the runaway detector
	// reads minutes up to it, not to the interval, to page sooner.
	atMinute time.Time

	fns    []*fnData
	byName map[string]*fnData
	byID   map[string]*fnData
	out    []Insight

	// errorTypes are failures per bucket by function and error type, when
	// the store can tell (filled by detectNewErrors).
	errorTypes map[*fnData]map[string][]int64
}

// fnData is one function: its telemetry name, its resource in the graph
// (nil when the templates do not have it) and its buckets.
type fnData struct {
	name      string
	res       *app.Resource
	memMB     int64
	timeoutMS int64
	arch      cost.Arch
	reserved  bool
	b         []bucket // index i covers from+i·step
	seen      bool     // has invocations anywhere in the frame
	first     time.Time
	last      time.Time
}

// id is how insights name the function: its logical id, else its name.
func (d *fnData) id() string {
	if d.res != nil {
		return d.res.ID
	}
	return d.name
}

// keys are the names thresholds.functions may use for it.
func (d *fnData) keys() []string {
	if d.res != nil {
		return []string{d.res.ID, d.name}
	}
	return []string{d.name}
}

type bucket struct {
	inv, cold, errs, timeouts, ooms, initErrs int64
	billedMBMS, durSum, durMax                int64
}

func (f *frame) start(i int) time.Time { return f.from.Add(time.Duration(i) * f.step) }
func (f *frame) index(t time.Time) int { return int(t.Sub(f.from) / f.step) }

// load reads the rollups of the whole frame and matches functions to the
// graph.
func (f *frame) load() error {
	f.byName, f.byID = map[string]*fnData{}, map[string]*fnData{}
	rows, err := f.q.Rollups(f.ctx, store.RollupQuery{Filter: store.Filter{From: f.from, To: f.at}, Step: f.step})
	if err != nil {
		return fmt.Errorf("detect: rollups: %w", err)
	}
	for _, r := range rows {
		d := f.fn(r.Function)
		i := f.index(r.Start)
		if i < 0 || i >= f.n {
			continue
		}
		b := &d.b[i]
		b.inv += r.Invocations
		b.cold += r.ColdStarts
		b.errs += r.Errors
		b.timeouts += r.Timeouts
		b.ooms += r.OOMs
		b.initErrs += r.InitErrors
		b.billedMBMS += r.BilledMBMS
		b.durSum += r.DurationSum
		b.durMax = max(b.durMax, r.DurationMax)
		if r.Invocations > 0 {
			if !d.seen || r.Start.Before(d.first) {
				d.first = r.Start
			}
			d.last = r.Start.Add(f.step)
			d.seen = true
		}
	}
	// Every function of the graph has a line, with or without telemetry.
	for _, r := range f.g.Of(app.KindFunction) {
		if r.Disabled || f.byID[r.ID] != nil {
			continue
		}
		d := &fnData{name: r.Display(), b: make([]bucket, f.n)}
		f.describe(d, r)
		f.fns = append(f.fns, d)
		f.byID[r.ID] = d
	}
	slices.SortFunc(f.fns, func(a, b *fnData) int { return strings.Compare(a.id(), b.id()) })
	return nil
}

// fn returns the function named name in telemetry, creating it.
func (f *frame) fn(name string) *fnData {
	if d := f.byName[name]; d != nil {
		return d
	}
	d := &fnData{name: name, b: make([]bucket, f.n), arch: cost.ArchX86, memMB: 0}
	if r := f.g.FunctionByName(name); r != nil && f.byID[r.ID] == nil {
		f.describe(d, r)
		f.byID[r.ID] = d
	}
	f.byName[name] = d
	f.fns = append(f.fns, d)
	return d
}

func (f *frame) describe(d *fnData, r *app.Resource) {
	d.res = r
	d.memMB, _ = r.Int(app.AttrMemorySize)
	d.timeoutMS, _ = r.Int(app.AttrTimeout)
	d.timeoutMS *= 1000
	d.arch = cost.ArchX86
	if r.Text(app.AttrArchitecture) == string(cost.ArchARM) {
		d.arch = cost.ArchARM
	}
	_, d.reserved = r.Int(app.AttrReservedConcurrency)
}

// sum adds the buckets [i, j) of d.
func (d *fnData) sum(i, j int) bucket {
	var s bucket
	for k := max(i, 0); k < min(j, len(d.b)); k++ {
		b := d.b[k]
		s.inv += b.inv
		s.cold += b.cold
		s.errs += b.errs
		s.timeouts += b.timeouts
		s.ooms += b.ooms
		s.initErrs += b.initErrs
		s.billedMBMS += b.billedMBMS
		s.durSum += b.durSum
		s.durMax = max(s.durMax, b.durMax)
	}
	return s
}

// buckets is how many frame buckets a window spans (at least one).
func (f *frame) buckets(w time.Duration) int { return max(1, int((w+f.step-1)/f.step)) }

// reportFrom is the first bucket an episode must reach to be reported.
func (f *frame) reportFrom() int { return f.index(f.at.Add(-f.s.Lookback)) }

// hit is one bucket where a condition held.
type hit struct {
	i     int
	sev   Severity
	onset time.Time // when the condition began, if known better than the bucket
	ev    Evidence
	w     float64 // among hits of one severity, the heaviest gives the evidence
}

// report turns the hits of one condition (ascending i) into an insight for
// its last episode: hits closer than gap buckets apart are one episode, so
// a flapping condition is one insight. It returns false when there is none
// in the lookback.
func (f *frame) report(base Insight, hits []hit, gap int) (Insight, bool) {
	if len(hits) == 0 {
		return Insight{}, false
	}
	k := len(hits) - 1
	for k > 0 && hits[k].i-hits[k-1].i <= gap+1 {
		k--
	}
	ep := hits[k:]
	last := ep[len(ep)-1]
	if last.i < f.reportFrom() {
		return Insight{}, false
	}
	worst := ep[0]
	first := f.start(ep[0].i)
	for _, h := range ep {
		if h.sev.Rank() > worst.sev.Rank() || (h.sev == worst.sev && h.w >= worst.w) {
			worst = h
		}
		if !h.onset.IsZero() && h.onset.Before(first) {
			first = h.onset
		}
	}
	in := base
	in.Severity = worst.sev
	in.Evidence = worst.ev
	in.FirstSeen = first
	in.LastSeen = minTime(f.start(last.i+1), f.at)
	in.State = Resolved
	if last.i >= f.n-1-gap {
		in.State = Open
	}
	if in.Related == nil {
		in.Related = []string{}
	}
	return in, true
}

// emit adds an insight for the function's hits of kind.
func (f *frame) emit(d *fnData, kind string, hits []hit, gap int, cause, fix string, impact *USD) {
	in, ok := f.report(Insight{Kind: kind, Resource: d.id(), Related: f.related(d.res), Cause: cause, Fix: fix,
		ImpactUSDPerMonth: impact}, hits, gap)
	if ok {
		f.out = append(f.out, in)
	}
}

// related lists r's neighbours in the graph, roles and log groups left out.
func (f *frame) related(r *app.Resource) []string {
	if r == nil {
		return []string{}
	}
	seen := map[string]bool{}
	for _, e := range f.g.Edges {
		if e.Kind == app.UsesRole {
			continue
		}
		var o string
		switch r.ID {
		case e.From:
			o = e.To
		case e.To:
			o = e.From
		default:
			continue
		}
		if x := f.g.Resource(o); x != nil && x.Kind != app.KindLogGroup && x.Kind != app.KindRole &&
			x.Kind != app.KindPermission && x.Kind != app.KindEventSourceMapping && o != r.ID {
			seen[o] = true
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// schedulesOf returns the schedule expressions that run r's work (warm-up
// pings left out).
func (f *frame) schedulesOf(r *app.Resource) []*schedule.Schedule {
	if r == nil {
		return nil
	}
	var out []*schedule.Schedule
	for _, e := range f.g.In(r.ID, app.Triggers) {
		src := f.g.Resource(e.From)
		if src == nil || (src.Kind != app.KindRule && src.Kind != app.KindSchedule) || strings.EqualFold(src.Text(app.AttrState), "DISABLED") || isWarmup(src) {
			continue
		}
		if expr := src.Text(app.AttrScheduleExpression); expr != "" {
			if sc, err := schedule.Parse(expr); err == nil {
				out = append(out, sc)
			}
		}
	}
	return out
}

// monthlyUSD prices requests and MB-ms for d at on-demand rates (first
// duration tier, no free tier: the marginal cost), scaled from span to
// the month internal/cost projects to (cost.HoursPerMonth, 730 h), so a
// detector's impact and fnops cost's monthly figures agree.
func (f *frame) monthlyUSD(d *fnData, requests, mbms int64, span time.Duration) (float64, bool) {
	if span <= 0 {
		return 0, false
	}
	p, err := cost.TableFor(f.at).Prices(f.s.Region, d.arch)
	if err != nil || !p.Request.Known || len(p.Duration) == 0 {
		return 0, false
	}
	m := p.Request.USD.Mul(big.NewRat(requests, 1)).Add(p.Duration[0].Price.Mul(big.NewRat(mbms, 1024000)))
	v, _ := m.Rat().Float64()
	return v * float64(cost.HoursPerMonth*time.Hour) / float64(span), true
}

func usd(v float64) *USD {
	u := USD(v)
	return &u
}

func formatCents(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	return fmt.Sprintf("%.2f", v)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// pct renders a fraction as a percentage for evidence text.
func pct(v float64) string {
	switch {
	case v >= 0.1:
		return fmt.Sprintf("%.0f%%", v*100)
	case v >= 0.01:
		return fmt.Sprintf("%.1f%%", v*100)
	}
	return fmt.Sprintf("%.2f%%", v*100)
}

// ms renders µs as milliseconds.
func ms(us float64) string {
	switch {
	case us >= 10e6:
		return fmt.Sprintf("%.1f s", us/1e6)
	case us >= 1000:
		return fmt.Sprintf("%.0f ms", us/1000)
	}
	return fmt.Sprintf("%.2f ms", us/1000)
}

// mfrom is where metrics are read from: the lookback and an hour before
// it (the longest metric window), not the whole frame, since no metric
// detector has a baseline.
func (f *frame) mfrom() time.Time {
	return maxTime(f.from, f.at.Add(-f.s.Lookback-time.Hour).Truncate(time.Minute))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// metrics reads one metric from mfrom to at, all series.
func (f *frame) metrics(ns, name string, dims map[string]string) ([]telemetry.Metric, error) {
	ms, err := f.q.Metrics(f.ctx, store.MetricQuery{Namespace: ns, Name: name, Dimensions: dims, From: f.mfrom(), To: f.at})
	if err != nil {
		return nil, fmt.Errorf("detect: metrics %s %s: %w", ns, name, err)
	}
	return ms, nil
}

// human renders a duration the way people write windows: 7d, 24h, 90m,
// 100h10m.
func Human(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d > time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
