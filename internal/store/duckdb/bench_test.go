package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// synth fills inv with the i-th synthetic invocation: 50 functions, 3
// versions, 1000 invocations a second from base, durations spread over
// 1 ms .. 10 s, 1% cold, 2% failed.
func synth(inv *telemetry.Invocation, base time.Time, i int64, rid []byte) {
	fn := i % 50
	inv.Function = fnNames[fn]
	inv.Version = versions[(i/1_000_000)%3]
	inv.EnvID = envIDs[i%64]
	inv.RequestID = requestID(rid, i)
	inv.Start = base.Add(time.Duration(i) * time.Millisecond)
	d := 1000 + (i*7919)%10_000_000
	inv.DurationUS = d
	inv.End = inv.Start.Add(time.Duration(d) * time.Microsecond)
	inv.BilledDurationMS = (d + 999) / 1000
	inv.MemorySizeMB = int32(128 << (fn % 4))
	inv.MaxMemoryUsedMB = inv.MemorySizeMB / 2
	inv.ColdStart = i%100 == 0
	inv.InitDurationUS = 0
	if inv.ColdStart {
		inv.InitDurationUS = 150_000
	}
	inv.Status = telemetry.StatusSuccess
	inv.ErrorType = ""
	if i%50 == 7 {
		inv.Status = telemetry.StatusError
		inv.ErrorType = "Runtime.ExitError"
	}
}

var (
	fnNames  [50]string
	envIDs   [64]string
	versions = [3]string{"$LATEST", "12", "13"}
)

func init() {
	for i := range fnNames {
		fnNames[i] = fmt.Sprintf("checkout-service-fn-%02d", i)
	}
	for i := range envIDs {
		envIDs[i] = fmt.Sprintf("2026/11/25/[$LATEST]%032x", i*0x9e3779b9)
	}
}

const hexdigits = "0123456789abcdef"

// requestID formats i as a UUID-shaped request id into buf.
func requestID(buf []byte, i int64) string {
	buf = buf[:0]
	x := uint64(i)*0x9e3779b97f4a7c15 ^ 0xdeadbeef
	for j := 0; j < 32; j++ {
		if j == 8 || j == 12 || j == 16 || j == 20 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexdigits[(x>>(4*(j%16)))&15])
		if j == 15 {
			x = uint64(i) ^ 0x5555
		}
	}
	return string(buf)
}

func ingest(tb testing.TB, s store.Store, from, n, batch int64) store.Counts {
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var inv telemetry.Invocation
	rid := make([]byte, 0, 40)
	var total store.Counts
	for lo := from; lo < from+n; lo += batch {
		app, err := s.Appender(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		for i := lo; i < min(lo+batch, from+n); i++ {
			synth(&inv, base, i, rid)
			if err := app.AddInvocation(&inv); err != nil {
				tb.Fatal(err)
			}
		}
		res, err := app.Commit(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		total = total.Add(res.Invocations)
	}
	return total
}

// BenchmarkAppend ingests synthetic invocations into a file store, one
// batch per iteration, with dedupe and rollups; rows/s is the store's
// ingest rate from one goroutine (the Go side and DuckDB take turns).
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int64{100_000, 250_000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, err := Open(context.Background(), filepath.Join(b.TempDir(), "b.duckdb"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			var next int64
			for b.Loop() {
				ingest(b, s, next, batch, batch)
				next += batch
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkCostByFunctionDay is the cost report's query: billed MB-ms and
// invocations per function per UTC day, over rollups standing for 100M
// invocations (50 functions × 2 versions × every minute of 30 days =
// 4.32M rollup rows of 23 invocations each, written straight into
// rollup_minute: ingesting 100M raw rows is the other benchmark's job).
func BenchmarkCostByFunctionDay(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "cost.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO rollup_minute
		SELECT 'fn-' || lpad((i % 50)::VARCHAR, 2, '0'), ['$LATEST', '7'][1 + (i // 50) % 2],
			TIMESTAMP '2026-10-01' + to_minutes(i // 100),
			23, 1, 2, 0, 0, 0, 23 * 120, 23 * 120 * 512, 23 * 119000, 900000, 150000,
			TIMESTAMP '2026-10-01' + to_minutes(i // 100), TIMESTAMP '2026-10-01' + to_minutes(i // 100 + 1),
			[500, 560, 600]::SMALLINT[], [10, 10, 3]::BIGINT[]
		FROM range(4320000) r(i)`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := s.Rollups(ctx, store.RollupQuery{Step: 24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		if len(r) != 50*30 {
			b.Fatalf("%d rows, want %d", len(r), 50*30)
		}
		var n int64
		for _, x := range r {
			n += x.Invocations
		}
		if n != 4_320_000*23 {
			b.Fatalf("%d invocations", n)
		}
	}
}
