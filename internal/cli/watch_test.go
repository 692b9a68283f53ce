package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

// shippedStore ingests the example's shipped week once into a store under
// a temporary directory shared by the watch tests.
var shipped struct {
	once sync.Once
	dir  string
	err  string
}

func shippedStore(t *testing.T) string {
	t.Helper()
	shipped.once.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			shipped.err = err.Error()
			return
		}
		shipped.dir = filepath.Join(dir, "shop.duckdb")
		if _, stderr, code := runCLI(t, "ingest", "--store", shipped.dir, "../../examples/shop/telemetry"); code != 0 {
			shipped.err = stderr
		}
	})
	if shipped.err != "" {
		t.Fatalf("ingest the shipped week: %s", shipped.err)
	}
	return shipped.dir
}

// TestWatchGolden: the poison message of the shipped week, 10 minutes in,
// as text and as the version 1 JSON contract.
func TestWatchGolden(t *testing.T) {
	db := shippedStore(t)
	for _, tc := range []struct{ name, format string }{{"watch-poison.txt", "text"}, {"watch-poison.json", "json"}} {
		stdout, stderr, code := runCLI(t, "watch", "--once", "../../examples/shop", "--store", db,
			"--at", "2026-11-20T04:10:00Z", "--all", "--format", tc.format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr)
		}
		golden(t, filepath.Join("testdata", "watch", tc.name), stdout)
	}
}

// TestWatchJSONContract checks the JSON's exact keys, so a new field is a
// decision and not an accident.
func TestWatchJSONContract(t *testing.T) {
	db := shippedStore(t)
	stdout, stderr, code := runCLI(t, "watch", "--once", "../../examples/shop", "--store", db, "--at", "2026-11-18T02:20:00Z", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(doc); !reflect.DeepEqual(keys, []string{"insights", "version"}) {
		t.Fatalf("top-level keys %v", keys)
	}
	var ins []map[string]json.RawMessage
	if err := json.Unmarshal(doc["insights"], &ins); err != nil {
		t.Fatal(err)
	}
	want := []string{"cause", "evidence", "first_seen", "fix", "impact_usd_per_month", "kind", "last_seen", "related", "resource", "severity", "state"}
	found := false
	for _, in := range ins {
		if keys := sortedKeys(in); !reflect.DeepEqual(keys, want) {
			t.Fatalf("insight keys %v, want %v", keys, want)
		}
		if string(in["kind"]) == `"oom"` && string(in["resource"]) == `"GetProductFunction"` && string(in["state"]) == `"open"` {
			found = true
		}
	}
	if !found {
		t.Errorf("no open oom on GetProductFunction during the shipped week's OOM incident:\n%s", stdout)
	}
}

func TestWatchFailOn(t *testing.T) {
	db := shippedStore(t)
	for _, tc := range []struct {
		at, failOn string
		code       int
	}{
		{"2026-11-18T02:20:00Z", "critical", 1}, // the OOM is open
		{"2026-11-18T02:20:00Z", "none", 0},
		{"2026-11-17T12:00:00Z", "warning", 0}, // a quiet day
		{"2026-11-17T12:00:00Z", "fatal", 2},
	} {
		_, stderr, code := runCLI(t, "watch", "--once", "../../examples/shop", "--store", db, "--at", tc.at, "--fail-on", tc.failOn)
		if code != tc.code {
			t.Errorf("--at %s --fail-on %s: exit %d, want %d (%s)", tc.at, tc.failOn, code, tc.code, stderr)
		}
	}
	if _, stderr, code := runCLI(t, "watch", "../../examples/shop", "--store", db, "--clock", "sideways"); code != 2 || !strings.Contains(stderr, "--clock") {
		t.Errorf("continuous watch with a bad --clock: exit %d, %q", code, stderr)
	}
}

// TestWatchNoData: evaluated where the store has nothing, watch says it
// cannot judge, and points at where the data is.
func TestWatchNoData(t *testing.T) {
	db := shippedStore(t)
	stdout, _, code := runCLI(t, "watch", "--once", "../../examples/shop", "--store", db, "--at", "2027-01-01")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"0 open", "cannot be judged", "no invocations in the store", "--at 2026-11-2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestCheckReliability: check on the example shows the shipped week's two
// incidents, evaluated at the end of the data.
func TestCheckReliability(t *testing.T) {
	db := shippedStore(t)
	stdout, stderr, _ := runCLI(t, "check", "../../examples/shop", "--store", db)
	i := strings.Index(stdout, "\nReliability\n")
	if i < 0 {
		t.Fatalf("no Reliability section:\n%s\n%s", stdout, stderr)
	}
	rel := stdout[i:]
	for _, want := range []string{"the end of the data; now is past it", "CRITICAL oom GetProductFunction (2026-11-18 02:05",
		"stuck-queue FulfilmentQueue (2026-11-20 04:00", "dlq-messages FulfilmentDLQ"} {
		if !strings.Contains(rel, want) {
			t.Errorf("Reliability lacks %q:\n%s", want, rel)
		}
	}
	if strings.Index(rel, "dlq-messages FulfilmentDLQ") > strings.Index(rel, "CRITICAL oom") {
		t.Errorf("open insights must come before resolved ones:\n%s", rel)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "fnops-watch-test-") }

// TestMain removes the shared store of the watch tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if shipped.dir != "" {
		os.RemoveAll(filepath.Dir(shipped.dir))
	}
	os.Exit(code)
}

// TestWatchNoStore: an app without a store gets "no data", and no store
// file is created behind its back.
func TestWatchNoStore(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "watch", "--once", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"kind": "no-data"`) || !strings.Contains(stdout, `"state": "no-data"`) {
		t.Errorf("no no-data insight:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, ".fnops")); err == nil {
		t.Error("watch created a store")
	}
}

// TestWatchBadThresholds: a threshold that names no kind is a usage error
// that names the file.
func TestWatchBadThresholds(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, ".fnops.yaml")
	if err := os.WriteFile(cfg, []byte("thresholds:\n  disable: [error-rates]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "watch", "--once", dir)
	if code != 2 || !strings.Contains(stderr, cfg+":2: thresholds.disable[0]: ") || !strings.Contains(stderr, `"error-rates"`) {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestWatchSetupBothModes: --once and continuous watch read the same
// configuration the same way: a bad thresholds: section is the same
// input error, found before any store is created, and store.path of
// .fnops.yaml is the store either mode uses (continuous mode creates it,
// --once does not).
func TestWatchSetupBothModes(t *testing.T) {
	modes := map[string][]string{"once": {"--once"}, "live": {"--follow", "-", "--function", "orders", "--clock", "data"}}
	for name, flags := range modes {
		dir := t.TempDir()
		cfg := filepath.Join(dir, ".fnops.yaml")
		os.WriteFile(cfg, []byte("store:\n  path: data/s.duckdb\nthresholds:\n  disable: [error-rates]\n"), 0o644)
		_, stderr, code := runCLI(t, append([]string{"watch", dir}, flags...)...)
		if code != 2 || !strings.Contains(stderr, cfg) || !strings.Contains(stderr, `"error-rates"`) {
			t.Errorf("%s: bad thresholds: exit %d, %q", name, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
			t.Errorf("%s: a store was created for a configuration that failed", name)
		}
		os.WriteFile(cfg, []byte("store:\n  path: data/s.duckdb\n"), 0o644)
		if _, stderr, code = runCLI(t, append([]string{"watch", dir}, flags...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		_, err := os.Stat(filepath.Join(dir, "data", "s.duckdb"))
		if created := err == nil; created != (name == "live") {
			t.Errorf("%s: store at store.path created: %v", name, created)
		}
		if name == "live" && !strings.Contains(stderr, filepath.Join(dir, "data", "s.duckdb")) {
			t.Errorf("live: the banner does not name the configured store: %s", stderr)
		}
	}
}
