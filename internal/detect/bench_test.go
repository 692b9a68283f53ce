package detect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
)

// The benchmark's app: 50 functions, 7 days, 100 million invocations
// (about 165 a second), built once through the store's Appender into a
// file under /tmp (never committed) and reused while benchVersion holds.
const (
	benchFunctions   = 50
	benchInvocations = 100_000_000
	benchDays        = 7
	benchVersion     = "v1"
)

var benchStart = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func benchGraph() *app.Graph {
	g := app.New()
	for i := range benchFunctions {
		r := &app.Resource{ID: fmt.Sprintf("Fn%02d", i), Kind: app.KindFunction, Name: fmt.Sprintf("bench-fn-%02d", i)}
		r.SetAttr(app.AttrMemorySize, app.Int(int64(128<<(i%4)), app.Pos{}))
		r.SetAttr(app.AttrTimeout, app.Int(30, app.Pos{}))
		g.Add(r)
	}
	g.Sort()
	return g
}

// benchInvocation fills inv with the i-th invocation: spread evenly over
// the week and the functions, durations a skewed spread around 40 ms,
// 1% cold, 0.2% failed with one of three error types.
func benchInvocation(inv *telemetry.Invocation, i int64, rid []byte) {
	span := int64(benchDays * 24 * time.Hour)
	fn := i % benchFunctions
	inv.Function = fmt.Sprintf("bench-fn-%02d", fn)
	inv.Version = "$LATEST"
	inv.EnvID = fmt.Sprintf("2026/11/16/[$LATEST]%032x", i%97)
	inv.RequestID = requestUUID(rid, i)
	inv.Start = benchStart.Add(time.Duration(i * (span / benchInvocations)))
	h := uint64(i) * 0x9e3779b97f4a7c15
	d := 5_000 + int64(h>>40)%70_000 + int64(h>>20&0xff)*int64(h>>28&0x3)*50
	inv.DurationUS = d
	inv.End = inv.Start.Add(time.Duration(d) * time.Microsecond)
	inv.BilledDurationMS = (d + 999) / 1000
	inv.MemorySizeMB = int32(128 << (fn % 4))
	inv.MaxMemoryUsedMB = inv.MemorySizeMB/3 + int32(h>>50)%16
	inv.ColdStart = h%100 == 0
	inv.InitDurationUS = 0
	if inv.ColdStart {
		inv.InitDurationUS = 200_000
	}
	inv.Status, inv.ErrorType = telemetry.StatusSuccess, ""
	if h%500 == 7 {
		inv.Status = telemetry.StatusError
		inv.ErrorType = []string{"ValidationError", "TimeoutError", "KeyError"}[h%3]
	}
}

func requestUUID(buf []byte, i int64) string {
	const hex = "0123456789abcdef"
	buf = buf[:0]
	x := uint64(i)*0x9e3779b97f4a7c15 ^ 0xfeedface
	for j := range 32 {
		if j == 8 || j == 12 || j == 16 || j == 20 {
			buf = append(buf, '-')
		}
		buf = append(buf, hex[(x>>(4*(j%16)))&15])
		if j == 15 {
			x = uint64(i) ^ 0xabcd
		}
	}
	return string(buf)
}

// benchStore opens the benchmark store, building it the first time.
func benchStore(b *testing.B) store.Store {
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "fnops-watch-bench-"+benchVersion)
	path := filepath.Join(dir, "store.duckdb")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		b.Logf("building %s: %d invocations (once; reused by later runs)", path, benchInvocations)
		st, err := duckdb.Open(ctx, path, duckdb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var inv telemetry.Invocation
		rid := make([]byte, 0, 40)
		const batch = 1_000_000
		for lo := int64(0); lo < benchInvocations; lo += batch {
			ap, err := st.Appender(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for i := lo; i < min(lo+batch, benchInvocations); i++ {
				benchInvocation(&inv, i, rid)
				if err := ap.AddInvocation(&inv); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := ap.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkEvaluate runs every detector over the whole week of 50
// functions and 100 M invocations (target: under 5 s).
func BenchmarkEvaluate(b *testing.B) {
	st := benchStore(b)
	g := benchGraph()
	s, err := NewSettings(config.Thresholds{})
	if err != nil {
		b.Fatal(err)
	}
	at := benchStart.Add(benchDays * 24 * time.Hour)
	ctx := context.Background()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		ins, err := s.Evaluate(ctx, st, g, at)
		if err != nil {
			b.Fatal(err)
		}
		n = len(ins)
	}
	b.ReportMetric(float64(n), "insights")
}
