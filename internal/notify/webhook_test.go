package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fastDelivery retries quickly so tests of backoff take milliseconds.
var fastDelivery = Delivery{Attempts: 4, Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}

// hookServer is a local webhook receiver answering with the statuses in
// plan, in order (the last one repeats), and recording the bodies and
// arrival times.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	times  []time.Time
	hits   atomic.Int64
}

func newHookServer(t *testing.T, handle func(w http.ResponseWriter, hit int)) *hookServer {
	t.Helper()
	h := &hookServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.times = append(h.times, time.Now())
		h.mu.Unlock()
		handle(w, int(h.hits.Add(1)))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) count() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.bodies) }

func statuses(codes ...int) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, hit int) {
		w.WriteHeader(codes[min(hit, len(codes))-1])
	}
}

func deliverOne(t *testing.T, sink Sink, d Delivery) SinkStats {
	t.Helper()
	n := newTestNotifier(t, Options{Policies: Policies{Default: DefaultPolicy}, Routes: []Route{{Sink: sink}}, Delivery: d})
	if _, err := n.Evaluate(t0, []Observation{holding(Critical)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return n.Stats()[0]
}

func TestWebhookDelivers(t *testing.T) {
	h := newHookServer(t, statuses(200))
	st := deliverOne(t, NewWebhookSink("hook", h.URL, map[string]string{"X-Team": "ops"}, nil), fastDelivery)
	if st.Sent != 1 || st.Failed != 0 || h.count() != 1 {
		t.Fatalf("stats %+v, hits %d", st, h.count())
	}
	var got Notification
	if err := json.Unmarshal(h.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Event != EventOpen || got.Alert.Key != "error-rate|orders" || got.Alert.Severity != Critical {
		t.Fatalf("body %s", h.bodies[0])
	}
}

func TestWebhook500Then200(t *testing.T) {
	h := newHookServer(t, statuses(500, 502, 200))
	st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, nil), fastDelivery)
	if st.Sent != 1 || st.Retries != 2 || st.Failed != 0 || h.count() != 3 {
		t.Fatalf("stats %+v, hits %d: want sent after 2 retries", st, h.count())
	}
	for i := 1; i < 3; i++ {
		if string(h.bodies[i]) != string(h.bodies[0]) {
			t.Fatalf("retry %d sent a different body", i)
		}
	}
}

func TestWebhookGivesUpAfterAttempts(t *testing.T) {
	h := newHookServer(t, statuses(503))
	st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, nil), fastDelivery)
	if st.Sent != 0 || st.Failed != 1 || st.Retries != 3 || h.count() != 4 {
		t.Fatalf("stats %+v, hits %d: want 4 attempts then a failure", st, h.count())
	}
	if !strings.Contains(st.LastError, "503") {
		t.Fatalf("last error %q does not say 503", st.LastError)
	}
}

func TestWebhookPermanentErrorNotRetried(t *testing.T) {
	h := newHookServer(t, func(w http.ResponseWriter, hit int) { http.Error(w, "no such hook", http.StatusNotFound) })
	st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, nil), fastDelivery)
	if st.Failed != 1 || st.Retries != 0 || h.count() != 1 || !strings.Contains(st.LastError, "no such hook") {
		t.Fatalf("stats %+v, hits %d", st, h.count())
	}
}

func TestWebhookHonoursRetryAfter(t *testing.T) {
	h := newHookServer(t, func(w http.ResponseWriter, hit int) {
		if hit == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(200)
	})
	st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, nil), fastDelivery)
	if st.Sent != 1 || h.count() != 2 {
		t.Fatalf("stats %+v, hits %d", st, h.count())
	}
	// The backoff alone would wait at most 5 ms.
	if gap := h.times[1].Sub(h.times[0]); gap < time.Second {
		t.Fatalf("retried after %s, before the Retry-After of 1s", gap)
	}
}

func TestWebhookRetryAfterTooLongGivesUp(t *testing.T) {
	h := newHookServer(t, func(w http.ResponseWriter, hit int) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, nil), fastDelivery)
	if st.Failed != 1 || h.count() != 1 || !strings.Contains(st.LastError, "retry after 1h0m0s") {
		t.Fatalf("stats %+v, hits %d", st, h.count())
	}
}

func TestWebhookNeverFollowsRedirects(t *testing.T) {
	target := newHookServer(t, statuses(200))
	for _, code := range []int{301, 302, 307, 308} {
		h := newHookServer(t, func(w http.ResponseWriter, hit int) {
			w.Header().Set("Location", target.URL+"/stolen")
			w.WriteHeader(code)
		})
		st := deliverOne(t, NewWebhookSink("hook", h.URL, nil, http.DefaultClient), fastDelivery)
		if st.Failed != 1 || st.Retries != 0 || h.count() != 1 || !strings.Contains(st.LastError, "not followed") {
			t.Fatalf("%d: stats %+v, hits %d", code, st, h.count())
		}
	}
	if target.count() != 0 {
		t.Fatalf("the redirect target received %d posts", target.count())
	}
}

func TestDeadSinkDoesNotStopEvaluation(t *testing.T) {
	h := newHookServer(t, statuses(200))
	url := h.URL
	h.Close() // nothing listens there now
	good := &memSink{name: "good"}
	slow := Delivery{Attempts: 3, Backoff: 200 * time.Millisecond, MaxBackoff: time.Second, QueueSize: 2}
	n := newTestNotifier(t, Options{Policies: Policies{Default: Policy{ResolveAfter: 1}},
		Routes: []Route{{Sink: NewWebhookSink("dead", url, nil, nil)}, {Sink: good}}, Delivery: slow})
	began := time.Now()
	for i := range 10 {
		var o []Observation
		if i%2 == 0 {
			o = []Observation{obs("timeout", "fn", Warning, Holding)}
		}
		e0 := time.Now()
		if _, err := n.Evaluate(t0.Add(time.Duration(i)*time.Hour), o); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(e0); d > 50*time.Millisecond {
			t.Fatalf("an evaluation took %s with a dead sink", d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.queues[1].flush(ctx); err != nil { // the good sink keeps up
			t.Fatal(err)
		}
		cancel()
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("10 evaluations took %s with a dead sink", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if st[0].Sent != 0 || st[0].Failed+st[0].Dropped != 10 || st[0].Dropped == 0 || st[0].LastError == "" {
		t.Fatalf("dead sink stats %+v: want every notification failed or dropped, some dropped", st[0])
	}
	if st[1].Sent != 10 {
		t.Fatalf("good sink stats %+v: want all 10 delivered", st[1])
	}
	if strings.Contains(st[0].LastError, url) {
		t.Fatalf("error %q shows the URL", st[0].LastError)
	}
}

func TestCloseAbandonsAfterDeadline(t *testing.T) {
	h := newHookServer(t, statuses(503))
	n, err := New(Options{Policies: Policies{Default: DefaultPolicy}, Routes: []Route{{Sink: NewWebhookSink("hook", h.URL, nil, nil)}},
		Delivery: Delivery{Attempts: 10, Backoff: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	n.Evaluate(t0, []Observation{holding(Critical)})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := n.Close(ctx); err == nil {
		t.Fatal("Close reported success with an undelivered notification")
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("Close took %s", d)
	}
	if st := n.Stats()[0]; st.Failed != 1 {
		t.Fatalf("stats %+v: want the abandoned notification counted failed", st)
	}
	if _, err := n.Evaluate(t0, nil); err == nil {
		t.Fatal("Evaluate after Close succeeded")
	}
}

func TestSlackSink(t *testing.T) {
	h := newHookServer(t, func(w http.ResponseWriter, hit int) {
		if hit == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "rate_limited", http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	sink := NewSlackSink("slack", h.URL, nil)
	n := newTestNotifier(t, Options{App: "shop", Policies: Policies{Default: Policy{ResolveAfter: 1}}, Routes: []Route{{Sink: sink}}, Delivery: fastDelivery})
	o := holding(Critical)
	o.Title = "12% of <340> invocations & rising"
	o.Details = "cause: bad deploy"
	o.FirstSeen = t0
	evaluate(t, n, 0, o)
	evaluate(t, n, 1)
	if st := n.Stats()[0]; st.Sent != 2 || st.Retries != 1 {
		t.Fatalf("stats %+v", st)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(h.bodies[1], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Text == "" || len(msg.Blocks) < 4 {
		t.Fatalf("message %s", h.bodies[1])
	}
	if b := msg.Blocks[0]; b.Type != "header" || b.Text.Type != "plain_text" || !strings.Contains(b.Text.Text, "OPEN: critical error-rate on orders") {
		t.Fatalf("header block %+v", b)
	}
	if got := msg.Blocks[1].Text.Text; got != "*12% of &lt;340&gt; invocations &amp; rising*" {
		t.Fatalf("title not escaped for mrkdwn: %q", got)
	}
	if f := msg.Blocks[2].Fields; len(f) < 4 || !strings.Contains(f[4].Text, "<!date^") {
		t.Fatalf("fields %+v", f)
	}
	last := msg.Blocks[len(msg.Blocks)-1]
	if last.Type != "context" || !strings.Contains(last.Elements[0].Text, "shop") {
		t.Fatalf("context block %+v", last)
	}
	var res struct {
		Blocks []struct{ Text *struct{ Text string } }
	}
	json.Unmarshal(h.bodies[2], &res)
	if !strings.Contains(res.Blocks[0].Text.Text, "RESOLVED") {
		t.Fatalf("resolve message %s", h.bodies[2])
	}
}

func TestSlackClipsToBlockKitLimits(t *testing.T) {
	n := Notification{Event: EventOpen, Alert: AlertInfo{Kind: "k", Resource: strings.Repeat("r", 300), Severity: Warning,
		Title: strings.Repeat("t", 5000), Details: strings.Repeat("d", 5000)}}
	p := SlackMessage(n).(slackPayload)
	for _, b := range p.Blocks {
		if b.Text != nil {
			lim := slackTextMax
			if b.Type == "header" {
				lim = slackHeaderMax
			}
			if c := len([]rune(b.Text.Text)); c > lim {
				t.Fatalf("%s block text of %d characters, limit %d", b.Type, c, lim)
			}
		}
		for _, f := range b.Fields {
			if c := len([]rune(f.Text)); c > slackFieldMax {
				t.Fatalf("field of %d characters", c)
			}
		}
	}
}

func TestFileAndWriterSinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "alerts.jsonl")
	var buf strings.Builder
	n := newTestNotifier(t, Options{Policies: Policies{Default: Policy{ResolveAfter: 1}},
		Routes: []Route{{Sink: NewFileSink("file", path)}, {Sink: NewWriterSink("stdout", &lockedWriter{w: &buf})}}})
	o := holding(Warning)
	o.Details = "line one\nline two"
	evaluate(t, n, 0, o)
	evaluate(t, n, 1, holding(Critical))
	evaluate(t, n, 2)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var evs []string
	for _, l := range lines {
		var n Notification
		if err := json.Unmarshal([]byte(l), &n); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		evs = append(evs, string(n.Event))
	}
	if strings.Join(evs, " ") != "open escalate resolve" {
		t.Fatalf("file events %v", evs)
	}
	want := "2026-03-01T10:00:00Z OPEN warning error-rate orders: error-rate on orders\n    line one\n    line two\n" +
		"2026-03-01T10:01:00Z ESCALATED critical error-rate orders (was warning): error-rate on orders\n" +
		"2026-03-01T10:02:00Z RESOLVED critical error-rate orders: error-rate on orders\n"
	if buf.String() != want {
		t.Fatalf("text sink wrote\n%s\nwant\n%s", buf.String(), want)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "7": 7 * time.Second, "-1": 0, "soon": 0,
		"Sun, 01 Mar 2026 10:00:30 GMT": 30 * time.Second,
		"Sun, 01 Mar 2026 09:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	d := Delivery{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	for n, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 9: time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			w := d.wait(n)
			if w < full/2 || w > full {
				t.Fatalf("wait(%d) = %s, want within [%s, %s]", n, w, full/2, full)
			}
			seen[w] = true
		}
		if len(seen) < 2 {
			t.Fatalf("wait(%d) has no jitter", n)
		}
	}
}
