package storetest

import (
	"cmp"
	"context"
	"fmt"
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
			invs[i].BilledDurationMS = -1
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

// testGaps: an hour-long hole in steady traffic is a gap, a hole next to a
// quiet hour is not, and the range and functions filter apply.
func testGaps(t *testing.T, s store.Store) {
	var invs []telemetry.Invocation
	add := func(fn string, hour, n int) {
		for k := range n {
			at := base.Add(time.Duration(hour)*time.Hour + time.Duration(k)*time.Second)
			invs = append(invs, telemetry.Invocation{Function: fn, Version: "1", RequestID: fmt.Sprintf("%s-%d-%d", fn, hour, k),
				Start: at, End: at.Add(time.Millisecond), DurationUS: 1000, BilledDurationMS: 1, MemorySizeMB: 128})
		}
	}
	for h := range 8 {
		switch {
		case h == 3 || h == 4: // a two-hour hole in "api"
		default:
			add("api", h, 40)
		}
		if h != 5 {
			n := 40
			if h == 4 {
				n = 2 // quiet before its hole: not a gap
			}
			add("cron", h, n)
		}
	}
	ingest(t, s, invs, 1000)
	got, err := s.Gaps(context.Background(), store.Filter{}, 30)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Gap{{Function: "api", From: base.Add(3 * time.Hour), To: base.Add(5 * time.Hour)}}
	if !slices.Equal(got, want) {
		t.Errorf("gaps %+v, want %+v", got, want)
	}
	if got, _ := s.Gaps(context.Background(), store.Filter{Functions: []string{"cron"}}, 1); len(got) != 1 || got[0].Function != "cron" {
		t.Errorf("cron gaps at 1 an hour: %+v", got)
	}
	if got, _ := s.Gaps(context.Background(), store.Filter{From: base.Add(4 * time.Hour)}, 30); len(got) != 0 {
		t.Errorf("gaps from hour 4: %+v (the hour before the hole is outside the range)", got)
	}
}

// testUsage: the same buckets and sums as Rollups, in time order.
func testUsage(t *testing.T, s store.Store) {
	invs := gen(47, 3000, 30*time.Hour)
	ingest(t, s, invs, 1000)
	for _, q := range []store.RollupQuery{
		{Step: time.Hour, ByVersion: true},
		{Step: 24 * time.Hour},
		{Filter: store.Filter{From: base.Add(3 * time.Hour), To: base.Add(20 * time.Hour), Functions: []string{"api", "cron"}}, Step: time.Hour},
	} {
		want, err := s.Rollups(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Usage(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%+v: %d buckets, Rollups has %d", q, len(got), len(want))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Function, b.Function), cmp.Compare(a.Version, b.Version)) >= 0 {
				t.Fatalf("%+v: bucket %d out of time order", q, i)
			}
		}
		slices.SortFunc(got, func(a, b store.Rollup) int {
			return cmp.Or(cmp.Compare(a.Function, b.Function), cmp.Compare(a.Version, b.Version), a.Start.Compare(b.Start))
		})
		for i := range got {
			g, w := got[i], want[i]
			if g.Function != w.Function || g.Version != w.Version || !g.Start.Equal(w.Start) || g.Invocations != w.Invocations ||
				g.BilledMS != w.BilledMS || g.BilledMBMS != w.BilledMBMS {
				t.Errorf("%+v: bucket %d: %+v, Rollups %+v", q, i, g, w)
			}
		}
	}
}
