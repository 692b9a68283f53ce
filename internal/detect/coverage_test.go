package detect

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestCoverage: what the data cannot tell is said. A function only the
// telemetry knows, a function only the templates know, a stretch with no
// data at all, and logs whose counts match the CloudWatch metric only
// two minutes shifted.
func TestCoverage(t *testing.T) {
	ctx := context.Background()
	st, ap, g := memStore(t, [2]string{"Worker", "worker"}, [2]string{"Idle", "idle"})
	gapFrom, gapTo := 120, 150 // minutes with no data from anyone
	const minutes = 240
	for m := range minutes {
		ts := simStart.Add(time.Duration(m) * time.Minute)
		n := 10 + 15*(m/7%2) // a square wave, so a shift is visible
		if m >= gapFrom && m < gapTo {
			n = 0
		}
		for k := range n {
			start := ts.Add(time.Duration(k) * time.Second)
			inv := telemetry.Invocation{Function: "worker", Version: "$LATEST", RequestID: fmt.Sprintf("w-%d-%d", m, k), Start: start,
				End: start.Add(50 * time.Millisecond), DurationUS: 50_000, BilledDurationMS: 50, MemorySizeMB: 128, MaxMemoryUsedMB: 90}
			if err := ap.AddInvocation(&inv); err != nil {
				t.Fatal(err)
			}
		}
		// The metric's clock runs two minutes ahead.
		if err := ap.AddMetric(&telemetry.Metric{Namespace: "AWS/Lambda", Name: "Invocations", Dimensions: map[string]string{"FunctionName": "worker"},
			Time: ts.Add(2 * time.Minute), Stat: "Sum", Period: 60, Value: float64(n)}); err != nil {
			t.Fatal(err)
		}
		if m%30 == 0 && (m < gapFrom || m >= gapTo) {
			inv := telemetry.Invocation{Function: "mystery", Version: "$LATEST", RequestID: fmt.Sprintf("m-%d", m), Start: ts, End: ts.Add(time.Second),
				DurationUS: 1e6, BilledDurationMS: 1000, MemorySizeMB: 128, MaxMemoryUsedMB: 60}
			if err := ap.AddInvocation(&inv); err != nil {
				t.Fatal(err)
			}
		}
	}
	ins := commitEvaluate(t, ap, st, g, config.Thresholds{}, simStart.Add(minutes*time.Minute))
	want := map[string]string{KindUnknownFunction: "mystery", KindNoData: "Idle", KindTelemetryGap: "app", KindClockSkew: "Worker"}
	for _, in := range ins {
		if want[in.Kind] == in.Resource {
			delete(want, in.Kind)
			switch in.Kind {
			case KindClockSkew:
				if in.Evidence.Values["skew_minutes"] != 2 {
					t.Errorf("skew %v minutes, want 2", in.Evidence.Values["skew_minutes"])
				}
			case KindTelemetryGap:
				if !in.FirstSeen.Equal(simStart.Add(time.Duration(gapFrom)*time.Minute)) || in.State != NoData {
					t.Errorf("gap from %v (%s), want %v", in.FirstSeen, in.State, simStart.Add(time.Duration(gapFrom)*time.Minute))
				}
			case KindNoData:
				if in.State != NoData {
					t.Errorf("Idle: state %s", in.State)
				}
			}
		}
	}
	for k, r := range want {
		t.Errorf("no %s on %s", k, r)
	}
	// Evaluated where nothing is stored: one no-data for the app, and
	// nothing claimed as fine.
	ins, err := Evaluate(ctx, st, g, config.Thresholds{}, simStart.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) == 0 || ins[0].Kind != KindNoData || ins[0].Resource != "app" || ins[0].State != NoData {
		t.Errorf("past the data: %+v", ins)
	}
}
