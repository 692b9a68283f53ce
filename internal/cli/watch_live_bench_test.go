package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/notify"
)

// BenchmarkWatchLatency measures continuous watch's new-data-to-
// notification latency (issue 7: under 10 s): each iteration writes a new
// function's log file holding a minute of timeouts and the next minute of
// normal traffic (which closes the incident's evaluation bucket) into the
// followed directory, and stops the clock when the local webhook receives
// the open notification. Everything between is real: directory polling at
// the default 250 ms, decoding, the DuckDB store, the detectors, the
// notifier and an HTTP POST.
func BenchmarkWatchLatency(b *testing.B) {
	seq := 0
	hook, dir, _ := hookedApp(b, 30, &seq)
	stop := startWatchPoll(b, dir)
	minute := 30
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		fn := fmt.Sprintf("fn%04d", len(lat))
		path := filepath.Join(dir, "logs", "aws", "lambda", fn, "2026-03-01.log")
		os.MkdirAll(filepath.Dir(path), 0o755)
		data := logLines(minute, minute+1, 20, true, &seq) + logLines(minute+1, minute+2, 20, false, &seq)
		minute += 2
		began := time.Now()
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
		for !hook.has(notify.EventOpen, "timeout", fn) {
			if time.Since(began) > 30*time.Second {
				b.Fatalf("%s: no notification within 30s", fn)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(began))
	}
	if code, stderr := stop(); code != 0 {
		b.Fatalf("exit %d: %s", code, stderr)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
}

// startWatchPoll is startWatch at the default poll interval.
func startWatchPoll(b *testing.B, dir string) func() (int, string) {
	return startWatch(b, dir, "--poll", "250ms")
}
