package detect

import (
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/iac"
)

// TestWarmupPings: a schedule whose input asks for warming is told apart
// from a schedule that runs real work, and its pings are counted per
// interval so latency means leave them out; a warm-up schedule is not a
// job that can miss its runs either.
func TestWarmupPings(t *testing.T) {
	g := iac.Load([]string{"testdata/warmup"}, iac.Options{})
	if g.HasErrors() {
		t.Fatalf("template: %v", g.Diags)
	}
	s, err := NewSettings(config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	f := &frame{g: g, s: s, step: s.Interval, at: simStart.Add(time.Hour), from: simStart}
	f.n = int(f.at.Sub(f.from) / f.step)
	api := &fnData{name: "warm-api", res: g.Resource("Api")}
	pings := f.warmupPings(api)
	if len(pings) != f.n {
		t.Fatalf("no warm-up pings found for Api (%d buckets)", len(pings))
	}
	for i, n := range pings {
		if n != 1 {
			t.Errorf("bucket %d: %d pings, want 1 (rate 5 minutes, 5-minute buckets)", i, n)
		}
	}
	if p := f.warmupPings(&fnData{name: "nightly", res: g.Resource("Nightly")}); p != nil {
		t.Errorf("the nightly job's schedule was taken for warm-up pings: %v", p)
	}
	if got := f.schedulesOf(g.Resource("Api")); len(got) != 0 {
		t.Errorf("a warm-up schedule is watched as a job: %v", got[0].Expr)
	}
	if got := f.schedulesOf(g.Resource("Nightly")); len(got) != 1 {
		t.Errorf("the nightly schedule: %d", len(got))
	}
}
