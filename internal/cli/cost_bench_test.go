package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/store/duckdb"
)

// benchStore builds (once; it is kept between runs, never committed) a
// store of n invocations of 50 functions spread evenly over November 2026:
// raw rows and minute rollups, generated inside DuckDB (the Appender would
// take many minutes at this scale; the store's contract suite checks that
// the two agree in shape). The path is $FNOPS_COST_BENCH_STORE, default
// /tmp/fnops-cost-bench-<n>.duckdb.
func benchStore(b *testing.B, n int64) string {
	path := os.Getenv("FNOPS_COST_BENCH_STORE")
	if path == "" {
		path = fmt.Sprintf("/tmp/fnops-cost-bench-%d.duckdb", n)
	}
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	_ = os.Remove(path)
	ctx := context.Background()
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := st.WriteSynthetic(ctx, n, 50, start, 30*24*time.Hour); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkCostByFunctionDay is the issue's speed target: `fnops cost --by
// function,day` over 100 M stored invocations (a month) in under 1 s.
// FNOPS_COST_BENCH_N changes the count.
func BenchmarkCostByFunctionDay(b *testing.B) {
	n := int64(100_000_000)
	if v := os.Getenv("FNOPS_COST_BENCH_N"); v != "" {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	path := benchStore(b, n)
	ctx := context.Background()
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ReportAllocs()
	var rows int
	for b.Loop() {
		cat := newCostCatalog(nil, config.Cost{}, "")
		res, err := priceApp(ctx, st, cat, costQuery{by: []string{"function", "day"}})
		if err != nil {
			b.Fatal(err)
		}
		var inv int64
		for _, r := range res.Rows {
			inv += r.Invocations
		}
		if inv != n {
			b.Fatalf("priced %d invocations, want %d", inv, n)
		}
		rows = len(res.Rows)
	}
	b.ReportMetric(float64(rows), "rows")
}
