package detect

import (
	"context"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestMetricDetectors feeds CloudWatch datapoints the simulator does not
// write: AWS's own RecursiveInvocationsDropped, throttles on a function
// without reserved concurrency, and a stream's iterator age.
func TestMetricDetectors(t *testing.T) {
	ctx := context.Background()
	st, ap, g := memStore(t, [2]string{"Worker", "worker"})
	at := simStart.Add(2 * time.Hour)
	fn := map[string]string{"FunctionName": "worker"}
	for m := 0; m < 120; m++ {
		ts := simStart.Add(time.Duration(m) * time.Minute)
		inv := telemetry.Invocation{Function: "worker", Version: "$LATEST", RequestID: ts.Format("req-150405"), Start: ts, End: ts.Add(time.Second),
			DurationUS: 1e6, BilledDurationMS: 1000, MemorySizeMB: 128, MaxMemoryUsedMB: 60}
		if err := ap.AddInvocation(&inv); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			name, stat string
			v          float64
		}{
			{"RecursiveInvocationsDropped", "Sum", b2f(m >= 100 && m < 104) * 3},
			{"Throttles", "Sum", b2f(m >= 110) * 5},
			{"IteratorAge", "Maximum", 1000 + b2f(m >= 90)*float64(m-89)*60_000},
		} {
			if err := ap.AddMetric(&telemetry.Metric{Namespace: "AWS/Lambda", Name: p.name, Dimensions: fn, Time: ts, Stat: p.stat, Period: 60, Value: p.v}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := ap.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ins, err := Evaluate(ctx, st, g, config.Thresholds{}, at)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		sev   Severity
		first time.Time
	}{
		KindRunawayLoop: {Critical, simStart.Add(100 * time.Minute)},
		KindThrottles:   {Critical, simStart.Add(110 * time.Minute)},
		KindIteratorAge: {Warning, simStart.Add(90 * time.Minute)}, // 61 s at minute 90, 30 min at the end
	}
	for _, in := range ins {
		w, ok := want[in.Kind]
		if !ok || in.Resource != "Worker" {
			continue
		}
		delete(want, in.Kind)
		if in.Severity != w.sev || in.FirstSeen.Sub(w.first).Abs() > DefaultInterval {
			t.Errorf("%s: %s from %v, want %s from about %v (%s)", in.Kind, in.Severity, in.FirstSeen, w.sev, w.first, in.Evidence.Summary)
		}
	}
	for k := range want {
		t.Errorf("no %s insight", k)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
