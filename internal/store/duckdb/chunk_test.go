package duckdb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/telemetry"
)

// TestFastFill guards the whole-column writes of chunk.go, which rely on
// duckdb-go's internal DataChunk layout: after a duckdb-go upgrade that
// changes it, this fails (and the store quietly uses the slow path).
func TestFastFill(t *testing.T) {
	if !chunkLayout.ok {
		t.Fatal("duckdb-go's DataChunk layout is not the one chunk.go knows: the fast path is off")
	}
	ctx := context.Background()
	s, err := Open(ctx, "", Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.fastFill.Load() {
		t.Fatalf("fast path off: %v", s.probeFastFill(ctx))
	}
}

// TestFastFillSameRows stores the same invocations with and without the
// fast path and compares every stored value.
func TestFastFillSameRows(t *testing.T) {
	ctx := context.Background()
	dump := func(fast bool) []string {
		s, err := Open(ctx, "", Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.fastFill.Store(fast)
		app, err := s.Appender(ctx)
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for i := range 5000 { // more than one chunk
			start := base.Add(time.Duration(i) * time.Millisecond)
			inv := telemetry.Invocation{Function: "fn-" + fmt.Sprint(i%3), Version: fmt.Sprint(i % 4), EnvID: "env",
				RequestID: fmt.Sprintf("req-%d", i), Start: start, End: start.Add(time.Duration(i) * time.Microsecond),
				DurationUS: int64(i), BilledDurationMS: int64(i/1000 + 1), MemorySizeMB: 128 + int32(i%2), MaxMemoryUsedMB: int32(i % 128),
				RestoreDurationUS: int64(i % 11), BilledRestoreMS: int64(i % 13), ErrorType: fmt.Sprint(i % 2), Arch: "arm64"}
			if i%2 == 0 {
				inv.RequestID = fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", i*2654435761, i)
			}
			inv.ColdStart = i%7 == 0
			inv.Status = telemetry.Status(i % 5)
			inv.InitDurationUS = int64(i)
			if err := app.AddInvocation(&inv); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := app.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT i::VARCHAR FROM invocations i ORDER BY start_ts, request_uuid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	fast, slow := dump(true), dump(false)
	if len(fast) != 5000 || len(slow) != 5000 {
		t.Fatalf("stored %d rows fast, %d slow; want 5000", len(fast), len(slow))
	}
	for i := range fast {
		if fast[i] != slow[i] {
			t.Fatalf("row %d: fast path stored %s, slow path %s", i, fast[i], slow[i])
		}
	}
}
