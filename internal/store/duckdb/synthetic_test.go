package duckdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
)

// The synthetic store reads like an ingested one: stats from the rollups
// agree with the raw rows.
func TestWriteSynthetic(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := s.WriteSynthetic(ctx, 20_000, 5, start, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	fs, err := s.FunctionStats(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 5 {
		t.Fatalf("%d functions", len(fs))
	}
	for _, f := range fs {
		var n, mbms int64
		for inv, err := range s.Invocations(ctx, store.InvocationQuery{Function: f.Function}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			mbms += inv.BilledDurationMS * int64(inv.MemorySizeMB)
			if inv.Start.Before(start) || !inv.Start.Before(start.Add(48*time.Hour)) {
				t.Fatalf("start %v outside the span", inv.Start)
			}
		}
		if n != f.Invocations || mbms != f.BilledMBMS || n != 4000 {
			t.Errorf("%s: raw %d invocations %d MB-ms, rollups %d and %d", f.Function, n, mbms, f.Invocations, f.BilledMBMS)
		}
	}
	if err := s.WriteSynthetic(ctx, 0, 1, start, time.Hour); err == nil {
		t.Error("n 0 accepted")
	}
}
