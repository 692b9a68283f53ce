package storetest

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// testBillingSuspects: the rows store.Suspect flags, and only those, in
// order, with the time range and function filter applied.
func testBillingSuspects(t *testing.T, s store.Store) {
	invs := gen(41, 400, 6*time.Hour)
	// Spoil some: missing billed duration, memory 0 and 20000, billed
	// beyond 910 s, billed below duration.
	for i := range invs {
		switch i % 37 {
		case 1:
			invs[i].BilledDurationMS = 0
		case 2:
			invs[i].MemorySizeMB = 0
		case 3:
			invs[i].MemorySizeMB = 20000
		case 4:
			invs[i].BilledDurationMS = store.MaxBilledMS + 1
		case 5:
			invs[i].BilledDurationMS = invs[i].DurationUS/1000 - 1
		}
	}
	ingest(t, s, invs, 1000)
	from, to := base.Add(time.Hour), base.Add(5*time.Hour)
	for _, f := range []store.Filter{{}, {From: from, To: to, Functions: []string{"api", "billing-λ"}}} {
		var want []telemetry.Invocation
		for _, inv := range invs {
			if store.Suspect(inv.MemorySizeMB, inv.DurationUS, inv.BilledDurationMS) == "" {
				continue
			}
			if (!f.From.IsZero() && inv.Start.Before(f.From)) || (!f.To.IsZero() && !inv.Start.Before(f.To)) {
				continue
			}
			if len(f.Functions) > 0 && !slices.Contains(f.Functions, inv.Function) {
				continue
			}
			want = append(want, inv)
		}
		slices.SortStableFunc(want, func(a, b telemetry.Invocation) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Function, b.Function), cmp.Compare(a.RequestID, b.RequestID))
		})
		got, err := s.BillingSuspects(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 5 {
			t.Fatalf("only %d suspects generated", len(want))
		}
		if len(got) != len(want) {
			t.Fatalf("filter %+v: %d suspects, want %d", f, len(got), len(want))
		}
		for i := range got {
			if got[i].RequestID != want[i].RequestID || got[i].BilledDurationMS != want[i].BilledDurationMS || got[i].MemorySizeMB != want[i].MemorySizeMB {
				t.Errorf("suspect %d: %s billed %d mem %d, want %s billed %d mem %d", i, got[i].RequestID, got[i].BilledDurationMS,
					got[i].MemorySizeMB, want[i].RequestID, want[i].BilledDurationMS, want[i].MemorySizeMB)
			}
		}
	}
}

// testMemoryUse: per function and memory size, the count, max and 99th
// percentile (nearest rank) of Max Memory Used, recomputed.
func testMemoryUse(t *testing.T, s store.Store) {
	invs := gen(43, 600, 3*time.Hour)
	for i := range invs {
		invs[i].MaxMemoryUsedMB = int32(40 + (i*7919)%(int(invs[i].MemorySizeMB)-40))
	}
	ingest(t, s, invs, 1000)
	type key struct {
		fn  string
		mem int32
	}
	used := map[key][]int32{}
	for _, inv := range invs {
		k := key{inv.Function, inv.MemorySizeMB}
		used[k] = append(used[k], inv.MaxMemoryUsedMB)
	}
	got, err := s.MemoryUse(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(used) {
		t.Fatalf("%d rows, want %d", len(got), len(used))
	}
	for i, m := range got {
		if i > 0 && cmp.Or(cmp.Compare(got[i-1].Function, m.Function), cmp.Compare(got[i-1].MemoryMB, m.MemoryMB)) >= 0 {
			t.Errorf("rows out of order at %d", i)
		}
		v := slices.Clone(used[key{m.Function, m.MemoryMB}])
		slices.Sort(v)
		// Backends differ in how they round the nearest rank; accept the
		// value at floor(0.99 x (n-1)) or the next one.
		lo, hi := v[(len(v)-1)*99/100], v[min(len(v)-1, (len(v)-1)*99/100+1)]
		if m.Invocations != int64(len(v)) || m.MaxUsedMB != v[len(v)-1] || m.P99UsedMB < lo || m.P99UsedMB > hi {
			t.Errorf("%s %d MB: n %d max %d p99 %d, want n %d max %d p99 in [%d, %d]", m.Function, m.MemoryMB,
				m.Invocations, m.MaxUsedMB, m.P99UsedMB, len(v), v[len(v)-1], lo, hi)
		}
	}
}
