package notify

import (
	"cmp"
	"slices"
	"time"
)

// Policy is how the alerts of one kind behave. The zero value of a field
// means what DefaultPolicy says only where noted; Policies.For merges.
type Policy struct {
	// ResolveAfter is how many clear evaluations in a row resolve an
	// alert (at least 1).
	ResolveAfter int
	// ResolveMin is how long it must have been clear, from the first
	// clear evaluation, before it resolves; both conditions must hold.
	ResolveMin time.Duration
	// FlapHold is the hold-down after a resolution: an alert reopening
	// within it reopens silently, and is announced only if it still holds
	// FlapHold after reopening, or escalates. 0 disables it.
	FlapHold time.Duration
	// Dedupe drops, per sink, a notification of the same event type and
	// severity for the same key sent within it. 0 disables it.
	Dedupe time.Duration
	// Repeat re-sends an open alert to a sink when the sink heard nothing
	// of it for this long. 0 (the default) never repeats.
	Repeat time.Duration
}

// DefaultPolicy: resolve after 3 clear evaluations and 5 minutes, hold
// flapping down for 30 minutes, dedupe within 15 minutes, never repeat.
var DefaultPolicy = Policy{ResolveAfter: 3, ResolveMin: 5 * time.Minute, FlapHold: 30 * time.Minute, Dedupe: 15 * time.Minute}

// Policies are the default policy and whole per-kind replacements.
type Policies struct {
	Default Policy
	Kinds   map[string]Policy
}

// For returns the policy of kind.
func (p Policies) For(kind string) Policy {
	pol, ok := p.Kinds[kind]
	if !ok {
		pol = p.Default
	}
	pol.ResolveAfter = max(pol.ResolveAfter, 1)
	return pol
}

// retain is how long a resolved alert is remembered: long enough for the
// hold-down, dedupe and repeat windows, plus a day so a restart does not
// forget what was just resolved.
func (p Policy) retain() time.Duration {
	return max(p.FlapHold, p.Dedupe, p.Repeat) + 24*time.Hour
}

// Tracker holds the alerts and turns evaluations into events. It is not
// safe for concurrent use; the Notifier serialises it.
type Tracker struct {
	policies Policies
	alerts   map[string]*Alert
}

// NewTracker returns a tracker that continues from alerts (as loaded from
// a state file; nil for none). It takes ownership of the map.
func NewTracker(p Policies, alerts map[string]*Alert) *Tracker {
	if alerts == nil {
		alerts = map[string]*Alert{}
	}
	return &Tracker{policies: p, alerts: alerts}
}

// Alerts returns the alerts, ordered by key. The pointers are the
// tracker's own.
func (t *Tracker) Alerts() []*Alert {
	out := make([]*Alert, 0, len(t.alerts))
	for _, a := range t.alerts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Alert) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// Alert returns the alert of key, or nil.
func (t *Tracker) Alert(key string) *Alert { return t.alerts[key] }

// Step applies one evaluation made at time at: obs are the observations
// of that moment, and any key not among them (or Clear) is clear. It
// returns the events, ordered by key then lifecycle. Several observations
// of one key keep the worst (holding, then no-data, then severity).
func (t *Tracker) Step(at time.Time, obs []Observation) []Event {
	cur := make(map[string]Observation, len(obs))
	for _, o := range obs {
		k := o.Key()
		if prev, ok := cur[k]; ok && worse(prev, o) {
			continue
		}
		cur[k] = o
	}
	var events []Event
	for _, k := range slices.Sorted(keysOf(cur)) {
		o := cur[k]
		switch o.State {
		case Holding:
			events = t.hold(events, t.alertFor(o), o, at)
		case NoData:
			events = t.noData(events, t.alertFor(o), o, at)
		}
	}
	for _, a := range t.Alerts() {
		if o, ok := cur[a.Key]; ok && o.State != Clear {
			continue
		}
		events = t.clear(events, a, at)
		if a.Status == StatusResolved && at.Sub(a.ResolvedAt) > t.policies.For(a.Kind).retain() {
			delete(t.alerts, a.Key)
		}
	}
	order := map[EventType]int{}
	for i, e := range EventTypes {
		order[e] = i
	}
	slices.SortStableFunc(events, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Alert.Key, b.Alert.Key), cmp.Compare(order[a.Type], order[b.Type]))
	})
	return events
}

// worse reports whether a is to be kept over b for the same key.
func worse(a, b Observation) bool {
	rank := map[State]int{Holding: 2, NoData: 1}
	if rank[a.State] != rank[b.State] {
		return rank[a.State] > rank[b.State]
	}
	return a.Severity.Rank() >= b.Severity.Rank()
}

func keysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (t *Tracker) alertFor(o Observation) *Alert {
	k := o.Key()
	a := t.alerts[k]
	if a == nil {
		a = &Alert{Key: k, Kind: o.Kind, Resource: o.Resource, Signature: o.Signature, Status: StatusResolved}
		t.alerts[k] = a
	}
	return a
}

// observe copies what the observation says into the alert.
func observe(a *Alert, o Observation) (changed bool) {
	changed = a.Title != o.Title || a.Details != o.Details
	a.Title, a.Details, a.Data = o.Title, o.Details, o.Data
	if !o.FirstSeen.IsZero() {
		a.FirstSeen = o.FirstSeen
	}
	if !o.LastSeen.IsZero() {
		a.LastSeen = o.LastSeen
	}
	if o.Severity.Rank() > 0 {
		a.Severity = o.Severity
	} else if a.Severity == "" {
		a.Severity = Warning
	}
	return changed
}

func event(events []Event, typ EventType, a *Alert, at time.Time, prev Severity) []Event {
	return append(events, Event{Type: typ, At: at, Previous: prev, Alert: *a})
}

func (t *Tracker) hold(events []Event, a *Alert, o Observation, at time.Time) []Event {
	pol := t.policies.For(a.Kind)
	prevSev := a.Severity
	changed := observe(a, o)
	a.ClearCount, a.ClearSince, a.LastHeld = 0, time.Time{}, at
	switch a.Status {
	case StatusResolved:
		return t.reopen(events, a, pol, at)
	case StatusNoData:
		a.Status = StatusOpen
		wasOpen := a.OpenBeforeNoData
		a.OpenBeforeNoData = false
		if !wasOpen {
			return t.reopen(events, a, pol, at)
		}
		// Data that comes and goes within one episode says no-data once:
		// NoDataSent stays until the episode ends.
		changed = true // the data is back: news, at least as an update
	}
	// Open already, or again after a spell without data.
	if !a.HeldSince.IsZero() {
		return t.held(events, a, pol, at)
	}
	if a.Severity.Rank() > a.Announced.Rank() {
		prev := a.Announced
		a.Announced = a.Severity
		return event(events, EventEscalate, a, at, prev)
	}
	if changed || a.Severity != prevSev {
		return event(events, EventUpdate, a, at, "")
	}
	return events
}

// reopen starts a new episode: announced at once, unless it comes within
// the hold-down of the last resolution at no higher a severity than was
// announced then (a flap), when it reopens silently to see if it lasts.
func (t *Tracker) reopen(events []Event, a *Alert, pol Policy, at time.Time) []Event {
	a.Status, a.OpenedAt, a.OpenBeforeNoData = StatusOpen, at, false
	if pol.FlapHold > 0 && !a.ResolvedAt.IsZero() && at.Sub(a.ResolvedAt) < pol.FlapHold &&
		a.Severity.Rank() <= a.Announced.Rank() {
		a.HeldSince = at
		a.Flaps++
		return events
	}
	a.HeldSince, a.Announced, a.NoDataSent = time.Time{}, a.Severity, false
	return event(events, EventOpen, a, at, "")
}

// held decides whether a silent reopen is now announced: when it lasted
// the hold-down, or rose above what was announced.
func (t *Tracker) held(events []Event, a *Alert, pol Policy, at time.Time) []Event {
	if at.Sub(a.HeldSince) >= pol.FlapHold || a.Severity.Rank() > a.Announced.Rank() {
		a.HeldSince, a.Announced = time.Time{}, a.Severity
		return event(events, EventOpen, a, at, "")
	}
	return events
}

func (t *Tracker) noData(events []Event, a *Alert, o Observation, at time.Time) []Event {
	observe(a, o)
	a.ClearCount, a.ClearSince = 0, time.Time{}
	switch a.Status {
	case StatusResolved:
		// NoDataSent stays from a silent episode: what the sinks last
		// heard may be this very no-data.
		a.Status, a.OpenedAt, a.OpenBeforeNoData, a.HeldSince = StatusNoData, at, false, time.Time{}
	case StatusOpen:
		a.Status, a.OpenBeforeNoData = StatusNoData, true
	}
	if a.NoDataSent {
		return events
	}
	a.NoDataSent = true
	return event(events, EventNoData, a, at, "")
}

func (t *Tracker) clear(events []Event, a *Alert, at time.Time) []Event {
	if a.Status == StatusResolved {
		return events
	}
	pol := t.policies.For(a.Kind)
	if a.ClearCount == 0 {
		a.ClearSince = at
	}
	a.ClearCount++
	if a.ClearCount < pol.ResolveAfter || at.Sub(a.ClearSince) < pol.ResolveMin {
		return events
	}
	silent := !a.HeldSince.IsZero()
	a.Status, a.HeldSince, a.ClearCount, a.ClearSince = StatusResolved, time.Time{}, 0, time.Time{}
	a.OpenBeforeNoData = false
	// The hold-down runs from the latest resolution, announced or not, so
	// an insight that keeps flapping stays held until it stays open.
	a.ResolvedAt = at
	if silent {
		return events
	}
	a.NoDataSent = false
	return event(events, EventResolve, a, at, "")
}
