package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRulesList(t *testing.T) {
	out, stderr, code := runCLI(t, "rules")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, id := range []string{"function-tracing", "sqs-sse", "unused-suppression"} {
		if !strings.Contains(out, id) {
			t.Errorf("list lacks %s", id)
		}
	}
}

func TestRulesJSON(t *testing.T) {
	out, _, code := runCLI(t, "rules", "--format", "json")
	if code != ExitOK {
		t.Fatal(code)
	}
	var doc struct {
		Version int
		Rules   []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || len(doc.Rules) < 5 {
		t.Fatalf("%d rules", len(doc.Rules))
	}
	for _, r := range doc.Rules {
		for _, k := range []string{"id", "title", "severity", "category", "description", "remediation", "aliases"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%v lacks %s", r["id"], k)
			}
		}
	}
}

func TestRulesExplain(t *testing.T) {
	out, _, code := runCLI(t, "rules", "CKV_AWS_66")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"log-group-retention: Log group keeps logs forever", "checkov:CKV_AWS_66", "Flagged:", "Fixed:", "RetentionInDays: 30"} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	if _, stderr, code := runCLI(t, "rules", "nope"); code != ExitInput || !strings.Contains(stderr, "unknown rule") {
		t.Errorf("unknown rule: exit %d %s", code, stderr)
	}
	// Custom rules of a config file are listed and explained too.
	out, _, _ = runCLI(t, "rules", "owner-tag", "--config", auditApp+"/.fnops.yaml")
	if !strings.Contains(out, "owner-tag: Every function names its owner") {
		t.Errorf("custom rule:\n%s", out)
	}
}
