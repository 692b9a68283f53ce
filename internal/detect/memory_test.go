package detect

import (
	"fmt"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestOverprovisionedBaselineOverride: a function's own baseline for
// memory-overprovisioned is the span its peak is taken over. Two
// functions use 900 of 1024 MB for three hours, then 100 MB: over the
// global 7 days neither is over-provisioned; Lean, judged over its own
// last two hours, is.
func TestOverprovisionedBaselineOverride(t *testing.T) {
	st, ap, g := memStore(t, [2]string{"Lean", "lean"}, [2]string{"Other", "other"})
	const minutes = 6 * 60
	for _, fn := range []string{"lean", "other"} {
		for m := range minutes {
			ts := simStart.Add(time.Duration(m) * time.Minute)
			used := int32(900)
			if m >= minutes/2 {
				used = 100
			}
			for k := range 5 {
				start := ts.Add(time.Duration(k) * time.Second)
				inv := telemetry.Invocation{Function: fn, Version: "$LATEST", RequestID: fmt.Sprintf("%s-%d-%d", fn, m, k), Start: start,
					End: start.Add(50 * time.Millisecond), DurationUS: 50_000, BilledDurationMS: 50, MemorySizeMB: 1024, MaxMemoryUsedMB: used}
				if err := ap.AddInvocation(&inv); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	at := simStart.Add(minutes * time.Minute)
	cfg := config.Thresholds{Functions: map[string]config.FunctionThresholds{
		"Lean": {Limits: config.Limits{MemoryOverprovisioned: &config.Limit{Baseline: ptr(2 * time.Hour)}}},
	}}
	got := map[string]Insight{}
	for _, in := range commitEvaluate(t, ap, st, g, cfg, at) {
		if in.Kind == KindMemoryOverprovisioned {
			got[in.Resource] = in
		}
	}
	lean, ok := got["Lean"]
	if !ok {
		t.Fatalf("Lean's own 2 h baseline ignored: no memory-overprovisioned (got %v)", got)
	}
	if v := lean.Evidence.Values; v["max_memory_used_mb"] != 100 || v["invocations"] != 2*60*5 {
		t.Errorf("Lean: peak %v MB over %v invocations, want 100 MB over %d", v["max_memory_used_mb"], v["invocations"], 2*60*5)
	}
	if lean.FirstSeen.Before(at.Add(-2 * time.Hour)) {
		t.Errorf("Lean: first seen %v, before its baseline began", lean.FirstSeen)
	}
	if in, ok := got["Other"]; ok {
		t.Errorf("Other, on the global 7-day baseline with a 900 MB peak, reported: %s", in.Evidence.Summary)
	}
}
