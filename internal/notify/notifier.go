package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Route is one sink and what it is sent.
type Route struct {
	// Sink delivers; its Name must be unique among the routes (it keys
	// the per-sink memory in the state file).
	Sink Sink
	// MinSeverity drops notifications below it ("" for all). A resolve
	// goes to every sink that was told of the episode.
	MinSeverity Severity
	// Kinds keeps only these kinds (empty for all).
	Kinds []string
	// Events keeps only these event types (empty: DefaultEvents).
	Events []EventType
	// Dedupe and Repeat, when set, replace the kind's policy for this sink.
	Dedupe *time.Duration
	Repeat *time.Duration
}

func (r *Route) wants(typ EventType, kind string) bool {
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, kind) {
		return false
	}
	evs := r.Events
	if len(evs) == 0 {
		evs = DefaultEvents
	}
	return slices.Contains(evs, typ)
}

// Options configure a Notifier.
type Options struct {
	Policies Policies
	Routes   []Route
	// StatePath is the JSON state file ("" keeps state in memory only).
	StatePath string
	// App is put in every notification.
	App      string
	Delivery Delivery
	Logger   *slog.Logger
}

// Notifier runs the lifecycle over evaluations and hands the resulting
// notifications to the sinks' queues. Evaluate is safe for concurrent use
// (calls are serialised); it never waits on a sink.
type Notifier struct {
	mu      sync.Mutex
	opts    Options
	tracker *Tracker
	queues  []*queue
	log     *slog.Logger
	closed  bool
}

// New loads the state file (a missing file is an empty state) and starts
// one delivery worker per route. Close stops them.
func New(opts Options) (*Notifier, error) {
	seen := map[string]bool{}
	for _, r := range opts.Routes {
		if r.Sink == nil {
			return nil, errors.New("notify: route without a sink")
		}
		if seen[r.Sink.Name()] {
			return nil, fmt.Errorf("notify: two sinks named %q", r.Sink.Name())
		}
		seen[r.Sink.Name()] = true
	}
	alerts, err := LoadState(opts.StatePath)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{opts: opts, tracker: NewTracker(opts.Policies, alerts), log: log}
	for i := range opts.Routes {
		n.queues = append(n.queues, startQueue(&n.opts.Routes[i], opts.Delivery, log))
	}
	return n, nil
}

// Report is what one evaluation did.
type Report struct {
	// Events are the lifecycle transitions.
	Events []Event
	// Queued counts notifications handed to sinks; Deduped those dropped
	// by a dedupe window; Dropped those a full queue refused.
	Queued, Deduped, Dropped int
}

// Evaluate applies one evaluation at time at, queues the notifications,
// and saves the state. The error is the state file's: notifications are
// queued even then.
func (n *Notifier) Evaluate(at time.Time, obs []Observation) (Report, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var rep Report
	if n.closed {
		return rep, errors.New("notify: evaluate after close")
	}
	rep.Events = n.tracker.Step(at, obs)
	for _, ev := range rep.Events {
		a := n.tracker.Alert(ev.Alert.Key)
		if a == nil {
			continue
		}
		for _, q := range n.queues {
			n.route(&rep, q, a, ev.Type, ev.Previous, &ev.Alert, at)
		}
	}
	// Reminders for what is still open.
	for _, a := range n.tracker.Alerts() {
		if a.Status != StatusOpen || !a.HeldSince.IsZero() {
			continue
		}
		pol := n.opts.Policies.For(a.Kind)
		for _, q := range n.queues {
			repeat := pol.Repeat
			if q.route.Repeat != nil {
				repeat = *q.route.Repeat
			}
			m := a.Sinks[q.name]
			if repeat <= 0 || m == nil || !m.Episode.Equal(a.OpenedAt) || at.Sub(m.lastAny()) < repeat {
				continue
			}
			n.route(&rep, q, a, EventRepeat, "", a, at)
		}
	}
	return rep, SaveState(n.opts.StatePath, n.tracker.Alerts())
}

// route sends one event of alert a (snapshot: its state at the event) to
// one sink, if the sink wants it.
func (n *Notifier) route(rep *Report, q *queue, a *Alert, typ EventType, prev Severity, snap *Alert, at time.Time) {
	r := q.route
	if !r.wants(typ, a.Kind) {
		return
	}
	if a.Sinks == nil {
		a.Sinks = map[string]*SinkMark{}
	}
	m := a.Sinks[q.name]
	if m == nil {
		m = &SinkMark{Last: map[EventType]Sent{}}
		a.Sinks[q.name] = m
	}
	told := m.Episode.Equal(a.OpenedAt) && !m.Episode.IsZero()
	switch typ {
	case EventOpen, EventEscalate, EventNoData:
		if snap.Severity.Rank() < r.MinSeverity.Rank() {
			return
		}
	case EventResolve:
		if !told {
			return
		}
	default: // update, repeat
		if !told || snap.Severity.Rank() < r.MinSeverity.Rank() {
			return
		}
	}
	m.Episode = a.OpenedAt
	dedupe := n.opts.Policies.For(a.Kind).Dedupe
	if r.Dedupe != nil {
		dedupe = *r.Dedupe
	}
	if last, ok := m.Last[typ]; ok && dedupe > 0 && last.Severity == snap.Severity && at.Sub(last.At) < dedupe {
		rep.Deduped++
		q.stats.deduped.Add(1)
		return
	}
	m.Last[typ] = Sent{At: at.UTC(), Severity: snap.Severity}
	if q.enqueue(newNotification(n.opts.App, typ, at, prev, snap)) {
		rep.Queued++
	} else {
		rep.Dropped++
	}
}

// Alerts returns copies of the current alerts, ordered by key.
func (n *Notifier) Alerts() []Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Alert
	for _, a := range n.tracker.Alerts() {
		out = append(out, *a)
	}
	return out
}

// Stats returns each sink's delivery counters, in route order.
func (n *Notifier) Stats() []SinkStats {
	out := make([]SinkStats, len(n.queues))
	for i, q := range n.queues {
		out[i] = q.snapshot()
	}
	return out
}

// Flush waits until every queue is empty and idle, or ctx ends.
func (n *Notifier) Flush(ctx context.Context) error {
	for _, q := range n.queues {
		if err := q.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close stops accepting evaluations and delivers what is queued, until
// ctx ends; what is still undelivered then is counted as failed. The
// state was saved by the last Evaluate.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	var errs []error
	for _, q := range n.queues {
		errs = append(errs, q.close(ctx))
	}
	return errors.Join(errs...)
}
