package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestLoad is the one-off end-to-end store run: FNOPS_STORE_LOAD=N
// synthetic invocations in batches of FNOPS_STORE_BATCH (default 500k)
// from FNOPS_STORE_PRODUCERS goroutines (default 2: one fills a batch
// while another commits), into a file store, reporting wall time, CPU
// time and peak RSS. Skipped unless FNOPS_STORE_LOAD is set. With
// FNOPS_STORE_PATH naming an existing file it measures a re-ingest.
func TestLoad(t *testing.T) {
	n, _ := strconv.ParseInt(os.Getenv("FNOPS_STORE_LOAD"), 10, 64)
	if n == 0 {
		t.Skip("set FNOPS_STORE_LOAD=N to run")
	}
	batch := envInt("FNOPS_STORE_BATCH", 500_000)
	producers := envInt("FNOPS_STORE_PRODUCERS", 2)
	mem := envInt("FNOPS_STORE_MEMORY_MB", 0)
	path := os.Getenv("FNOPS_STORE_PATH") // an existing file: a re-ingest, all duplicates
	_, statErr := os.Stat(path)
	reuse := path != "" && statErr == nil
	if path == "" {
		path = filepath.Join(t.TempDir(), "load.duckdb")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Options{MemoryLimit: mem << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	var mu sync.Mutex
	var total store.Counts
	var wg sync.WaitGroup
	next := int64(0)
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			var inv telemetry.Invocation
			rid := make([]byte, 0, 40)
			for {
				mu.Lock()
				lo := next
				next += batch
				mu.Unlock()
				if lo >= n {
					return
				}
				app, err := s.Appender(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				for i := lo; i < min(lo+batch, n); i++ {
					synth(&inv, base, i, rid)
					if err := app.AddInvocation(&inv); err != nil {
						t.Error(err)
						return
					}
				}
				res, err := app.Commit(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total = total.Add(res.Invocations)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano()+ru.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d invocations (%+v) batch %d producers %d: wall %v = %.0f rows/s; cpu %v = %.0f ns/row; peak RSS %s; Go heap sys %d MB; load avg %s",
		n, total, batch, producers, wall.Round(time.Millisecond), float64(n)/wall.Seconds(), cpu.Round(time.Millisecond),
		float64(cpu.Nanoseconds())/float64(n), vmHWM(), ms.HeapSys>>20, loadAvg())
	if total.New+total.Duplicates != n || (!reuse && total.New != n) {
		t.Errorf("%+v, want %d new", total, n)
	}
	t1 := time.Now()
	r, err := s.Rollups(ctx, store.RollupQuery{Step: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("per-function-per-day rollup query: %d rows in %v", len(r), time.Since(t1))
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}

func vmHWM() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}
