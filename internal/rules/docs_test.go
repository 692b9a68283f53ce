package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md and golden files")

// TestDocs keeps docs/rules.md in step with the registry: it fails when
// the file is stale, and -update rewrites it.
func TestDocs(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "rules.md")
	want := Markdown(Builtin().Rules())
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("docs/rules.md is stale: run go test ./internal/rules -run TestDocs -update")
	}
}
