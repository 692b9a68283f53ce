package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update rewrites golden files: go test ./internal/cli -update.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// runCLI runs fnops with args and returns what it wrote and its exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

// golden compares got with the golden file, rewriting it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (rerun with -update and review the diff):\n%s", path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first differing line of two texts, with context.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// TestGraphGolden runs `fnops graph DIR --format json` on every case under
// testdata/graph and on examples/shop, and compares the output, the
// diagnostics and the exit code with golden files. The expectations each
// golden was reviewed against are in testdata/graph/README.md.
func TestGraphGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata/graph")
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"../../examples/shop"}
	for _, c := range cases {
		if c.IsDir() {
			dirs = append(dirs, filepath.Join("testdata/graph", c.Name()))
		}
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "graph", dir, "--format", "json")
			if !json.Valid([]byte(stdout)) {
				t.Fatalf("output is not JSON:\n%s", stdout)
			}
			golden(t, filepath.Join("testdata/graph-golden", name+".json"), stdout)
			golden(t, filepath.Join("testdata/graph-golden", name+".stderr"), fmt.Sprintf("exit %d\n%s", code, stderr))
		})
	}
}

// TestGraphFormats checks every format renders the example and is stable.
func TestGraphFormats(t *testing.T) {
	for _, format := range []string{"text", "dot", "mermaid"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runCLI(t, "graph", "../../examples/shop", "--format", format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			again, _, _ := runCLI(t, "graph", "../../examples/shop", "--format", format)
			if out != again {
				t.Error("output differs between two runs")
			}
			golden(t, filepath.Join("testdata/graph-golden", "shop."+format), out)
		})
	}
}

func TestGraphBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"graph", "--format", "yaml", "../../examples/shop"},
		{"graph", "--param", "NoEquals", "../../examples/shop"},
		{"graph", "does-not-exist"},
		{"graph", "testdata/graph/non-template/package.json"},
	} {
		_, stderr, code := runCLI(t, args...)
		if code != ExitInput {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitInput, stderr)
		}
		if stderr == "" {
			t.Errorf("%v: no message on stderr", args)
		}
	}
}
