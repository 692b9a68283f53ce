package notify

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLifecycle drives one key through arbitrary evaluations and checks
// the promises of the lifecycle: an open follows a resolve (or nothing),
// never another open; escalations only go up; a resolve follows an
// announcement; no-data is said once per episode; with a hold-down, two
// opens are at least the hold-down apart unless the second escalated.
func FuzzLifecycle(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 1, 0, 2, 3, 0, 0, 0}, uint8(3), uint8(10))
	f.Add([]byte{1, 0, 1, 0, 1, 0, 1, 0, 5, 5, 0, 0}, uint8(1), uint8(30))
	f.Add([]byte{3, 3, 0, 1, 3, 2, 0, 0, 0}, uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, steps []byte, resolveAfter, holdMin uint8) {
		hold := time.Duration(holdMin%60) * time.Minute
		pol := Policy{ResolveAfter: int(resolveAfter%5) + 1, ResolveMin: 2 * time.Minute, FlapHold: hold}
		tr := NewTracker(Policies{Default: pol}, nil)
		announced := false // an open or escalate is out, not resolved since
		var lastOpen time.Time
		var lastSev Severity
		noDataSaid := false
		at := t0
		for _, s := range steps {
			at = at.Add(time.Duration(1+s>>4) * time.Minute)
			var obs []Observation
			switch s % 6 {
			case 1:
				obs = []Observation{holding(Warning)}
			case 2:
				obs = []Observation{holding(Critical)}
			case 3:
				obs = []Observation{nodata()}
			case 4:
				obs = []Observation{holding(Info)}
			}
			for _, e := range tr.Step(at, obs) {
				switch e.Type {
				case EventOpen:
					if announced {
						t.Fatalf("%s: open while already announced", at)
					}
					if hold > 0 && !lastOpen.IsZero() && at.Sub(lastOpen) < hold && e.Alert.Severity.Rank() <= lastSev.Rank() {
						t.Fatalf("%s: paged again %s after the last open, within the %s hold-down", at, at.Sub(lastOpen), hold)
					}
					announced, lastOpen, lastSev, noDataSaid = true, at, e.Alert.Severity, false
				case EventEscalate:
					if !announced || e.Alert.Severity.Rank() <= e.Previous.Rank() {
						t.Fatalf("%s: escalate %s from %s (announced %v)", at, e.Alert.Severity, e.Previous, announced)
					}
					lastSev = e.Alert.Severity
				case EventResolve:
					announced, noDataSaid = false, false
				case EventNoData:
					if noDataSaid {
						t.Fatalf("%s: no-data said twice in one episode", at)
					}
					noDataSaid = true
				}
			}
		}
	})
}

// FuzzLoadState: whatever is in the state file, LoadState returns alerts
// or an error, never panics, and what it returns saves and loads again.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"version":1,"alerts":[{"key":"a|b","kind":"a","resource":"b","status":"open","severity":"warning","title":"t","sinks":{"s":{"last":{"open":{"at":"2026-03-01T10:00:00Z","severity":"warning"}}}}}]}`))
	f.Add([]byte(`{"version":1,"alerts":[null]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "alerts.json")
		os.WriteFile(path, data, 0o644)
		alerts, err := LoadState(path)
		if err != nil {
			return
		}
		tr := NewTracker(Policies{Default: DefaultPolicy}, alerts)
		tr.Step(t0, []Observation{holding(Warning)})
		if err := SaveState(path, tr.Alerts()); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadState(path); err != nil {
			t.Fatalf("saved state does not load: %v", err)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "7", "-1", "Sun, 01 Mar 2026 10:00:30 GMT", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, t0); d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %s", s, d)
		}
	})
}
