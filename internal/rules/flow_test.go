package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/rules"
)

// flowIDs are the cross-resource rules of flow*.go.
var flowIDs = []string{
	"event-loop", "sqs-visibility-timeout", "sqs-max-receive-count", "sqs-redrive-missing",
	"dlq-retention", "async-failure-destination", "stream-failure-handling", "esm-concurrency",
	"api-timeout", "batch-item-failures", "downstream-capacity", "stepfunctions-task-timeout",
	"destination-permission", "unused-grant",
}

// audit loads paths and returns the unsuppressed findings of the flow
// rules, as `fnops audit` would report them.
func audit(t *testing.T, paths ...string) []rules.Finding {
	t.Helper()
	g := iac.Load(paths, iac.Options{})
	for _, d := range g.Diags {
		if d.Severity == app.SevError {
			t.Fatalf("load: %v", d)
		}
	}
	e := &rules.Engine{Registry: rules.Builtin()}
	var out []rules.Finding
	for _, f := range e.Run(g) {
		if f.Rule == rules.InternalErrorID {
			t.Errorf("internal error: %s", f.Message)
		}
		if slices.Contains(flowIDs, f.Rule) && f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// TestFlowShop holds examples/shop to its README: the flow rules report
// exactly the planted mistakes, on the planted lines, and nothing else.
func TestFlowShop(t *testing.T) {
	want := []string{
		"api-timeout CreateOrderFunction template.yaml:127",
		"async-failure-destination ShipmentUpdateFunction template.yaml:479",
		"batch-item-failures StockUpdateFunction template.yaml:363",
		"dlq-retention NotificationsDLQ template.yaml:297",
		"event-loop ProcessUploadFunction template.yaml:404",
		"sqs-max-receive-count NotificationsQueue template.yaml:290",
		"sqs-redrive-missing StockUpdatesQueue template.yaml:343",
		"sqs-visibility-timeout FulfilmentQueue template.yaml:269",
		"stream-failure-handling OrderStreamFunction template.yaml:212",
	}
	var got []string
	for _, f := range audit(t, filepath.Join("..", "..", "examples", "shop")) {
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Resource, filepath.Base(f.Pos.File), f.Pos.Line))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("flow findings on examples/shop:\ngot  %q\nwant %q", got, want)
	}
}

// TestFlowMessages checks that messages carry the numbers and the
// resources involved.
func TestFlowMessages(t *testing.T) {
	byRule := map[string]rules.Finding{}
	for _, f := range audit(t, filepath.Join("..", "..", "examples", "shop")) {
		byRule[f.Rule] = f
	}
	cases := []struct {
		rule    string
		related []string
		says    []string
	}{
		{"sqs-visibility-timeout", []string{"FulfilmentFunction"}, []string{"visibility timeout 30 s is below 6 × the 60 s timeout of FulfilmentFunction (360 s)"}},
		{"event-loop", []string{"UploadsBucket"}, []string{"ProcessUploadFunction writes to UploadsBucket", "UploadsBucket triggers ProcessUploadFunction", "suffix .jpg"}},
		{"dlq-retention", []string{"NotificationsQueue"}, []string{"345600 s (4 days)"}},
		{"sqs-max-receive-count", []string{"NotifyCustomerFunction"}, []string{"maxReceiveCount is 1"}},
		{"api-timeout", []string{"ShopApi"}, []string{"60 s timeout", "HTTP API ShopApi", "30 s"}},
		{"async-failure-destination", []string{"ShipmentUpdateFunctionShipmentDispatched"}, []string{"after 2 retries"}},
		{"stream-failure-handling", []string{"OrdersTable"}, []string{"MaximumRetryAttempts -1 (the default)", "no on-failure destination"}},
		{"batch-item-failures", []string{"StockUpdatesQueue"}, []string{"batches of 10"}},
	}
	for _, c := range cases {
		f, ok := byRule[c.rule]
		if !ok {
			t.Errorf("%s: no finding", c.rule)
			continue
		}
		for _, r := range c.related {
			if !slices.Contains(f.Related, r) {
				t.Errorf("%s: related %v lacks %s", c.rule, f.Related, r)
			}
		}
		for _, s := range c.says {
			if !strings.Contains(f.Message, s) {
				t.Errorf("%s: message %q does not say %q", c.rule, f.Message, s)
			}
		}
	}
}

// TestFlowSeverities checks the rules whose findings come in two
// strengths.
func TestFlowSeverities(t *testing.T) {
	cases := []struct {
		file, rule string
		want       []app.Severity
	}{
		{"sqs-visibility-timeout/fail_doc.yaml", "sqs-visibility-timeout", []app.Severity{app.SevError}},
		{"sqs-visibility-timeout/fail_default_visibility.yaml", "sqs-visibility-timeout", []app.Severity{app.SevWarning}},
		{"event-loop/fail_recursive_loop_allow.yaml", "event-loop", []app.Severity{app.SevWarning}},
		{"event-loop/fail_multi_hop_dynamodb.yaml", "event-loop", []app.Severity{app.SevError}},
		{"event-loop/fail_recursive_loop_allow_in_loop.yaml", "event-loop", []app.Severity{app.SevError, app.SevError}},
		{"stepfunctions-task-timeout/fail_doc.yaml", "stepfunctions-task-timeout", []app.Severity{app.SevWarning}},
		{"stepfunctions-task-timeout/fail_no_timeout.yaml", "stepfunctions-task-timeout", []app.Severity{app.SevInfo}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var got []app.Severity
			for _, f := range audit(t, filepath.Join("testdata", c.file)) {
				if f.Rule == c.rule {
					got = append(got, f.Severity)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("severities %v, want %v", got, c.want)
			}
		})
	}
}

// TestFlowSeverityOverride checks that a configured severity moves both
// strengths of a two-level rule.
func TestFlowSeverityOverride(t *testing.T) {
	reg := rules.Builtin()
	if err := reg.SetSeverity("sqs-visibility-timeout", app.SevWarning); err != nil {
		t.Fatal(err)
	}
	g := iac.Load([]string{filepath.Join("testdata", "sqs-visibility-timeout", "fail_default_visibility.yaml")}, iac.Options{})
	for _, f := range (&rules.Engine{Registry: reg}).Run(g) {
		if f.Rule == "sqs-visibility-timeout" && f.Severity != app.SevInfo {
			t.Errorf("severity %v, want info (one below the configured warning)", f.Severity)
		}
	}
}

// TestFlowSnippets checks the Fail and Pass snippets `fnops rules ID` and
// docs/rules.md show: Fail must be flagged by its rule, Pass must not.
func TestFlowSnippets(t *testing.T) {
	for _, r := range rules.Builtin().Rules() {
		if !slices.Contains(flowIDs, r.ID) {
			continue
		}
		for _, c := range []struct {
			name, src string
			fail      bool
		}{{"fail", r.Fail, true}, {"pass", r.Pass, false}} {
			t.Run(r.ID+"/"+c.name, func(t *testing.T) {
				src := c.src
				if strings.Contains(src, "AWS::Serverless::") && !strings.Contains(src, "Transform:") {
					src = "Transform: AWS::Serverless-2016-10-31\n" + src
				}
				path := filepath.Join(t.TempDir(), "template.yaml")
				if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, f := range audit(t, path) {
					if f.Rule == r.ID {
						n++
					}
				}
				if c.fail && n == 0 {
					t.Errorf("Fail snippet is not flagged")
				}
				if !c.fail && n > 0 {
					t.Errorf("Pass snippet is flagged %d times", n)
				}
			})
		}
	}
	if len(flowIDs) != 14 {
		t.Errorf("%d flow rules listed, want 14", len(flowIDs))
	}
}

// TestFlowNeverFails runs the flow rules over every template in the
// repository's test data (odd shapes, unresolved intrinsics, broken
// references included) and checks that none of them fails.
func TestFlowNeverFails(t *testing.T) {
	var files []string
	for _, root := range []string{"../iac", "../cli/testdata", "../../examples", "testdata"} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".json", ".template":
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) < 50 {
		t.Fatalf("only %d templates found", len(files))
	}
	reg := rules.Builtin()
	for _, file := range files {
		g := iac.Load([]string{file}, iac.Options{})
		for _, f := range (&rules.Engine{Registry: reg}).Run(g) {
			if f.Rule != rules.InternalErrorID {
				continue
			}
			for _, id := range flowIDs {
				if strings.Contains(f.Message, "rule "+id+" ") {
					t.Errorf("%s: %s", file, f.Message)
				}
			}
		}
	}
}
