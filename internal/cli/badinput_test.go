package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput runs every command that reads input on broken input: each
// must exit 2 with a message naming the file (and line where there is one),
// never panic, and still show what it could read.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) string {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const good = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
	missing := filepath.Join(dir, "no-such-app")
	unknownKey := filepath.Dir(write("unknown-key/.fnops.yaml", "version: 1\nbogus: 1\n"))
	write("unknown-key/template.yaml", good)
	wrongType := filepath.Dir(write("wrong-type/.fnops.yaml", "version: 1\ncost:\n  features: notalist\n"))
	write("wrong-type/template.yaml", good)
	broken := filepath.Dir(write("broken/good.yaml", good))
	write("broken/bad.yaml", "Resources:\n  A: [\n")
	okApp := filepath.Dir(write("ok/template.yaml", good))
	notDir := write("a-file", "x")
	roStore := filepath.Join(notDir, "fnops.duckdb") // its parent is a file: cannot be created, even as root
	const stream = " 2026/11/16/[$LATEST]0123456789abcdef0123456789abcdef "
	garbage := write("logs/aws/lambda/fn/garbage.log", "not a log line\n"+
		"2026-11-16T00:00:00.000000+00:00"+stream+"START RequestId: 00000000-0000-4000-8000-000000000001 Version: $LATEST\n"+
		"2026-11-16T00:00:00.042000+00:00"+stream+"END RequestId: 00000000-0000-4000-8000-000000000001\n"+
		"2026-11-16T00:00:00.042000+00:00"+stream+"REPORT RequestId: 00000000-0000-4000-8000-000000000001\tDuration: 42.00 ms\tBilled Duration: 42 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n"+
		"2026-11-16T00:00:01.000000+00:00"+stream+"REPORT RequestId: x Duration: abc\n")

	appCmds := [][]string{{"check"}, {"audit"}, {"graph"}, {"stats"}, {"cost"}, {"cost", "savings"}, {"watch", "--once"}, {"deploys", "list"}}
	type tc struct {
		name string
		args []string
		want []string // in stderr
	}
	var cases []tc
	for _, c := range appCmds {
		name := strings.Join(c, "-")
		cases = append(cases,
			tc{name + "/missing-dir", append(c[:len(c):len(c)], missing), []string{missing}},
			tc{name + "/unknown-key", append(c[:len(c):len(c)], unknownKey), []string{".fnops.yaml:2", `unknown key "bogus"`}},
			tc{name + "/wrong-type", append(c[:len(c):len(c)], wrongType), []string{".fnops.yaml:3"}},
		)
	}
	cases = append(cases,
		tc{"check/broken-template", []string{"check", broken}, []string{"bad.yaml:2"}},
		tc{"audit/broken-template", []string{"audit", broken}, []string{"bad.yaml:2"}},
		tc{"graph/broken-template", []string{"graph", broken}, []string{"bad.yaml:2"}},
		tc{"ingest/unknown-key", []string{"ingest", "--app", unknownKey, garbage}, []string{".fnops.yaml:2"}},
		tc{"ingest/missing-input", []string{"ingest", "--app", okApp, filepath.Join(dir, "nope.log")}, []string{"nope.log"}},
		tc{"ingest/store-read-only", []string{"ingest", "--store", roStore, garbage}, []string{roStore}},
		tc{"stats/store-read-only", []string{"stats", okApp, "--store", roStore}, []string{roStore}},
		tc{"stats/since", []string{"stats", okApp, "--since", "yesterday"}, []string{"--since", "yesterday"}},
		tc{"cost/since", []string{"cost", okApp, "--since", "yesterday"}, []string{"--since", "yesterday"}},
		tc{"watch/at", []string{"watch", "--once", okApp, "--at", "yesterday"}, []string{"--at", "yesterday"}},
		tc{"stats/since-after-until", []string{"stats", okApp, "--since", "2026-11-20", "--until", "2026-11-19"}, []string{"is not before --until"}},
		tc{"cost-savings/since-after-until", []string{"cost", "savings", okApp, "--since", "2026-11-20", "--until", "2026-11-19"}, []string{"is not before --until"}},
		tc{"deploys/since", []string{"deploys", "list", okApp, "--since", "yesterday"}, []string{"--since", "yesterday"}},
	)
	for _, c := range [][]string{{"audit"}, {"graph"}, {"stats"}, {"cost"}, {"watch", "--once"}, {"rules"}, {"ingest", garbage}} {
		cases = append(cases, tc{c[0] + "/format", append(c[:len(c):len(c)], "--format", "xml"), []string{`--format "xml"`}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, c.args...)
			if code != ExitInput {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitInput, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not name %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack or panic on stderr:\n%s", stderr)
			}
		})
	}
	// Reading commands leave no store behind a mistyped --store.
	typo := filepath.Join(dir, "typo", "fnops.duckdb")
	for _, c := range [][]string{{"stats", okApp}, {"deploys", "list", okApp}, {"watch", "--once", okApp}} {
		if _, stderr, code := runCLI(t, append(c, "--store", typo)...); code != 0 {
			t.Errorf("%v on a store not there yet: exit %d: %s", c, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Dir(typo)); err == nil {
		t.Errorf("a reading command created %s", typo)
	}
	if _, err := os.Stat(filepath.Join(missing, ".fnops")); err == nil {
		t.Errorf("a command created a store under the missing app directory %s", missing)
	}

	// Everything readable is still processed: the good template beside the
	// broken one, the good invocation among garbage lines.
	if stdout, _, _ := runCLI(t, "graph", broken, "--format", "json"); !strings.Contains(stdout, `"id": "Queue"`) && !strings.Contains(stdout, `"id":"Queue"`) {
		t.Errorf("graph of a dir with one broken template lost the good one:\n%s", stdout)
	}
	stdout, stderr, code := runCLI(t, "ingest", "--store", filepath.Join(dir, "s.duckdb"), "--format", "json", garbage)
	if code != ExitInput || !strings.Contains(stderr, "garbage.log:5") {
		t.Errorf("ingest of garbage: exit %d, want 2 naming garbage.log:5; stderr:\n%s", code, stderr)
	}
	var sum ingestSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("ingest json: %v\n%s", err, stdout)
	}
	if sum.New.Invocations != 1 {
		t.Errorf("ingest kept %d invocations of the garbage file, want the 1 good one", sum.New.Invocations)
	}
}
