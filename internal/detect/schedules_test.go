package detect

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestScheduleOverrun: a job on rate(1 minute) whose runs pass 80% of the
// period is a warning; once they outlast it (overlapping runs), critical.
func TestScheduleOverrun(t *testing.T) {
	ctx := context.Background()
	g := iac.Load([]string{"testdata/overrun"}, iac.Options{})
	if g.HasErrors() {
		t.Fatalf("template: %v", g.Diags)
	}
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ap, err := st.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const slowFrom, overlapFrom = 60, 90
	for m := range 120 {
		ts := simStart.Add(time.Duration(m) * time.Minute)
		d := 20 * time.Second
		switch {
		case m >= overlapFrom:
			d = 75 * time.Second
		case m >= slowFrom:
			d = 52 * time.Second
		}
		inv := telemetry.Invocation{Function: "sync-job", Version: "$LATEST", RequestID: fmt.Sprint("r", m), Start: ts, End: ts.Add(d),
			DurationUS: d.Microseconds(), BilledDurationMS: d.Milliseconds(), MemorySizeMB: 128, MaxMemoryUsedMB: 70}
		if err := ap.AddInvocation(&inv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ap.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(at time.Time, sev Severity, first time.Time) {
		t.Helper()
		ins, err := Evaluate(ctx, st, g, config.Thresholds{}, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			if in.Kind == KindScheduleOverrun && in.Resource == "Sync" {
				if in.Severity != sev || !in.FirstSeen.Equal(first) || in.State != Open {
					t.Errorf("at %v: %s %s from %v, want %s from %v (%s)", at, in.State, in.Severity, in.FirstSeen, sev, first, in.Evidence.Summary)
				}
				return
			}
		}
		t.Errorf("at %v: no schedule-overrun", at)
	}
	check(simStart.Add(80*time.Minute), Warning, simStart.Add(slowFrom*time.Minute))
	check(simStart.Add(120*time.Minute), Critical, simStart.Add(slowFrom*time.Minute))
	// Every run happened: nothing missed.
	ins, _ := Evaluate(ctx, st, g, config.Thresholds{}, simStart.Add(120*time.Minute))
	for _, in := range ins {
		if in.Kind == KindScheduleMissed {
			t.Errorf("missed runs reported though every minute ran: %s", in.Evidence.Summary)
		}
	}
}
