package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/detect"
	"github.com/fnops/fnops/internal/notify"
)

var liveBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// logLines writes invocations of fn's log stream as `aws logs tail`
// prints them: perMin invocations in each minute [from, to) after
// liveBase, timed out when timeout is set.
func logLines(from, to, perMin int, timeout bool, seq *int) string {
	return logLinesAt(liveBase, from, to, perMin, timeout, seq)
}

// logLinesAt is logLines with minutes counted from base.
func logLinesAt(base time.Time, from, to, perMin int, timeout bool, seq *int) string {
	liveBase := base
	var b bytes.Buffer
	const stream = "2026/03/01/[$LATEST]0123456789abcdef0123456789abcdef"
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000+00:00") }
	for m := from; m < to; m++ {
		for i := range perMin {
			*seq++
			t := liveBase.Add(time.Duration(m)*time.Minute + time.Duration(i)*time.Minute/time.Duration(perMin))
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", *seq)
			dur, end := "42.00", t.Add(42*time.Millisecond)
			fmt.Fprintf(&b, "%s %s START RequestId: %s Version: $LATEST\n", ts(t), stream, id)
			if timeout {
				dur, end = "3000.00", t.Add(3*time.Second)
				fmt.Fprintf(&b, "%s %s %s %s Task timed out after 3.00 seconds\n", ts(end), stream, end.Format("2006-01-02T15:04:05.000Z"), id)
			}
			fmt.Fprintf(&b, "%s %s END RequestId: %s\n", ts(end), stream, id)
			fmt.Fprintf(&b, "%s %s REPORT RequestId: %s\tDuration: %s ms\tBilled Duration: %s ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n",
				ts(end), stream, id, dur, strings.TrimSuffix(dur, ".00"))
		}
	}
	return b.String()
}

// hookRecorder is a local webhook receiver.
type hookRecorder struct {
	mu  sync.Mutex
	got []notify.Notification
	at  []time.Time
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n notify.Notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.got = append(h.got, n)
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
}

// has reports whether a notification of event on kind arrived.
func (h *hookRecorder) has(event notify.EventType, kind, resource string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.got {
		if n.Event == event && n.Alert.Kind == kind && n.Alert.Resource == resource {
			return true
		}
	}
	return false
}

// waitFor polls until a notification of event on kind arrives, and
// returns when it arrived.
func (h *hookRecorder) waitFor(t *testing.T, event notify.EventType, kind, resource string, deadline time.Duration) (notify.Notification, time.Time) {
	t.Helper()
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		h.mu.Lock()
		for i, n := range h.got {
			if n.Event == event && n.Alert.Kind == kind && n.Alert.Resource == resource {
				h.mu.Unlock()
				return n, h.at[i]
			}
		}
		h.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t.Fatalf("no %s %s %s notification within %s; got %+v", event, kind, resource, deadline, h.got)
	return notify.Notification{}, time.Time{}
}

// liveApp makes an app directory whose alerts go to url, with a followed
// log file holding minutes [0, baseline) of normal traffic.
func liveApp(t testing.TB, url string, baseline int, seq *int) (dir, logFile string) {
	dir = t.TempDir()
	cfg := fmt.Sprintf(`thresholds:
  interval: 1m
alerts:
  sinks:
    - type: webhook
      url: %s
    - type: file
`, url)
	if err := os.WriteFile(filepath.Join(dir, ".fnops.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile = filepath.Join(dir, "logs", "aws", "lambda", "orders", "2026-03-01.log")
	os.MkdirAll(filepath.Dir(logFile), 0o755)
	if err := os.WriteFile(logFile, []byte(logLines(0, baseline, 20, false, seq)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, logFile
}

// hookedApp is liveApp with its alerts going to a local webhook receiver
// that lives as long as the test.
func hookedApp(t testing.TB, baseline int, seq *int) (hook *hookRecorder, dir, logFile string) {
	hook = &hookRecorder{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	dir, logFile = liveApp(t, srv.URL, baseline, seq)
	return hook, dir, logFile
}

// startWatch runs continuous watch on dir until the returned stop is
// called; stop returns the exit code and stderr.
func startWatch(t testing.TB, dir string, args ...string) (stop func() (int, string)) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	args = append([]string{"watch", dir, "--follow", filepath.Join(dir, "logs"), "--clock", "data", "--poll", "20ms"}, args...)
	go func() { done <- Main(ctx, args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}) }()
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, errb.String()
		case <-time.After(20 * time.Second):
			t.Fatal("watch did not stop within 20s of the signal")
			return 0, ""
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func appendFile(t testing.TB, path, s string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, s); err != nil {
		t.Fatal(err)
	}
}

// TestWatchLiveEndToEnd: telemetry with an incident appended to a followed
// file reaches a local webhook as an open notification; the incident's end
// resolves it; a restart does not page again; SIGINT stops watch cleanly.
func TestWatchLiveEndToEnd(t *testing.T) {
	seq := 0
	hook, dir, logFile := hookedApp(t, 30, &seq)
	stop := startWatch(t, dir)

	// Minute 30 times out; minute 31 closes its bucket.
	appendFile(t, logFile, logLines(30, 31, 20, true, &seq)+logLines(31, 32, 20, false, &seq))
	n, _ := hook.waitFor(t, notify.EventOpen, "timeout", "orders", 30*time.Second)
	if n.Version != 1 || n.Alert.Severity == "" || len(n.Insight) == 0 || !strings.Contains(n.Alert.Title, "timed out") && n.Alert.Title == "" {
		t.Fatalf("notification %+v", n)
	}
	var ins map[string]any
	if err := json.Unmarshal(n.Insight, &ins); err != nil || ins["kind"] != "timeout" || ins["state"] != "open" {
		t.Fatalf("insight %s: %v", n.Insight, err)
	}
	code, stderr := stop()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "sink webhook") || !strings.Contains(stderr, "failed 0") {
		t.Fatalf("summary on stderr: %s", stderr)
	}
	opens := func() int {
		hook.mu.Lock()
		defer hook.mu.Unlock()
		c := 0
		for _, n := range hook.got {
			if n.Event == notify.EventOpen && n.Alert.Kind == "timeout" {
				c++
			}
		}
		return c
	}
	if c := opens(); c != 1 {
		t.Fatalf("%d timeout opens, want 1", c)
	}
	// The file sink has the same notification.
	data, err := os.ReadFile(filepath.Join(dir, ".fnops", "alerts.jsonl"))
	if err != nil || !strings.Contains(string(data), `"kind":"timeout"`) {
		t.Fatalf("alerts.jsonl: %v %s", err, data)
	}

	// Restarted on the same state: the alert is still open, so no second
	// page; the traffic is normal from now on, and minute by minute the
	// timeouts leave the detector's window and the alert resolves.
	stop = startWatch(t, dir)
	deadline := time.Now().Add(60 * time.Second)
	for m := 32; !hook.has(notify.EventResolve, "timeout", "orders"); m++ {
		if time.Now().After(deadline) {
			t.Fatalf("no resolve within 60s, %d minutes of normal traffic appended; got %+v", m-32, hook.got)
		}
		appendFile(t, logFile, logLines(m, m+1, 20, false, &seq))
		time.Sleep(50 * time.Millisecond) // a minute of data every 50 ms, polled above
	}
	if code, stderr := stop(); code != 0 {
		t.Fatalf("exit %d after restart: %s", code, stderr)
	}
	if c := opens(); c != 1 {
		t.Fatalf("%d timeout opens after a restart, want still 1", c)
	}
}

// TestWatchLiveStdin: telemetry piped in is followed to its end, evaluated,
// and notified on stdout (the sink when none is configured); the end of
// standard input ends watch.
func TestWatchLiveStdin(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".fnops.yaml"), []byte("thresholds:\n  interval: 1m\n"), 0o644)
	seq := 0
	in := logLines(0, 30, 20, false, &seq) + logLines(30, 31, 20, true, &seq) + logLines(31, 33, 20, false, &seq)
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), []string{"watch", dir, "--follow", "-", "--function", "orders", "--clock", "data", "--poll", "20ms", "--format", "json"},
			Stdio{In: strings.NewReader(in), Out: &out, Err: &errb})
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("watch did not end with its standard input")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	found := false
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var n notify.Notification
		if err := json.Unmarshal([]byte(line), &n); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		found = found || n.Event == notify.EventOpen && n.Alert.Kind == "timeout" && n.Alert.Severity == notify.Critical
	}
	if !found {
		t.Fatalf("no critical timeout open on stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".fnops", "alerts.json")); err != nil {
		t.Fatalf("no alert state: %v", err)
	}
}

func TestWatchLiveUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--interval", "0s"}, "--interval must be positive"},
		{[]string{"--at", "2026-03-01"}, "need --once"},
		{[]string{"--fail-on", "critical"}, "need --once"},
		{[]string{"--follow", filepath.Join(dir, "missing")}, "no such file"},
	} {
		_, stderr, code := runCLI(t, append([]string{"watch", dir}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	os.WriteFile(filepath.Join(dir, ".fnops.yaml"), []byte("alerts:\n  sinks:\n    - type: slack\n      url: ${FNOPS_TEST_UNSET_HOOK}\n"), 0o644)
	if _, stderr, code := runCLI(t, "watch", dir); code != 2 || !strings.Contains(stderr, "FNOPS_TEST_UNSET_HOOK is not set") {
		t.Errorf("unset URL variable: exit %d, %q", code, stderr)
	}
}

// TestWatchLiveDeadSink: a webhook that is down neither stops evaluation
// nor the other sinks; its failures are retried, counted and reported.
func TestWatchLiveDeadSink(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	seq := 0
	dir, logFile := liveApp(t, deadURL, 30, &seq)
	cfg := fmt.Sprintf("thresholds:\n  interval: 1m\nalerts:\n  attempts: 3\n  backoff: 10ms\n  sinks:\n    - type: webhook\n      url: %s\n    - type: file\n", deadURL)
	os.WriteFile(filepath.Join(dir, ".fnops.yaml"), []byte(cfg), 0o644)
	stop := startWatch(t, dir)
	appendFile(t, logFile, logLines(30, 31, 20, true, &seq)+logLines(31, 32, 20, false, &seq))
	jsonl := filepath.Join(dir, ".fnops", "alerts.jsonl")
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(jsonl)
		if strings.Contains(string(data), `"kind":"timeout"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the file sink got no timeout notification: %s", data)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, stderr := stop()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "sink webhook      sent 0, failed 2") || !strings.Contains(stderr, "retries 4") || !strings.Contains(stderr, "gave up after 3 attempts") {
		t.Fatalf("stderr does not report the dead sink's failures:\n%s", stderr)
	}
	if strings.Contains(stderr, deadURL) {
		t.Fatalf("stderr shows the webhook URL:\n%s", stderr)
	}
}

// TestWatchLiveWallClock: with the default wall clock, telemetry written
// now whose last minute timed out is notified as soon as the minute has
// closed.
func TestWatchLiveWallClock(t *testing.T) {
	seq := 0
	hook, dir, logFile := hookedApp(t, 0, &seq)
	base := time.Now().UTC().Truncate(time.Minute).Add(-31 * time.Minute)
	os.WriteFile(logFile, []byte(logLinesAt(base, 0, 30, 20, false, &seq)), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"watch", dir, "--follow", filepath.Join(dir, "logs"), "--poll", "20ms"}, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	}()
	// Once watch has judged the minute that just closed, that minute's
	// timeouts arrive late, as CloudWatch delivers them.
	statePath := filepath.Join(dir, ".fnops", "alerts.json")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(statePath); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no first evaluation within 30s: %s", errb.String())
		}
	}
	appendFile(t, logFile, logLinesAt(base, 30, 31, 20, true, &seq))
	// Well before the next --interval tick (1m) or bucket.
	hook.waitFor(t, notify.EventOpen, "timeout", "orders", 20*time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// TestLiveLoopNoDataIsNotAllClear: an open alert whose resource stops
// sending data is said to have no data, once, and does not resolve until
// data is back and clear; the evaluator here is scripted.
func TestLiveLoopNoDataIsNotAllClear(t *testing.T) {
	var out syncBuffer
	n, err := notify.New(notify.Options{Policies: notify.Policies{Default: notify.Policy{ResolveAfter: 2}},
		Routes: []notify.Route{{Sink: notify.NewJSONWriterSink("out", &out), MinSeverity: notify.Warning}}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close(context.Background())
	timeout := detect.Insight{Kind: "timeout", Severity: detect.Critical, Resource: "Orders", State: detect.Open}
	nodata := detect.Insight{Kind: detect.KindNoData, Severity: detect.Info, Resource: "Orders", State: detect.NoData,
		Evidence: detect.Evidence{Summary: "no invocations of Orders in the last 24h"}}
	script := [][]detect.Insight{{timeout}, {nodata}, {nodata}, {nodata}, {nodata}, {}, {}}
	step := 0
	now := liveBase
	l := &liveLoop{
		eval:     func(context.Context, time.Time) ([]detect.Insight, error) { return script[step], nil },
		bucket:   func(t time.Time) time.Time { return t.Truncate(time.Minute) },
		now:      func() time.Time { return now },
		notifier: n, errw: io.Discard,
	}
	for step = range script {
		now = liveBase.Add(time.Duration(step) * time.Minute)
		if err := l.evaluate(context.Background(), false); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.Flush(ctx)
	var got []string
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var m notify.Notification
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, fmt.Sprintf("%s %s %s", m.Event, m.Alert.Kind, m.Alert.Severity))
	}
	want := "open timeout critical|no-data timeout critical|resolve timeout critical"
	if strings.Join(got, "|") != want {
		t.Fatalf("notifications %q, want %q", strings.Join(got, "|"), want)
	}
}
