package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `version: 1
params:
  Stage: prod
audit:
  fail_on: warning
  rules:
    disable: [function-tracing]
    severity:
      log-group-retention: error
  suppressions:
    - rule: sqs-sse
      resource: "Legacy*"
      reason: legacy queues are encrypted by the account default
  custom_rules:
    - id: owner-tag
      title: Functions have an owner
      severity: warning
      category: governance
      kind: function
      assert: |
        has(resource.tags.owner)
      message: "{id} has no owner tag"
`
	cfg, err := Parse(".fnops.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params["Stage"] != "prod" || cfg.Audit.FailOn != "warning" {
		t.Errorf("params/fail_on: %+v", cfg)
	}
	if got := cfg.Audit.Suppressions[0]; got.Line != 11 || got.Reason == "" {
		t.Errorf("suppression = %+v, want line 11", got)
	}
	r := cfg.Audit.CustomRules[0]
	if r.Line != 15 || r.AssertLine != 21 {
		t.Errorf("custom rule lines = %d, %d; want 15, 21", r.Line, r.AssertLine)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown top-level key", "version: 1\naudti: {}\n", `.fnops.yaml:2: unknown key "audti"`},
		{"unknown nested key", "audit:\n  rules:\n    disabled: [x]\n", `.fnops.yaml:3: unknown key "disabled"`},
		{"suppression without reason", "audit:\n  suppressions:\n    - rule: sqs-sse\n", ".fnops.yaml:3: suppression needs a reason"},
		{"bad version", "version: 7\n", "version 7 is not supported"},
		{"syntax", "audit: [\n", ".fnops.yaml:"},
		{"sections are strict", "store:\n  paths: x\n", `.fnops.yaml:2: unknown key "paths"`},
		{"mapping wanted", "cost:\n  features: notalist\n", `.fnops.yaml:2: "notalist" is a string, want a mapping`},
		{"list wanted", "store:\n  telemetry: 5\n", `.fnops.yaml:2: "5" is a number, want a list`},
		{"scalar wanted", "store:\n  path: [a, b]\n", `.fnops.yaml:2: a list where a string is wanted`},
		{"number wanted", "version: one\n", `.fnops.yaml:1: "one" is a string, want a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(".fnops.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEmptyAndFind(t *testing.T) {
	cfg, err := Parse("x", nil)
	if err != nil || cfg == nil {
		t.Fatalf("empty: %v %v", cfg, err)
	}
	dir := t.TempDir()
	if got := Find(dir); got != "" {
		t.Errorf("Find(empty dir) = %q", got)
	}
	p := filepath.Join(dir, ".fnops.yml")
	if err := os.WriteFile(p, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Find(dir); got != p {
		t.Errorf("Find = %q, want %q", got, p)
	}
	if _, err := Load(p); err != nil {
		t.Error(err)
	}
}

// FuzzParse: any input is either a Config or an error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add("version: 1\naudit:\n  fail_on: warning\n")
	f.Add("audit:\n  custom_rules:\n    - id: x\n      assert: |\n        true\n")
	f.Add("audit: [\n")
	f.Add("audit:\n  suppressions:\n    - {rule: a, reason: b}\n    - 3\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := Parse("f.yaml", []byte(src))
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
