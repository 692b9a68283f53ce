package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/storetest"
	"github.com/fnops/fnops/internal/telemetry"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "fnops.duckdb"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestContractInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("the file store runs the suite in -short")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), "", Options{MemoryLimit: 256 << 20, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReopen checks that what one process committed, the next one reads,
// and that names assigned before a reopen keep their ids.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fnops.duckdb")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := ingest(t, s, 0, 10_000, 10_000); c.New != 10_000 {
		t.Fatalf("first ingest %+v", c)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := ingest(t, s, 5_000, 10_000, 3_000); c.New != 5_000 || c.Duplicates != 5_000 {
		t.Fatalf("after reopen: %+v, want 5000 new, 5000 duplicates", c)
	}
	n := 0
	for inv, err := range s.Invocations(ctx, store.InvocationQuery{Function: fnNames[7]}) {
		if err != nil {
			t.Fatal(err)
		}
		if inv.Function != fnNames[7] || inv.Version == "" || inv.EnvID == "" {
			t.Fatalf("names after reopen: %+v", inv)
		}
		n++
	}
	if n != 15_000/50 {
		t.Errorf("%d rows of %s, want %d", n, fnNames[7], 15_000/50)
	}
}

// TestConcurrentAppenders fills several batches at once, each on its own
// connection, and commits them in any order.
func TestConcurrentAppenders(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "fnops.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	counts := make([]store.Counts, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Overlapping ranges: 2000 rows each, 1000 shared with the next.
			counts[g] = ingest(t, s, int64(g)*1000, 2000, 2000)
		}()
	}
	wg.Wait()
	var total store.Counts
	for _, c := range counts {
		total = total.Add(c)
	}
	if total.New != 5000 || total.Duplicates != 3000 {
		t.Errorf("concurrent ingest = %+v, want 5000 new, 3000 duplicates", total)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fnops.duckdb")
	// A file at version 1 of a schema with a second step: opening it with
	// both steps migrates it, keeping its data.
	next := append(append([]string{}, migrations...), `ALTER TABLE deploys ADD COLUMN note VARCHAR DEFAULT ''`)
	s, err := open(ctx, path, Options{}, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDeploys(ctx, telemetry.Deploy{Function: "api", Version: "1", Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchemaVersion(ctx); v != SchemaVersion {
		t.Errorf("new file at version %d, want %d", v, SchemaVersion)
	}
	s.Close()
	s, err = open(ctx, path, Options{}, next)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if v, _ := s.SchemaVersion(ctx); v != len(next) {
		t.Errorf("after migration at version %d, want %d", v, len(next))
	}
	var note string
	if err := s.db.QueryRowContext(ctx, `SELECT note FROM deploys`).Scan(&note); err != nil {
		t.Errorf("migrated column: %v", err)
	}
	s.Close()
	// This build does not know version 2: a clear error, file untouched.
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, store.ErrNewerSchema) {
		t.Errorf("newer file: %v, want ErrNewerSchema", err)
	}
	// A failing step leaves the file at the last good version.
	bad := append(append([]string{}, next...), `ALTER TABLE nope ADD COLUMN x INT`)
	if _, err := open(ctx, path, Options{}, bad); err == nil {
		t.Errorf("failing migration: no error")
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := readVersion(ctx, db); err != nil || v != len(next) {
		t.Errorf("after a failed step, version %d, %v; want %d", v, err, len(next))
	}
}

func TestParseUUID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"0b2c9d8e-1f3a-4c5b-9d6e-7f8a9b0c1d2e", true},
		{"0B2C9D8E-1F3A-4C5B-9D6E-7F8A9B0C1D2E", false}, // would not round-trip
		{"0b2c9d8e1f3a4c5b9d6e7f8a9b0c1d2e", false},
		{"0b2c9d8e-1f3a-4c5b-9d6e-7f8a9b0c1d2g", false},
		{"req-1", false},
		{"", false},
	} {
		u, ok := parseUUID(tc.in)
		if ok != tc.ok {
			t.Errorf("parseUUID(%q) ok = %v", tc.in, ok)
		}
		if ok {
			if got := (*duck.UUID)(&u).String(); got != tc.in {
				t.Errorf("parseUUID(%q) = %s", tc.in, got)
			}
		}
	}
}
