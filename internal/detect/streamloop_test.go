package detect

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/sim"
)

// TestRunawayOnStream: a loop through a DynamoDB stream, which AWS's loop
// detection does not follow, is found from the invocation counts within
// two intervals, and the cause says that nothing else will stop it.
func TestRunawayOnStream(t *testing.T) {
	g := iac.Load([]string{"testdata/stream-loop"}, iac.Options{})
	if g.HasErrors() {
		t.Fatalf("template: %v", g.Diags)
	}
	at := simStart.Add(3 * time.Hour)
	st, truth := simulatedGraph(t, g, sim.Config{Span: 4 * time.Hour, Seed: 2,
		Incidents: []sim.Incident{{Kind: sim.IncidentRunawayLoop, Target: "Aggregate", At: at}}})
	// Evaluated 12 minutes in (not on an interval boundary: the loop
	// detector reads minutes up to the evaluation time).
	ins, err := Evaluate(context.Background(), st, g, config.Thresholds{}, at.Add(12*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.Kind != KindRunawayLoop || in.Resource != "Aggregate" {
			continue
		}
		if d := in.FirstSeen.Sub(truth.Incidents[0].Start).Abs(); d > 2*DefaultInterval {
			t.Errorf("first seen %v, injected %v", in.FirstSeen, truth.Incidents[0].Start)
		}
		if in.State != Open || !strings.Contains(in.Cause, "DynamoDB streams") || in.ImpactUSDPerMonth == nil || *in.ImpactUSDPerMonth <= 0 {
			t.Errorf("runaway insight: state %s, cause %q, impact %v", in.State, in.Cause, in.ImpactUSDPerMonth)
		}
		if in.Evidence.Values["growth_per_minute"] < 1.3 || in.Evidence.Values["projected_usd_per_hour"] <= 0 {
			t.Errorf("evidence %+v", in.Evidence)
		}
		return
	}
	for _, in := range ins {
		t.Logf("%s %s %s %s", in.State, in.Severity, in.Kind, in.Resource)
	}
	t.Fatal("no runaway-loop on Aggregate")
}
