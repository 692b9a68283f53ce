package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func obs(kind, res string, sev Severity, st State) Observation {
	return Observation{Kind: kind, Resource: res, Severity: sev, State: st, Title: kind + " on " + res}
}

func holding(sev Severity) Observation { return obs("error-rate", "orders", sev, Holding) }
func nodata() Observation              { return obs("error-rate", "orders", Warning, NoData) }

// step is one evaluation, min minutes after t0, and the events it must
// give, as "type" or "type:previous" joined by spaces.
type step struct {
	min  int
	obs  []Observation
	want string
}

func render(evs []Event) string {
	var parts []string
	for _, e := range evs {
		s := string(e.Type)
		if e.Previous != "" {
			s += ":" + string(e.Previous)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestLifecycle(t *testing.T) {
	pol := Policy{ResolveAfter: 3, ResolveMin: 5 * time.Minute, FlapHold: 30 * time.Minute}
	w, c := []Observation{holding(Warning)}, []Observation{holding(Critical)}
	cases := []struct {
		name  string
		pol   Policy
		steps []step
	}{
		{"opens at once, holds quietly", pol, []step{{0, w, "open"}, {1, w, ""}, {2, w, ""}}},
		{"escalates, de-escalates silently, escalates again only above announced", pol, []step{
			{0, w, "open"}, {1, c, "escalate:warning"}, {2, w, "update"}, {3, c, "update"}, {4, c, ""}}},
		{"opens critical directly", pol, []step{{0, c, "open"}, {1, w, "update"}}},
		{"text change is an update", pol, []step{{0, w, "open"},
			{1, []Observation{{Kind: "error-rate", Resource: "orders", Severity: Warning, State: Holding, Title: "worse"}}, "update"}}},
		{"resolve needs N clear evaluations", Policy{ResolveAfter: 3}, []step{
			{0, w, "open"}, {1, nil, ""}, {2, nil, ""}, {3, nil, "resolve"}, {4, nil, ""}}},
		{"resolve needs the minimum time too", pol, []step{
			{0, w, "open"}, {1, nil, ""}, {2, nil, ""}, {3, nil, ""}, {5, nil, ""}, {6, nil, "resolve"}}},
		{"a holding evaluation resets the count", Policy{ResolveAfter: 2}, []step{
			{0, w, "open"}, {1, nil, ""}, {2, w, ""}, {3, nil, ""}, {4, nil, "resolve"}}},
		{"Clear state is clear", Policy{ResolveAfter: 1}, []step{
			{0, w, "open"}, {1, []Observation{obs("error-rate", "orders", Warning, Clear)}, "resolve"}}},
		{"flap within the hold-down reopens silently and resolves silently", Policy{ResolveAfter: 1, FlapHold: 30 * time.Minute}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {5, w, ""}, {6, nil, ""}, {10, w, ""}, {11, nil, ""}}},
		{"a reopen that lasts the hold-down is announced once", Policy{ResolveAfter: 1, FlapHold: 30 * time.Minute}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {5, w, ""}, {20, w, ""}, {35, w, "open"}, {36, w, ""}, {37, nil, "resolve"}}},
		{"continuous flapping never pages again", Policy{ResolveAfter: 1, FlapHold: 30 * time.Minute}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {20, w, ""}, {25, nil, ""}, {45, w, ""}, {50, nil, ""}, {70, w, ""}, {75, nil, ""}}},
		{"a held reopen that escalates pages", Policy{ResolveAfter: 1, FlapHold: 30 * time.Minute}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {5, w, ""}, {6, c, "open"}, {7, nil, "resolve"}}},
		{"after the hold-down a reopen pages", Policy{ResolveAfter: 1, FlapHold: 30 * time.Minute}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {40, w, "open"}}},
		{"no flap hold: every reopen pages", Policy{ResolveAfter: 1}, []step{
			{0, w, "open"}, {1, nil, "resolve"}, {2, w, "open"}}},
		{"no-data is said once, then data back and clear resolves", Policy{ResolveAfter: 2}, []step{
			{0, []Observation{nodata()}, "no-data"}, {1, []Observation{nodata()}, ""}, {2, []Observation{nodata()}, ""},
			{3, nil, ""}, {4, nil, "resolve"}}},
		{"an open alert losing data says no-data and stays open", Policy{ResolveAfter: 1}, []step{
			{0, w, "open"}, {1, []Observation{nodata()}, "no-data"}, {2, []Observation{nodata()}, ""}, {3, w, "update"}, {4, nil, "resolve"}}},
		{"an open alert losing data then escalating", Policy{ResolveAfter: 1}, []step{
			{0, w, "open"}, {1, []Observation{nodata()}, "no-data"}, {2, c, "escalate:warning"}}},
		{"no-data then holding is an open", Policy{ResolveAfter: 1}, []step{
			{0, []Observation{nodata()}, "no-data"}, {1, w, "open"}}},
		{"no-data again in a new episode is said again", Policy{ResolveAfter: 1}, []step{
			{0, []Observation{nodata()}, "no-data"}, {1, nil, "resolve"}, {2, []Observation{nodata()}, "no-data"}}},
		{"duplicate observations keep the worst", pol, []step{
			{0, []Observation{nodata(), holding(Warning), holding(Critical), holding(Info)}, "open"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(Policies{Default: tc.pol}, nil)
			for i, s := range tc.steps {
				got := render(tr.Step(t0.Add(time.Duration(s.min)*time.Minute), s.obs))
				if got != s.want {
					t.Fatalf("step %d (minute %d): events %q, want %q", i, s.min, got, s.want)
				}
			}
		})
	}
}

func TestLifecycleSeverityOfDuplicates(t *testing.T) {
	tr := NewTracker(Policies{Default: DefaultPolicy}, nil)
	evs := tr.Step(t0, []Observation{holding(Warning), holding(Critical), nodata()})
	if len(evs) != 1 || evs[0].Alert.Severity != Critical {
		t.Fatalf("events %+v: want one open at critical", evs)
	}
}

func TestLifecyclePerKindPolicy(t *testing.T) {
	p := Policies{Default: Policy{ResolveAfter: 1}, Kinds: map[string]Policy{"oom": {ResolveAfter: 3}}}
	tr := NewTracker(p, nil)
	tr.Step(t0, []Observation{holding(Warning), obs("oom", "orders", Warning, Holding)})
	evs := tr.Step(t0.Add(time.Minute), nil)
	if render(evs) != "resolve" || evs[0].Alert.Kind != "error-rate" {
		t.Fatalf("after one clear evaluation: %+v, want error-rate resolved and oom still open", evs)
	}
	if a := tr.Alert("oom|orders"); a == nil || a.Status != StatusOpen {
		t.Fatalf("oom alert %+v: want open", a)
	}
}

func TestLifecycleForgetsOldResolved(t *testing.T) {
	tr := NewTracker(Policies{Default: Policy{ResolveAfter: 1, FlapHold: time.Hour}}, nil)
	tr.Step(t0, []Observation{holding(Warning)})
	tr.Step(t0.Add(time.Minute), nil)
	tr.Step(t0.Add(24*time.Hour), nil)
	if len(tr.Alerts()) != 1 {
		t.Fatalf("alert forgotten within the retention: %d alerts", len(tr.Alerts()))
	}
	tr.Step(t0.Add(26*time.Hour), nil)
	if len(tr.Alerts()) != 0 {
		t.Fatalf("alert kept past the retention: %+v", tr.Alerts()[0])
	}
}

func TestEventsOrderedByKey(t *testing.T) {
	tr := NewTracker(Policies{Default: DefaultPolicy}, nil)
	var in []Observation
	for i := 9; i >= 0; i-- {
		in = append(in, obs("timeout", fmt.Sprintf("fn%d", i), Warning, Holding))
	}
	evs := tr.Step(t0, in)
	for i := 1; i < len(evs); i++ {
		if evs[i-1].Alert.Key >= evs[i].Alert.Key {
			t.Fatalf("events out of order: %s before %s", evs[i-1].Alert.Key, evs[i].Alert.Key)
		}
	}
}
