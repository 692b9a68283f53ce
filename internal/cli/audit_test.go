package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const auditApp = "testdata/audit/app"

// pinned runs a fixed set of rules, so that these tests pin the pipeline
// (load, config, selection, suppressions, report) and do not change each
// time a rule joins the catalog; the rules themselves are tested in
// internal/rules.
var pinned = []string{
	"--rule", "function-explicit-memory", "--rule", "function-explicit-timeout", "--rule", "function-tracing",
	"--rule", "log-group-retention", "--rule", "sqs-sse", "--rule", "owner-tag",
	"--rule", "unused-suppression", "--rule", "suppression-reason",
}

func withPinned(args ...string) []string { return append(args, pinned...) }

// TestAuditGolden pins the whole pipeline (load, rules, config, custom
// CEL rule, suppressions, report) for every format.
func TestAuditGolden(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif", "junit", "markdown", "github"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runCLI(t, withPinned("audit", auditApp, "--format", format)...)
			if code != ExitFindings {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
			}
			out = strings.ReplaceAll(out, `"version": "`+Version+`"`, `"version": "VERSION"`)
			golden(t, filepath.Join("testdata", "audit", "golden", format+".golden"), out)
		})
	}
}

func TestAuditFindings(t *testing.T) {
	out, _, _ := runCLI(t, withPinned("audit", auditApp, "--format", "json")...)
	var doc struct {
		Findings []struct {
			Rule, Severity, Resource, File string
			Line                           int
			Suppressed                     *struct{ Kind, Tool, Reason string }
		}
		Summary map[string]int
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		key := f.Rule + "@" + f.Resource
		got[key] = f.Severity
		if f.Suppressed != nil {
			got[key] = "suppressed by " + f.Suppressed.Tool + ": " + f.Suppressed.Reason
		}
		if f.File != "" && f.File != "testdata/audit/app/template.yaml" && f.File != "testdata/audit/app/.fnops.yaml" {
			t.Errorf("%s: file %q is not relative to the working directory", key, f.File)
		}
	}
	for key, want := range map[string]string{
		"sqs-sse@OrdersQueue":               "error",
		"function-tracing@Orders":           "warning",
		"function-tracing@Reports":          "suppressed by fnops: reports are traced with OpenTelemetry",
		"function-explicit-memory@Reports":  "info", // severity override from .fnops.yaml
		"owner-tag@Reports":                 "warning",
		"log-group-retention@AuditLogs":     "suppressed by checkov: audit logs are kept forever by policy",
		"unused-suppression@":               "warning", // the Legacy* entry matches nothing
		"function-explicit-memory@Orders":   "",
		"function-explicit-timeout@Orders":  "",
		"function-explicit-timeout@Reports": "",
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %q", key, got[key], want)
		}
	}
}

func TestAuditExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"default fails on errors", []string{"audit", auditApp}, ExitFindings, ""},
		{"fail-on none", []string{"audit", auditApp, "--fail-on", "none"}, ExitOK, ""},
		{"skip the only error by its checkov id", withPinned("audit", auditApp, "--skip-rule", "CKV_AWS_27"), ExitOK, ""},
		{"warnings fail at warning", withPinned("audit", auditApp, "--skip-rule", "CKV_AWS_27", "--fail-on", "warning"), ExitFindings, ""},
		{"only one rule", []string{"audit", auditApp, "--rule", "WS1000", "--fail-on", "warning"}, ExitFindings, ""},
		{"bad fail-on", []string{"audit", auditApp, "--fail-on", "fatal"}, ExitInput, "--fail-on"},
		{"bad format", []string{"audit", auditApp, "--format", "xml"}, ExitInput, "unknown --format"},
		{"unknown rule", []string{"audit", auditApp, "--rule", "no-such-rule"}, ExitInput, `unknown rule "no-such-rule"`},
		{"unknown config key", []string{"audit", "testdata/audit/badconfig"}, ExitInput, `.fnops.yaml:3: unknown key "disabel"`},
		{"bad CEL", []string{"audit", "testdata/audit/badcel"}, ExitInput, `.fnops.yaml:6:`},
		{"missing input", []string{"audit", "testdata/audit/nope", "--config", auditApp + "/.fnops.yaml"}, ExitInput, "nope"},
		{"bad param", []string{"audit", auditApp, "--param", "novalue"}, ExitInput, "--param"},
		{"condition false skips the resource", []string{"audit", "testdata/audit/cond", "--fail-on", "warning"}, ExitOK, ""},
		{"--param makes it true", []string{"audit", "testdata/audit/cond", "--fail-on", "warning", "--param", "Stage=prod"}, ExitFindings, ""},
		{"--include-disabled", []string{"audit", "testdata/audit/cond", "--fail-on", "warning", "--include-disabled"}, ExitFindings, ""},
		{"params from .fnops.yaml", []string{"audit", "testdata/audit/condcfg", "--fail-on", "warning"}, ExitFindings, ""},
		{"flags win over .fnops.yaml", []string{"audit", "testdata/audit/condcfg", "--fail-on", "warning", "--param", "Stage=dev"}, ExitOK, ""},
		{"--exclude", []string{"audit", "testdata/audit/condcfg", "--fail-on", "warning", "--exclude", "template.yaml"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.err) {
				t.Errorf("stderr %q lacks %q", stderr, tt.err)
			}
		})
	}
}

func TestAuditOutputAndBaseline(t *testing.T) {
	dir := t.TempDir()
	sarif := filepath.Join(dir, "out.sarif")
	out, _, code := runCLI(t, "audit", auditApp, "--output", sarif)
	if code != ExitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if data, err := os.ReadFile(sarif); err != nil || !bytes.Contains(data, []byte(`"fnops/v1"`)) {
		t.Fatalf("sarif file: %v", err)
	}

	base := filepath.Join(dir, "baseline.json")
	_, stderr, code := runCLI(t, "audit", auditApp, "--write-baseline", base)
	if code != ExitOK {
		t.Fatalf("write-baseline: exit %d\n%s", code, stderr)
	}
	out, _, code = runCLI(t, "audit", auditApp, "--baseline", base, "--fail-on", "info", "--format", "json")
	if code != ExitOK {
		t.Fatalf("with baseline: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, `"kind": "baseline"`) {
		t.Error("baselined findings are not marked")
	}
	// The baseline is keyed on paths relative to the app, so it holds
	// from inside the app directory too.
	wd, _ := os.Getwd()
	t.Chdir(auditApp)
	_, stderr, code = runCLI(t, "audit", "--baseline", base, "--fail-on", "info")
	t.Chdir(wd)
	if code != ExitOK {
		t.Errorf("baseline from the app directory: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(base, []byte(`{"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code = runCLI(t, "audit", auditApp, "--baseline", base); code != ExitInput || !strings.Contains(stderr, "version 2") {
		t.Errorf("bad baseline: exit %d, %s", code, stderr)
	}
}

// A template that cannot be read is reported with its line, the rest is
// still audited and reported, and the exit status is 2.
func TestAuditBrokenTemplate(t *testing.T) {
	out, stderr, code := runCLI(t, "audit", "testdata/audit/broken", "--format", "sarif")
	if code != ExitInput {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "testdata/audit/broken/bad.yaml:") {
		t.Errorf("stderr lacks the broken file's position:\n%s", stderr)
	}
	if !strings.Contains(out, `"ruleId": "sqs-sse"`) || !strings.Contains(out, `"executionSuccessful": false`) {
		t.Errorf("SARIF lacks the good template's finding or the failed invocation:\n%s", out)
	}
}

func TestAuditDeterministic(t *testing.T) {
	a, _, _ := runCLI(t, "audit", auditApp, "--format", "sarif")
	b, _, _ := runCLI(t, "audit", auditApp, "--format", "sarif")
	if a != b {
		t.Error("two runs differ")
	}
}
