package detect

import (
	"context"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/sim"
)

// incidentKind is the insight each injected incident must raise.
var incidentKind = map[string]string{
	sim.IncidentRunawayLoop:   KindRunawayLoop,
	sim.IncidentPoisonMessage: KindStuckQueue,
	sim.IncidentOOM:           KindOOM,
	sim.IncidentTimeouts:      KindTimeout,
	sim.IncidentScheduleStops: KindScheduleMissed,
	sim.IncidentMemoryLeak:    KindHighMemory,
	sim.IncidentRegression:    KindDurationRegression,
}

// TestIncidents injects each incident the simulator knows into a few
// hours of the shop's telemetry and requires the insight of the right
// kind, on the right resource, starting within two evaluation intervals
// of the injection, evaluated at the end of the data.
func TestIncidents(t *testing.T) {
	cases := []struct {
		kind, target string
		at           time.Duration
		rates        map[string]float64
	}{
		{sim.IncidentRunawayLoop, "ProcessUploadFunction", 4 * time.Hour, nil},
		{sim.IncidentPoisonMessage, "FulfilmentFunction", 4 * time.Hour, nil},
		{sim.IncidentOOM, "GetProductFunction", 4 * time.Hour, nil},
		{sim.IncidentTimeouts, "CreateOrderFunction", 4 * time.Hour, nil},
		// The nightly report runs at 03:00 UTC: stopped two minutes
		// before, its run is the first one missed.
		{sim.IncidentScheduleStops, "NightlyReportFunction", 2*time.Hour + 58*time.Minute, nil},
		{sim.IncidentMemoryLeak, "StockUpdateFunction", 4 * time.Hour, map[string]float64{"StockUpdateFunction": 1}},
		{sim.IncidentRegression, "GetOrderFunction", 4 * time.Hour, map[string]float64{"GetOrderFunction": 1}},
	}
	if len(cases) != len(sim.IncidentKinds) {
		t.Fatalf("%d cases for %d incident kinds: every kind the simulator injects needs one", len(cases), len(sim.IncidentKinds))
	}
	interval := DefaultInterval
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			st, g, truth := simulated(t, sim.Config{Span: 6 * time.Hour, Seed: 11, Deploys: 1, Rates: tc.rates,
				Incidents: []sim.Incident{{Kind: tc.kind, Target: tc.target, At: simStart.Add(tc.at)}}})
			if len(truth.Incidents) != 1 {
				t.Fatalf("truth has %d incidents", len(truth.Incidents))
			}
			want := truth.Incidents[0]
			resource := want.Resource
			if want.Queue != "" {
				resource = want.Queue
			}
			ins, err := Evaluate(context.Background(), st, g, config.Thresholds{}, truth.End)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, in := range ins {
				if in.Kind != incidentKind[tc.kind] || in.Resource != resource {
					continue
				}
				found = true
				if d := in.FirstSeen.Sub(want.Start).Abs(); d > 2*interval {
					t.Errorf("%s on %s first seen %v, injected %v: %v apart, more than two intervals", in.Kind, in.Resource,
						in.FirstSeen.Format(time.RFC3339), want.Start.Format(time.RFC3339), d)
				}
				if in.Severity.Rank() < Warning.Rank() {
					t.Errorf("%s on %s is only %s", in.Kind, in.Resource, in.Severity)
				}
				t.Logf("%s %s %s %s: %s", in.State, in.Severity, in.Kind, in.Resource, in.Evidence.Summary)
			}
			if !found {
				for _, in := range ins {
					t.Logf("got %s %s %s %s %v", in.State, in.Severity, in.Kind, in.Resource, in.FirstSeen)
				}
				t.Fatalf("no %s insight on %s for the injected %s", incidentKind[tc.kind], resource, tc.kind)
			}
		})
	}
}

// TestCleanWeek: a week of the shop with diurnal traffic, deploys and its
// usual few errors raises nothing at warning or above, at the end of the
// week and every twelve hours of it.
func TestCleanWeek(t *testing.T) {
	st, g, truth := simulated(t, sim.Config{Span: 7 * 24 * time.Hour, Seed: 5, Deploys: 2, Rates: map[string]float64{"api": 1}})
	s, err := NewSettings(config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	for at := truth.Start.Add(12 * time.Hour); !at.After(truth.End); at = at.Add(12 * time.Hour) {
		ins, err := s.Evaluate(context.Background(), st, g, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			if in.Severity.Rank() >= Warning.Rank() {
				t.Errorf("at %s: %s %s %s %s: %s", at.Format(time.RFC3339), in.State, in.Severity, in.Kind, in.Resource, in.Evidence.Summary)
			}
		}
	}
}
