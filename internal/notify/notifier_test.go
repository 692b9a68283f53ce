package notify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSink records what it is sent.
type memSink struct {
	name string
	mu   sync.Mutex
	got  []Notification
}

func (s *memSink) Name() string { return s.name }
func (s *memSink) Send(_ context.Context, n Notification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, n)
	return nil
}

func (s *memSink) events() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, n := range s.got {
		parts = append(parts, string(n.Event)+":"+n.Alert.Kind)
	}
	return strings.Join(parts, " ")
}

func newTestNotifier(t *testing.T, opts Options) *Notifier {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

func evaluate(t *testing.T, n *Notifier, min int, obs ...Observation) Report {
	t.Helper()
	rep, err := n.Evaluate(t0.Add(time.Duration(min)*time.Minute), obs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRoutesFilter(t *testing.T) {
	all := &memSink{name: "all"}
	crit := &memSink{name: "crit"}
	oom := &memSink{name: "oom"}
	upd := &memSink{name: "upd"}
	n := newTestNotifier(t, Options{Policies: Policies{Default: Policy{ResolveAfter: 1}}, Routes: []Route{
		{Sink: all},
		{Sink: crit, MinSeverity: Critical},
		{Sink: oom, Kinds: []string{"oom"}},
		{Sink: upd, Events: []EventType{EventUpdate}},
	}})
	evaluate(t, n, 0, holding(Warning), obs("oom", "orders", Warning, Holding))
	evaluate(t, n, 1, holding(Critical), obs("oom", "orders", Warning, Holding))
	evaluate(t, n, 2, holding(Warning))
	evaluate(t, n, 3)
	checks := []struct {
		s    *memSink
		want string
	}{
		{all, "open:error-rate open:oom escalate:error-rate resolve:oom resolve:error-rate"},
		// The critical sink never saw the warning open: its first notice is
		// the escalation, and it hears the resolution of that episode.
		{crit, "escalate:error-rate resolve:error-rate"},
		{oom, "open:oom resolve:oom"},
		// An update-only sink hears nothing it was not told of.
		{upd, ""},
	}
	for _, c := range checks {
		if got := c.s.events(); got != c.want {
			t.Errorf("sink %s got %q, want %q", c.s.name, got, c.want)
		}
	}
}

func TestDedupeAndRepeat(t *testing.T) {
	s := &memSink{name: "s"}
	quick := &memSink{name: "quick"}
	zero := time.Duration(0)
	rep := 10 * time.Minute
	n := newTestNotifier(t, Options{
		Policies: Policies{Default: Policy{ResolveAfter: 1, Dedupe: 15 * time.Minute, Repeat: 30 * time.Minute}},
		Routes:   []Route{{Sink: s}, {Sink: quick, Dedupe: &zero, Repeat: &rep}},
	})
	w := holding(Warning)
	evaluate(t, n, 0, w)
	evaluate(t, n, 1)         // resolve
	r := evaluate(t, n, 5, w) // reopen within dedupe: the open is dropped for s only
	if r.Deduped != 1 {
		t.Errorf("deduped %d, want 1", r.Deduped)
	}
	evaluate(t, n, 6, w)
	evaluate(t, n, 20, w) // quick: repeat (last sent at 5)
	evaluate(t, n, 36, w) // s: repeat (last sent at 1 (resolve)... at 5 deduped, so last is 1) ; quick: repeat at 30+
	if got, want := s.events(), "open:error-rate resolve:error-rate repeat:error-rate"; got != want {
		t.Errorf("s got %q, want %q", got, want)
	}
	if got, want := quick.events(), "open:error-rate resolve:error-rate open:error-rate repeat:error-rate repeat:error-rate"; got != want {
		t.Errorf("quick got %q, want %q", got, want)
	}
	st := n.Stats()
	if st[0].Deduped != 1 || st[1].Deduped != 0 || st[0].Sent != 3 || st[1].Sent != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".fnops", "alerts.json")
	s1 := &memSink{name: "hook"}
	opts := Options{Policies: Policies{Default: Policy{ResolveAfter: 2}}, StatePath: path, Routes: []Route{{Sink: s1}}}
	n1 := newTestNotifier(t, opts)
	evaluate(t, n1, 0, holding(Warning))
	evaluate(t, n1, 1) // one clear evaluation of two
	if err := n1.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s1.events(); got != "open:error-rate" {
		t.Fatalf("before restart: %q", got)
	}

	s2 := &memSink{name: "hook"}
	opts.Routes = []Route{{Sink: s2}}
	n2 := newTestNotifier(t, opts)
	if a := n2.Alerts(); len(a) != 1 || a[0].Status != StatusOpen || a[0].ClearCount != 1 {
		t.Fatalf("restored alerts %+v: want the open alert with one clear evaluation", a)
	}
	// Still open after the restart: no second page.
	evaluate(t, n2, 2, holding(Warning))
	evaluate(t, n2, 3)
	evaluate(t, n2, 4)
	if got := s2.events(); got != "resolve:error-rate" {
		t.Fatalf("after restart: %q, want only the resolve", got)
	}
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := LoadState(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad JSON: err %v, want it to name the file", err)
	}
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"version":2,"alerts":[]}`), 0o644)
	if _, err := LoadState(newer); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("newer version: err %v", err)
	}
	if a, err := LoadState(filepath.Join(dir, "missing.json")); err != nil || len(a) != 0 {
		t.Errorf("missing file: %v %v, want empty state", a, err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil {
		t.Error("New accepted a corrupt state file")
	}
}

func TestNotifierRejectsDuplicateSinkNames(t *testing.T) {
	if _, err := New(Options{Routes: []Route{{Sink: &memSink{name: "a"}}, {Sink: &memSink{name: "a"}}}}); err == nil {
		t.Fatal("two sinks named a accepted")
	}
}

func TestNotificationJSON(t *testing.T) {
	s := &memSink{name: "s"}
	n := newTestNotifier(t, Options{App: "shop", Policies: Policies{Default: DefaultPolicy}, Routes: []Route{{Sink: s}}})
	o := holding(Critical)
	o.Details = "12% of 340 invocations failed"
	o.FirstSeen = t0.Add(-3 * time.Minute)
	o.Data = json.RawMessage(`{"kind":"error-rate","evidence":{"threshold":0.1}}`)
	evaluate(t, n, 0, o)
	b, err := json.Marshal(s.got[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"event":"open","at":"2026-03-01T10:00:00Z","app":"shop","alert":{"key":"error-rate|orders","kind":"error-rate","resource":"orders","severity":"critical","status":"open","title":"error-rate on orders","details":"12% of 340 invocations failed","first_seen":"2026-03-01T09:57:00Z","opened_at":"2026-03-01T10:00:00Z"},"insight":{"kind":"error-rate","evidence":{"threshold":0.1}}}`
	if string(b) != want {
		t.Fatalf("notification JSON\n got %s\nwant %s", b, want)
	}
}
