package follow

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
)

var base = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// lines returns n invocations of one log stream as `aws logs tail` prints
// them, request ids numbered from first.
func lines(first, n int) string {
	var b bytes.Buffer
	for i := first; i < first+n; i++ {
		t := base.Add(time.Duration(i) * time.Second)
		stream := "2026/03/01/[$LATEST]0123456789abcdef0123456789abcdef"
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		fmt.Fprintf(&b, "%s %s START RequestId: %s Version: $LATEST\n", t.Format("2006-01-02T15:04:05.000000+00:00"), stream, id)
		fmt.Fprintf(&b, "%s %s END RequestId: %s\n", t.Add(50*time.Millisecond).Format("2006-01-02T15:04:05.000000+00:00"), stream, id)
		fmt.Fprintf(&b, "%s %s REPORT RequestId: %s\tDuration: 50.00 ms\tBilled Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n",
			t.Add(50*time.Millisecond).Format("2006-01-02T15:04:05.000000+00:00"), stream, id)
	}
	return b.String()
}

type harness struct {
	t      *testing.T
	st     *duckdb.Store
	ing    *Ingester
	fol    *Follower
	cancel context.CancelFunc
	done   chan error // the follower's Run
	ingErr chan error
	mu     sync.Mutex
	rejs   []telemetry.Rejected
}

func start(t *testing.T, paths []string, opts Options) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, st: st, done: make(chan error, 1), ingErr: make(chan error, 1)}
	h.ing = NewIngester(st, IngesterOptions{Every: 20 * time.Millisecond, OnReject: func(r telemetry.Rejected) {
		h.mu.Lock()
		h.rejs = append(h.rejs, r)
		h.mu.Unlock()
	}})
	if opts.Poll == 0 {
		opts.Poll = 20 * time.Millisecond
	}
	h.fol, err = New(paths, h.ing, opts)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	h.cancel = cancel
	ingCtx, ingCancel := context.WithCancel(ctx)
	go func() { h.ingErr <- h.ing.Run(ingCtx) }()
	go func() {
		err := h.fol.Run(runCtx)
		ingCancel()
		h.done <- err
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	for _, ch := range []chan error{h.done, h.ingErr} {
		select {
		case err := <-ch:
			if err != nil {
				h.t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			h.t.Fatal("follower did not stop within 10s of cancel")
		}
	}
}

// counts returns invocations per function in the store.
func (h *harness) counts() map[string]int64 {
	stats, err := h.st.FunctionStats(context.Background(), store.Filter{})
	if err != nil {
		h.t.Fatal(err)
	}
	m := map[string]int64{}
	for _, s := range stats {
		m[s.Function] = s.Invocations
	}
	return m
}

// waitFor polls the store until fn has want invocations, with a deadline.
func (h *harness) waitFor(fn string, want int64) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := h.counts()[fn]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: %d invocations in the store, want %d (all: %v)", fn, got, want, h.counts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestFollowDirectory(t *testing.T) {
	dir := t.TempDir()
	orders := filepath.Join(dir, "aws", "lambda", "orders", "2026-03-01.log")
	write(t, orders, lines(0, 3))
	write(t, filepath.Join(dir, "README.md"), "# not telemetry\n")
	h := start(t, []string{dir}, Options{})
	select {
	case <-h.fol.CaughtUp():
	case <-time.After(10 * time.Second):
		t.Fatal("not caught up")
	}
	h.waitFor("orders", 3)

	appendTo(t, orders, lines(3, 2))
	h.waitFor("orders", 5)

	// Half a line, then the rest: nothing is lost or rejected.
	more := lines(5, 1)
	appendTo(t, orders, more[:40])
	time.Sleep(60 * time.Millisecond)
	appendTo(t, orders, more[40:])
	h.waitFor("orders", 6)

	// A new file in a new directory.
	write(t, filepath.Join(dir, "aws", "lambda", "billing", "2026-03-01.log"), lines(100, 4))
	h.waitFor("billing", 4)

	// A gzip file written at once.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, lines(200, 2))
	zw.Close()
	write(t, filepath.Join(dir, "aws", "lambda", "ship", "2026-03-01.log.gz"), gz.String())
	h.waitFor("ship", 2)

	h.stop()
	st := h.ing.Stats()
	if len(st.Rejected) != 0 || len(h.rejs) != 0 {
		t.Fatalf("rejected %v %v", st.Rejected, h.rejs)
	}
	if st.Committed.Invocations.New != 12 || st.Committed.Invocations.Duplicates != 0 {
		t.Fatalf("committed %+v: want 12 new and nothing read twice", st.Committed.Invocations)
	}
}

func TestFollowRotationAndTruncation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.log")
	write(t, path, lines(0, 2))
	h := start(t, []string{path}, Options{})
	h.waitFor("orders", 2)

	// Rotation by rename: the old file gets a last line, a new one takes
	// the path.
	appendTo(t, path, lines(2, 1))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write(t, path, lines(10, 3))
	h.waitFor("orders", 6)

	// Truncation in place (copytruncate), then new lines.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the follower see the file shrink
	appendTo(t, path, lines(20, 2))
	h.waitFor("orders", 8)
}

func TestFollowResumesAfterIdle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aws", "lambda", "orders", "a.log")
	write(t, path, lines(0, 5))
	h := start(t, []string{dir}, Options{IdleClose: 50 * time.Millisecond})
	h.waitFor("orders", 5)
	time.Sleep(200 * time.Millisecond) // well past the idle time: the file is let go
	h.fol.mu.Lock()
	running := h.fol.files[path].running
	h.fol.mu.Unlock()
	if running {
		t.Fatal("idle file still open")
	}
	appendTo(t, path, lines(5, 2))
	h.waitFor("orders", 7)
	h.stop()
	// Resumed from where it stopped: nothing was decoded twice.
	if d := h.ing.Stats().Committed.Invocations.Duplicates; d != 0 {
		t.Fatalf("%d duplicates: the file was read again from its start", d)
	}
}

func TestFollowStdin(t *testing.T) {
	pr, pw := io.Pipe()
	h := start(t, []string{"-"}, Options{Stdin: pr, Function: "orders"})
	io.WriteString(pw, lines(0, 3))
	h.waitFor("orders", 3)
	select {
	case <-h.fol.CaughtUp():
	case <-time.After(5 * time.Second):
		t.Fatal("stdin paused but not caught up")
	}
	io.WriteString(pw, lines(3, 1))
	pw.Close()
	// With only standard input, its end ends Run.
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return at the end of standard input")
	}
	h.done <- nil // for stop
	h.waitFor("orders", 4)
}

func TestFollowShutdownCommitsEverything(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		write(t, filepath.Join(dir, "aws", "lambda", fmt.Sprintf("fn%02d", i), "a.log"), lines(i*1000, 50))
	}
	h := start(t, []string{dir}, Options{MaxOpen: 4})
	select {
	case <-h.fol.CaughtUp():
	case <-time.After(20 * time.Second):
		t.Fatal("not caught up")
	}
	h.stop()
	c := h.counts()
	for i := range 20 {
		if n := c[fmt.Sprintf("fn%02d", i)]; n != 50 {
			t.Fatalf("fn%02d: %d invocations after shutdown, want 50", i, n)
		}
	}
}

func TestNewRejectsMissingPaths(t *testing.T) {
	if _, err := New([]string{filepath.Join(t.TempDir(), "nope")}, nil, Options{}); err == nil {
		t.Fatal("missing path accepted")
	}
	if _, err := New([]string{"-"}, nil, Options{}); err == nil {
		t.Fatal("- accepted without stdin")
	}
}

func TestFollowJSONDocumentReadWhole(t *testing.T) {
	dir := t.TempDir()
	h := start(t, []string{dir}, Options{})
	var b bytes.Buffer
	b.WriteString("{\n  \"events\": [\n")
	for i := range 3 {
		ts := base.Add(time.Duration(i) * time.Second)
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {"logStreamName": "2026/03/01/[$LATEST]0123456789abcdef0123456789abcdef", "timestamp": %d, "message": "REPORT RequestId: %s\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n"}`, ts.UnixMilli(), id)
	}
	b.WriteString("\n  ]\n}\n")
	path := filepath.Join(dir, "aws", "lambda", "docs", "events.json")
	// Written in two parts, as a slow `aws logs filter-log-events > f` would.
	write(t, path, b.String()[:30])
	time.Sleep(100 * time.Millisecond)
	appendTo(t, path, b.String()[30:])
	h.waitFor("docs", 3)
	h.stop()
	if r := h.ing.Stats().Rejected; len(r) != 0 {
		t.Fatalf("rejected %v: the document was read before it was whole", r)
	}
}

func TestSniff(t *testing.T) {
	report := "2026-03-01T10:00:00.000000+00:00 s REPORT RequestId: x\tDuration: 1.00 ms\n"
	for _, tc := range []struct {
		in           string
		ready, isTel bool
	}{
		{"", false, false},
		{"2026-03-01T10:00:00.000000+00:00 s REPORT Req", false, false},
		{report, true, true},
		{"{\n  \"events\": [", false, false},
		{`{"time":"2026-03-01T10:00:00Z","type":"platform.start","record":{"requestId":"x"}}` + "\n", true, true},
		{`{"name":"package.json"}` + "\n", true, false},
	} {
		_, isTel, ready := sniffBytes([]byte(tc.in))
		if ready != tc.ready || (ready && isTel != tc.isTel) {
			t.Errorf("sniff(%q) = telemetry %v ready %v, want %v %v", tc.in, isTel, ready, tc.isTel, tc.ready)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte(lines(0, 1)))
	f.Add([]byte("{\n  \"events\": ["))
	f.Add([]byte(`{"time":"2026-03-01T10:00:00Z","type":"platform.start"}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		format, isTel, ready := sniffBytes(b)
		if !ready && (isTel || format != 0) {
			t.Fatalf("not ready but format %v telemetry %v", format, isTel)
		}
		if len(b) >= telemetry.PeekSize && !ready {
			t.Fatal("a full peek is not ready")
		}
	})
}
