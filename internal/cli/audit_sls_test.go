package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestAuditServerlessTwin audits a small Serverless Framework service and
// its SAM twin (testdata/twin): the rules must fire the same way on the
// same kinds of resources, and the serverless findings must point into
// serverless.yml.
func TestAuditServerlessTwin(t *testing.T) {
	findings := func(dir string) ([]string, []string) {
		t.Helper()
		out, stderr, code := runCLI(t, "audit", dir, "--format", "json")
		if code != 0 && code != 1 {
			t.Fatalf("%s: exit %d: %s", dir, code, stderr)
		}
		var a struct {
			Findings []struct{ Rule, Resource, File string }
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("%s: %v\n%s", dir, err, out)
		}
		gout, _, _ := runCLI(t, "graph", dir, "--format", "json")
		var g struct{ Resources []struct{ ID, Kind string } }
		if err := json.Unmarshal([]byte(gout), &g); err != nil {
			t.Fatal(err)
		}
		kind := map[string]string{}
		for _, r := range g.Resources {
			kind[r.ID] = r.Kind
		}
		var got, files []string
		for _, f := range a.Findings {
			got = append(got, f.Rule+" on "+kind[f.Resource])
			files = append(files, f.File)
		}
		slices.Sort(got)
		return got, files
	}
	sls, files := findings("testdata/twin/sls")
	sam, _ := findings("testdata/twin/sam")
	if len(sam) < 4 {
		t.Fatalf("the SAM twin should have at least four findings, got %v", sam)
	}
	// The framework gives every function one shared role where SAM makes
	// one per function: a real difference of the two stacks.
	sam = append(sam, "role-shared on role")
	slices.Sort(sam)
	if !slices.Equal(sls, sam) {
		t.Errorf("findings differ:\n serverless: %v\n SAM:        %v", sls, sam)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, "serverless.yml") {
			t.Errorf("finding in %q, want serverless.yml", f)
		}
	}
}

// TestAuditServerlessExample checks that the audit finds exactly the seven
// mistakes examples/orders-sls/README.md documents, at lines in its files.
func TestAuditServerlessExample(t *testing.T) {
	out, stderr, code := runCLI(t, "audit", "../../examples/orders-sls", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings): %s", code, stderr)
	}
	var a struct {
		Findings []struct {
			Rule, Resource, File string
			Line                 int
		}
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range a.Findings {
		got = append(got, f.Rule+" "+f.Resource)
		if f.Line == 0 || !strings.Contains(f.File, "orders-sls/") {
			t.Errorf("%s %s: position %s:%d is not a line of the example", f.Rule, f.Resource, f.File, f.Line)
		}
	}
	slices.Sort(got)
	want := []string{
		"api-timeout ExportOrdersLambdaFunction",
		"async-failure-destination NotifyCustomerLambdaFunction",
		"async-failure-destination RenderInvoiceLambdaFunction",
		"event-loop RenderInvoiceLambdaFunction",
		"role-shared IamRoleLambdaExecution",
		"sqs-visibility-timeout ChargesQueue",
		"stream-failure-handling OrderEventsLambdaFunction",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got  %v\n want %v", got, want)
	}
}
