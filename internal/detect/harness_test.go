package detect

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/sim"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
)

var simStart = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func shop(t testing.TB) *app.Graph {
	t.Helper()
	g := iac.Load([]string{"../../examples/shop"}, iac.Options{})
	if g.HasErrors() {
		t.Fatalf("example does not load: %v", g.Diags)
	}
	return g
}

// storeSink appends decoded records to one batch.
type storeSink struct {
	app store.Appender
	bad int
}

func (s *storeSink) Invocation(inv *telemetry.Invocation) error { return s.app.AddInvocation(inv) }
func (s *storeSink) Metric(m *telemetry.Metric) error           { return s.app.AddMetric(m) }
func (s *storeSink) Deploy(d *telemetry.Deploy) error           { return s.app.AddDeploy(d) }
func (s *storeSink) Reject(r telemetry.Rejected)                { s.bad++ }

// simulated runs the simulator on the shop into a temporary directory,
// ingests everything it wrote into a fresh DuckDB store and returns the
// store, the graph and the ground truth.
func simulated(t testing.TB, cfg sim.Config) (store.Store, *app.Graph, *sim.Truth) {
	t.Helper()
	g := shop(t)
	st, truth := simulatedGraph(t, g, cfg)
	return st, g, truth
}

// simulatedGraph is simulated for any app graph.
func simulatedGraph(t testing.TB, g *app.Graph, cfg sim.Config) (store.Store, *sim.Truth) {
	t.Helper()
	ctx := context.Background()
	cfg.Out = t.TempDir()
	if cfg.Start.IsZero() {
		cfg.Start = simStart
	}
	if cfg.StackName == "" {
		cfg.StackName = "shop"
	}
	truth, err := sim.Run(ctx, g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ap, err := st.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sink := &storeSink{app: ap}
	err = filepath.WalkDir(cfg.Out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".query.json") || filepath.Base(p) == "truth.json" {
			return err
		}
		_, err = telemetry.DecodeFile(ctx, p, telemetry.Options{}, sink)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ap.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if sink.bad > 0 {
		t.Fatalf("%d simulated records rejected", sink.bad)
	}
	return st, truth
}

// memStore opens an empty in-memory store, closed when the test ends,
// and an appender on it, with a graph of the functions named (logical id
// first, then function name).
func memStore(t testing.TB, fns ...[2]string) (store.Store, store.Appender, *app.Graph) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := app.New()
	for _, f := range fns {
		g.Add(&app.Resource{ID: f[0], Kind: app.KindFunction, Name: f[1]})
	}
	g.Sort()
	ap, err := st.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st, ap, g
}

// commitEvaluate commits what ap holds and evaluates st with cfg at at.
func commitEvaluate(t testing.TB, ap store.Appender, st store.Store, g *app.Graph, cfg config.Thresholds, at time.Time) []Insight {
	t.Helper()
	ctx := context.Background()
	if _, err := ap.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ins, err := Evaluate(ctx, st, g, cfg, at)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}
