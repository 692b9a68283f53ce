package follow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// IngesterOptions configure an Ingester. Zero fields take the defaults.
type IngesterOptions struct {
	// Every is how often pending records are committed (default 200ms):
	// the bound on how long a decoded record waits to be seen.
	Every time.Duration
	// MaxPending is how many records may wait; decoders then block until
	// a commit (default 100 000), so memory stays bounded on catch-up.
	MaxPending int
	// OnCommit is told of every commit, from the Ingester's goroutine.
	OnCommit func(Commit)
	// OnReject is told of every rejected input, from the decoder's
	// goroutine.
	OnReject func(telemetry.Rejected)
}

// Commit is one committed batch.
type Commit struct {
	Result store.CommitResult
	// Records is how many records the batch held.
	Records int
	// Newest is the latest time of a record in the batch (an invocation's
	// end, a datapoint's or deploy's time).
	Newest time.Time
}

// Ingester is a telemetry.Sink safe for concurrent use by many decoders:
// it copies the records it is given and commits them to a store in
// batches, every IngesterOptions.Every, from the goroutine that calls
// Run. Each commit is all or nothing (store.Appender).
type Ingester struct {
	st   store.Appendable
	opts IngesterOptions
	kick chan struct{}

	mu       sync.Mutex
	room     *sync.Cond
	inv      []telemetry.Invocation
	met      []telemetry.Metric
	dep      []telemetry.Deploy
	newest   time.Time
	err      error
	rejected map[string]int64
	invalid  int64
	totals   store.CommitResult
}

// NewIngester returns an ingester committing to st.
func NewIngester(st store.Appendable, opts IngesterOptions) *Ingester {
	if opts.Every <= 0 {
		opts.Every = 200 * time.Millisecond
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 100_000
	}
	g := &Ingester{st: st, opts: opts, kick: make(chan struct{}, 1), rejected: map[string]int64{}}
	g.room = sync.NewCond(&g.mu)
	return g
}

// errStopped is returned to decoders once Run has returned.
var errStopped = errors.New("follow: ingester stopped")

// wait blocks the caller (a decoder) while the batch is full. Called with
// g.mu held.
func (g *Ingester) wait() error {
	for g.err == nil && len(g.inv)+len(g.met)+len(g.dep) >= g.opts.MaxPending {
		select {
		case g.kick <- struct{}{}:
		default:
		}
		g.room.Wait()
	}
	return g.err
}

func (g *Ingester) seen(t time.Time) {
	if t.After(g.newest) {
		g.newest = t
	}
}

// Invocation implements telemetry.Sink.
func (g *Ingester) Invocation(inv *telemetry.Invocation) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.wait(); err != nil {
		return err
	}
	g.inv = append(g.inv, *inv)
	g.seen(inv.End)
	return nil
}

// Metric implements telemetry.Sink.
func (g *Ingester) Metric(m *telemetry.Metric) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.wait(); err != nil {
		return err
	}
	g.met = append(g.met, *m)
	g.seen(m.Time)
	return nil
}

// Deploy implements telemetry.Sink.
func (g *Ingester) Deploy(d *telemetry.Deploy) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.wait(); err != nil {
		return err
	}
	g.dep = append(g.dep, *d)
	g.seen(d.Time)
	return nil
}

// Reject implements telemetry.Sink.
func (g *Ingester) Reject(r telemetry.Rejected) {
	g.mu.Lock()
	g.rejected[r.Reason]++
	g.mu.Unlock()
	if g.opts.OnReject != nil {
		g.opts.OnReject(r)
	}
}

// Run commits pending records every IngesterOptions.Every until ctx
// ends, then commits what is left and returns. A store error stops it
// (and the decoders, whose next record gets the error).
func (g *Ingester) Run(ctx context.Context) error {
	t := time.NewTicker(g.opts.Every)
	defer t.Stop()
	// A commit under way finishes: shutdown waits for it.
	bg := context.WithoutCancel(ctx)
	for {
		select {
		case <-ctx.Done():
			err := g.Flush(bg)
			g.stop(errStopped)
			return err
		case <-t.C:
		case <-g.kick:
		}
		if err := g.Flush(bg); err != nil {
			g.stop(err)
			return err
		}
	}
}

func (g *Ingester) stop(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	g.mu.Unlock()
	g.room.Broadcast()
}

// Flush commits the records pending when it is called. Run calls it; so
// may anyone, at the same time (a caller that needs what was decoded so
// far committed now): each call commits its own batch, and the store
// applies commits one after the other.
func (g *Ingester) Flush(ctx context.Context) error {
	g.mu.Lock()
	inv, met, dep, newest := g.inv, g.met, g.dep, g.newest
	g.inv, g.met, g.dep, g.newest = nil, nil, nil, time.Time{}
	g.mu.Unlock()
	g.room.Broadcast()
	n := len(inv) + len(met) + len(dep)
	if n == 0 {
		return nil
	}
	app, err := g.st.Appender(ctx)
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	var invalid int64
	add := func(err error) error {
		var bad *store.Invalid
		if errors.As(err, &bad) {
			invalid++
			return nil
		}
		return err
	}
	for i := range inv {
		if err := add(app.AddInvocation(&inv[i])); err != nil {
			app.Rollback()
			return fmt.Errorf("follow: %w", err)
		}
	}
	for i := range met {
		if err := add(app.AddMetric(&met[i])); err != nil {
			app.Rollback()
			return fmt.Errorf("follow: %w", err)
		}
	}
	for i := range dep {
		if err := add(app.AddDeploy(&dep[i])); err != nil {
			app.Rollback()
			return fmt.Errorf("follow: %w", err)
		}
	}
	res, err := app.Commit(ctx)
	if err != nil {
		return fmt.Errorf("follow: commit: %w", err)
	}
	g.mu.Lock()
	g.invalid += invalid
	g.totals.Invocations = g.totals.Invocations.Add(res.Invocations)
	g.totals.Metrics = g.totals.Metrics.Add(res.Metrics)
	g.totals.Deploys = g.totals.Deploys.Add(res.Deploys)
	g.mu.Unlock()
	if g.opts.OnCommit != nil {
		g.opts.OnCommit(Commit{Result: res, Records: n, Newest: newest})
	}
	return nil
}

// IngestStats are an Ingester's totals since it started.
type IngestStats struct {
	Committed store.CommitResult
	// Rejected counts rejected inputs by reason; Invalid the records the
	// store refused.
	Rejected map[string]int64
	Invalid  int64
}

// Stats returns the totals so far.
func (g *Ingester) Stats() IngestStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	rej := make(map[string]int64, len(g.rejected))
	for k, v := range g.rejected {
		rej[k] = v
	}
	return IngestStats{Committed: g.totals, Rejected: rej, Invalid: g.invalid}
}
