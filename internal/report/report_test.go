package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample is a report with every case a writer must handle: severities,
// several categories, related resources, characters to escape, a
// suppressed finding and a finding without a position.
func sample() *Report {
	reg := rules.Builtin()
	var rs []*rules.Rule
	for _, id := range []string{"function-tracing", "internal-error", "log-group-retention", "sqs-sse", "unused-suppression"} {
		rs = append(rs, reg.Get(id))
	}
	pos := func(file string, line, col int) app.Pos { return app.Pos{File: file, Line: line, Col: col} }
	fs := []rules.Finding{
		{Rule: "sqs-sse", Severity: app.SevError, Category: rules.CategorySecurity, Resource: "OrdersQueue",
			Pos: pos("api/template.yaml", 12, 7), Message: "queue orders stores messages unencrypted",
			Remediation: reg.Get("sqs-sse").Remediation},
		{Rule: "function-tracing", Severity: app.SevWarning, Category: rules.CategoryObservability, Resource: "api/template.yaml#Checkout",
			Related: []string{"OrdersQueue"}, Pos: pos("api/template.yaml", 30, 3),
			Message:     "function checkout does not use active X-Ray tracing | 100%, \"quoted\", <tag>, a:b",
			Remediation: "Set `Tracing: Active`."},
		{Rule: "log-group-retention", Severity: app.SevWarning, Category: rules.CategoryCost, Resource: "AuditLogs",
			Pos: pos("api/template.yaml", 40, 3), Message: "log group /audit has no retention period, so it keeps logs forever",
			Remediation: "Set `RetentionInDays`.",
			Suppressed:  &rules.Suppression{Kind: "comment", Tool: "checkov", Reason: "audit logs are kept by policy", Pos: pos("api/template.yaml", 41, 5)}},
		{Rule: "unused-suppression", Severity: app.SevInfo, Category: rules.CategoryOperations,
			Pos: pos(".fnops.yaml", 7, 0), Message: "suppression of sqs-sse (config) matches no finding",
			Remediation: "Delete the suppression."},
		{Rule: "internal-error", Severity: app.SevError, Category: rules.CategoryOperations,
			Message: "rule boom failed and was stopped: runtime error\nsecond line", Remediation: "Report a bug."},
	}
	rules.Sort(fs)
	diags := []app.Diag{{Pos: pos("broken/template.yaml", 3, 5), Severity: app.SevError, Message: "mapping values are not allowed here"}}
	return &Report{Tool: "fnops", Version: "1.0.0-test", Findings: fs, Rules: rs, Resources: 9, Diags: diags}
}

func TestGolden(t *testing.T) {
	for _, name := range Formats() {
		for _, color := range []bool{false, true} {
			if color && name != "text" {
				continue
			}
			file := name + ".golden"
			if color {
				file = name + "-color.golden"
			}
			t.Run(file, func(t *testing.T) {
				w, err := Get(name, Options{Color: color})
				if err != nil {
					t.Fatal(err)
				}
				var a, b bytes.Buffer
				if err := w.Write(&a, sample()); err != nil {
					t.Fatal(err)
				}
				if err := w.Write(&b, sample()); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Fatal("two renderings differ")
				}
				path := filepath.Join("testdata", "golden", file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if !bytes.Equal(a.Bytes(), want) {
					t.Errorf("output differs from %s (run with -update to accept):\n%s", path, a.String())
				}
			})
		}
	}
}

func TestEmptyReports(t *testing.T) {
	for _, name := range Formats() {
		w, _ := Get(name, Options{})
		var b bytes.Buffer
		if err := w.Write(&b, &Report{Tool: "fnops"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Get("yaml", Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestJSONContract(t *testing.T) {
	var b bytes.Buffer
	w, _ := Get("json", Options{})
	if err := w.Write(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version  int              `json:"version"`
		Findings []map[string]any `json:"findings"`
		Summary  map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || len(doc.Findings) != 5 {
		t.Fatalf("version %d, %d findings", doc.Version, len(doc.Findings))
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"rule", "severity", "category", "resource", "related", "file", "line", "column", "message", "remediation"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
	}
	if doc.Summary["suppressed"] != 1.0 || doc.Summary["error"] != 2.0 {
		t.Errorf("summary = %v", doc.Summary)
	}
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	schemaFile, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Report{"sample": sample(), "empty": {Tool: "fnops"}} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			w, _ := Get("sarif", Options{})
			if err := w.Write(&b, r); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("invalid SARIF: %v", err)
			}
		})
	}
	// The schema is really checked: a result without a message fails.
	bad := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"}]}]}`
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if schema.Validate(inst) == nil {
		t.Error("schema accepted a result without a message")
	}
}

func TestSARIFURIs(t *testing.T) {
	for in, want := range map[string]string{
		"api/template.yaml":     "api/template.yaml",
		`api\sub\t.yaml`:        "api/sub/t.yaml",
		"/abs/dir/t.yaml":       "file:///abs/dir/t.yaml",
		"dir with space/t.yaml": "dir%20with%20space/t.yaml",
	} {
		if filepath.Separator != '\\' && strings.Contains(in, `\`) {
			continue
		}
		if got := sarifURI(in); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
	}
}
