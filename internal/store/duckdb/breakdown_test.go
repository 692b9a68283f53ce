package duckdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestBreakdowns compares ErrorCounts and MemoryStats with the same
// numbers recomputed from the synthetic invocations, for a step, a
// function filter and a range.
func TestBreakdowns(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 200_000
	ingest(t, s, 0, n, 50_000)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	step := time.Minute
	from, to := base.Add(10*time.Second), base.Add(170*time.Second) // synth starts one a millisecond: 200 s in all
	fns := []string{fnNames[7], fnNames[8], fnNames[21]}

	type ekey struct {
		fn, typ string
		b       time.Time
		st      telemetry.Status
	}
	wantErr := map[ekey]int64{}
	wantMem := map[string]*store.MemoryStat{}
	var inv telemetry.Invocation
	rid := make([]byte, 0, 40)
	for i := int64(0); i < n; i++ {
		synth(&inv, base, i, rid)
		if inv.Start.Before(from) || !inv.Start.Before(to) || (inv.Function != fns[0] && inv.Function != fns[1] && inv.Function != fns[2]) {
			continue
		}
		b := inv.Start.Truncate(step)
		if inv.Status != telemetry.StatusSuccess {
			wantErr[ekey{inv.Function, inv.ErrorType, b, inv.Status}]++
		}
		k := fmt.Sprint(inv.Function, b.Unix())
		m := wantMem[k]
		if m == nil {
			m = &store.MemoryStat{Function: inv.Function, Start: b}
			wantMem[k] = m
		}
		m.Invocations++
		m.MaxUsedMB, m.MemorySizeMB = max(m.MaxUsedMB, inv.MaxMemoryUsedMB), max(m.MemorySizeMB, inv.MemorySizeMB)
	}
	q := store.BreakdownQuery{Filter: store.Filter{Functions: fns, From: from, To: to}, Step: step}
	errs, err := s.ErrorCounts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	gotErr := map[ekey]int64{}
	for _, e := range errs {
		gotErr[ekey{e.Function, e.ErrorType, e.Start, e.Status}] += e.Count
	}
	if len(wantErr) == 0 || !reflect.DeepEqual(gotErr, wantErr) {
		t.Errorf("error counts: got %d keys, want %d", len(gotErr), len(wantErr))
	}
	mem, err := s.MemoryStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(mem) != len(wantMem) {
		t.Fatalf("memory stats: %d buckets, want %d", len(mem), len(wantMem))
	}
	for i, m := range mem {
		w := wantMem[fmt.Sprint(m.Function, m.Start.Unix())]
		if w == nil || *w != m {
			t.Errorf("memory stats %v, want %v", m, w)
		}
		if i > 0 && (mem[i-1].Function > m.Function || (mem[i-1].Function == m.Function && !mem[i-1].Start.Before(m.Start))) {
			t.Errorf("memory stats not ordered by function and bucket at %d", i)
		}
	}
	whole, err := s.MemoryStats(ctx, store.BreakdownQuery{Filter: q.Filter, Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != len(fns) {
		t.Fatalf("whole-range memory stats: %d rows, want one per function (%d)", len(whole), len(fns))
	}
	for _, m := range whole {
		var n int64
		for _, w := range wantMem {
			if w.Function == m.Function {
				n += w.Invocations
			}
		}
		if m.Invocations != n || !m.Start.Equal(from) {
			t.Errorf("whole-range %+v: want %d invocations from %v", m, n, from)
		}
	}
	if _, err := s.ErrorCounts(ctx, store.BreakdownQuery{Step: 90 * time.Second}); err == nil {
		t.Error("a step of 90 s was accepted")
	}
}
