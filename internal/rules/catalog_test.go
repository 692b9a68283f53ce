package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/iac/cfn"
	"github.com/fnops/fnops/internal/iac/corpus"
	"github.com/fnops/fnops/internal/iac/sam"
	"github.com/fnops/fnops/internal/rules"
)

// everyRule is a selection of every built-in rule, opt-in ones included.
func everyRule(t testing.TB, reg *rules.Registry) []*rules.Rule {
	t.Helper()
	rs, err := reg.Select(rules.Selection{Only: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// repoTemplates lists every template in the repository's test data and
// examples.
func repoTemplates(t testing.TB) []string {
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
	return files
}

// TestEveryRuleNeverFails runs every rule, opt-in ones included, over
// every template of the repository (broken, odd and fuzz seeds included):
// none may fail.
func TestEveryRuleNeverFails(t *testing.T) {
	reg := rules.Builtin()
	all := everyRule(t, reg)
	for _, file := range repoTemplates(t) {
		g := iac.Load([]string{file}, iac.Options{})
		for _, f := range (&rules.Engine{Registry: reg, Rules: all, Now: fixtureDate}).Run(g) {
			if f.Rule == rules.InternalErrorID {
				t.Errorf("%s: %s", file, f.Message)
			}
		}
	}
}

// oddValues are shapes a rule may meet where it expects something else.
func oddValues(p app.Pos) []*app.Node {
	ref := &app.Node{Kind: app.MapNode, Keys: []string{"Ref"}, Values: []*app.Node{app.Str("Param", p)}, Pos: p}
	sub := &app.Node{Kind: app.MapNode, Keys: []string{"Fn::Sub"}, Values: []*app.Node{app.NewList(p, app.Str("${X}", p))}, Pos: p}
	join := &app.Node{Kind: app.MapNode, Keys: []string{"Fn::Join"}, Values: []*app.Node{app.Str("oops", p)}, Pos: p}
	getatt := &app.Node{Kind: app.MapNode, Keys: []string{"Fn::GetAtt"}, Values: []*app.Node{app.NewList(p)}, Pos: p}
	m := app.NewMap(p)
	m.Set("Statement", app.Str("*", p))
	m.Set("Variables", app.NewList(p, app.Str("A", p)))
	m.Set("AllowOrigins", app.Str("*", p))
	return []*app.Node{
		nil, {Kind: app.NullNode, Pos: p}, app.Str("", p), app.Str("*", p), app.Int(-1, p), app.Bool(true, p),
		app.NewList(p), app.NewList(p, ref, app.Int(3, p), app.NewList(p)), app.NewMap(p), m, ref, sub, join, getatt,
	}
}

// TestEveryRuleOnOddShapes builds graphs whose every attribute and
// property rules read holds, in turn, each odd shape (a list where a map
// is expected, an intrinsic where a literal is, null, numbers for text),
// and runs every rule over them: none may fail.
func TestEveryRuleOnOddShapes(t *testing.T) {
	p := app.Pos{File: "odd.yaml", Line: 1, Col: 1}
	kinds := []app.Kind{app.KindFunction, app.KindPermission, app.KindURL, app.KindRole, app.KindPolicy,
		app.KindLogGroup, app.KindSecret, app.KindParameter, app.KindEventSourceMapping, app.KindQueue,
		app.KindTable, app.KindStream, app.KindBucket, app.KindEventInvokeConfig, app.KindOther}
	types := map[app.Kind]string{app.KindPolicy: "AWS::IAM::Policy", app.KindOther: "Custom::LogRetention"}
	attrs := []string{app.AttrRuntime, app.AttrPackageType, app.AttrLogGroupName, app.AttrLogFormat, app.AttrEnvironment,
		app.AttrKMSKey, app.AttrInVPC, app.AttrArchitecture, app.AttrReservedConcurrency, app.AttrPrincipal,
		app.AttrSourceArn, app.AttrSourceAccount, app.AttrAction, app.AttrFunction, app.AttrURLAuth, app.AttrSource,
		app.AttrSourceType, app.AttrAsyncMaxEventAge, app.AttrAsyncMaxRetries, app.AttrTimeout,
		"managed_policies", "assume_role_policy"}
	props := []string{"Tags", "Environment", "Role", "Cors", "FunctionName", "SourceArn", "LogGroupName",
		"SecretId", "Value", "Name", "Policies", "ManagedPolicyArns", "AssumeRolePolicyDocument", "MasterUserPassword"}
	reg := rules.Builtin()
	all := everyRule(t, reg)
	for i, odd := range oddValues(p) {
		g := app.New()
		for j, k := range kinds {
			r := &app.Resource{ID: fmt.Sprintf("R%d", j), Kind: k, Type: types[k], Pos: p, Props: app.NewMap(p),
				Implicit: j%2 == 0, Stack: map[bool]string{true: "Nested"}[j%3 == 0]}
			for _, a := range attrs {
				r.SetAttr(a, odd.Clone())
			}
			for _, pr := range props {
				r.Props.Set(pr, odd.Clone())
			}
			r.Tags = map[string]string{"lambda:createdBy": "SAM"}
			r.Statements = []app.Statement{
				{Effect: "Allow", Actions: []string{"*", "iam:PassRole", "s3:*", "", ":"}, Resources: []*app.Node{odd.Clone(), nil}, Pos: p, Policy: "R0"},
				{Effect: "Allow", NotActions: []string{"iam:*"}, NotResources: []*app.Node{odd.Clone()}, Pos: p, Policy: "Missing"},
				{Effect: "Deny", Condition: odd.Clone()},
			}
			g.Add(r)
		}
		for j := range kinds {
			for _, kind := range []app.EdgeKind{app.UsesRole, app.Triggers, app.Writes} {
				g.Connect(app.Edge{From: fmt.Sprintf("R%d", j), To: fmt.Sprintf("R%d", (j+3)%len(kinds)), Kind: kind})
				g.Connect(app.Edge{From: fmt.Sprintf("R%d", j), To: "Ghost", Kind: kind})
			}
		}
		g.Sort()
		for _, f := range (&rules.Engine{Registry: reg, Rules: all, Now: fixtureDate}).Run(g) {
			if f.Rule == rules.InternalErrorID {
				t.Errorf("odd value %d (%v): %s", i, odd.Plain(), f.Message)
			}
		}
	}
}

// FuzzEveryRule parses, transforms and adapts arbitrary templates seeded
// from the rules' fixtures and runs every rule over the model: no rule may
// fail, whatever the shape.
func FuzzEveryRule(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	reg := rules.Builtin()
	all := everyRule(f, reg)
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := cfn.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if sam.Applies(tpl) {
			sam.Transform(tpl)
		}
		g := cfn.Adapt(tpl, cfn.Options{})
		for _, f := range (&rules.Engine{Registry: reg, Rules: all, Now: fixtureDate, ReadFile: func(string) ([]byte, error) { return data, nil }}).Run(g) {
			if f.Rule == rules.InternalErrorID {
				t.Fatalf("%s", f.Message)
			}
		}
	})
}

// catalogIDs are the rules of this catalog's families: runtime.go,
// lambda_config.go, invoke.go, iam.go, logs_function.go, secrets.go and
// flow_poll.go.
func catalogIDs() []string {
	return []string{
		"runtime-deprecated", "runtime-deprecating-soon",
		"function-reserved-concurrency", "function-in-vpc", "function-tags", "function-env-kms",
		"function-structured-logging", "function-arm64",
		"permission-public", "permission-source-scope", "permission-action", "permission-api-wide",
		"permission-mixed-principals", "function-url-auth", "function-url-cors",
		"iam-admin-access", "iam-wildcard-action", "iam-passrole-wildcard", "iam-allow-not", "iam-aws-managed-policy",
		"iam-privilege-escalation", "iam-credentials-exposure", "iam-permissions-management", "iam-data-exfiltration",
		"iam-unconstrained-write", "iam-wildcard-resource", "role-trust-public", "role-trust-account",
		"role-trust-external-id", "role-shared",
		"function-log-retention", "log-group-kms",
		"function-env-secrets", "secret-literal-property", "secret-pattern", "ssm-parameter-secret", "secret-kms",
		"secret-rotation",
		"async-event-age", "event-source-permission",
	}
}

// baseIDs are the rules that existed before the catalog families.
var baseIDs = []string{
	rules.InternalErrorID, rules.UnusedSuppressionID, rules.SuppressionReasonID,
	"function-explicit-memory", "function-explicit-timeout", "function-tracing", "log-group-retention", "sqs-sse",
}

// TestCatalogIDsRegistered keeps catalogIDs in step with the registry.
func TestCatalogIDsRegistered(t *testing.T) {
	reg := rules.Builtin()
	for _, id := range catalogIDs() {
		if reg.Get(id) == nil {
			t.Errorf("%s is not registered", id)
		}
	}
}

// TestCatalogSnippets checks the Fail and Pass snippets that `fnops rules
// ID` and docs/rules.md show for the catalog rules: Fail is flagged by
// its rule, Pass is not.
func TestCatalogSnippets(t *testing.T) {
	reg := rules.Builtin()
	ids := catalogIDs()
	if len(ids) < 40 {
		t.Fatalf("only %d catalog rules", len(ids))
	}
	for _, id := range ids {
		r := reg.Get(id)
		run, err := reg.Select(rules.Selection{Enable: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, src string
			fail      bool
		}{{"fail", r.Fail, true}, {"pass", r.Pass, false}} {
			t.Run(id+"/"+c.name, func(t *testing.T) {
				if c.src == "" {
					t.Fatal("no snippet")
				}
				path := filepath.Join(t.TempDir(), "template.yaml")
				if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
					t.Fatal(err)
				}
				g := iac.Load([]string{path}, iac.Options{})
				for _, d := range g.Diags {
					if d.Severity == app.SevError {
						t.Fatalf("load: %v", d)
					}
				}
				n := 0
				for _, f := range (&rules.Engine{Registry: reg, Rules: run, Now: fixtureDate}).Run(g) {
					if f.Rule == id && f.Suppressed == nil {
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
}

// TestShopAudit holds examples/shop to its README: every default rule
// together, as `fnops audit examples/shop` runs them, reports exactly the
// planted mistakes, plus the two functions on nodejs22.x, which AWS
// deprecates on 2027-04-30, within 180 days of the fixed audit date.
func TestShopAudit(t *testing.T) {
	reg := rules.Builtin()
	run, err := reg.Select(rules.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	g := iac.Load([]string{filepath.Join("..", "..", "examples", "shop")}, iac.Options{})
	audit := func(now func() time.Time) []string {
		var got []string
		for _, f := range (&rules.Engine{Registry: reg, Rules: run, Now: now}).Run(g) {
			if f.Suppressed == nil {
				got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Resource, filepath.Base(f.Pos.File), f.Pos.Line))
			}
		}
		slices.Sort(got)
		return got
	}
	planted := []string{
		"api-timeout CreateOrderFunction template.yaml:127",
		"async-failure-destination ShipmentUpdateFunction template.yaml:479",
		"batch-item-failures StockUpdateFunction template.yaml:363",
		"dlq-retention NotificationsDLQ template.yaml:297",
		"event-loop ProcessUploadFunction template.yaml:404",
		"sns-managed-key-service-publisher Monitoring/AlarmsTopic template.yaml:27",
		"sqs-max-receive-count NotificationsQueue template.yaml:290",
		"sqs-redrive-missing StockUpdatesQueue template.yaml:343",
		"sqs-visibility-timeout FulfilmentQueue template.yaml:269",
		"stream-failure-handling OrderStreamFunction template.yaml:212",
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(planted),
		"runtime-deprecating-soon NotifyCustomerFunction template.yaml:325",
		"runtime-deprecating-soon ProcessUploadFunction template.yaml:394")))
	if got := audit(fixtureDate); !slices.Equal(got, want) {
		t.Errorf("findings on examples/shop at %s:\ngot  %q\nwant %q", fixtureDate().Format(time.DateOnly), got, want)
	}
	// A year earlier nodejs22.x is far from its date: the planted mistakes only.
	early := func() time.Time { return time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) }
	if got := audit(early); !slices.Equal(got, planted) {
		t.Errorf("findings on examples/shop on 2025-12-01:\ngot  %q\nwant %q", got, planted)
	}
}

// BenchmarkRulesOnCorpus times rule evaluation alone (loading excluded)
// over the 600 generated SAM templates of the audit speed target: the
// rules that came before the catalog, every default rule, and every rule
// opt-in ones included.
func BenchmarkRulesOnCorpus(b *testing.B) {
	dir := b.TempDir()
	if _, err := corpus.Generate(dir, 600, 1); err != nil {
		b.Fatal(err)
	}
	g := iac.Load([]string{dir}, iac.Options{})
	reg := rules.Builtin()
	def, err := reg.Select(rules.Selection{})
	if err != nil {
		b.Fatal(err)
	}
	var base []*rules.Rule // the rules before the catalog families
	for _, r := range def {
		if slices.Contains(baseIDs, r.ID) || slices.Contains(flowIDs, r.ID) {
			base = append(base, r)
		}
	}
	for _, sel := range []struct {
		name string
		rs   []*rules.Rule
	}{{"base", base}, {"default", def}, {"all", everyRule(b, reg)}} {
		b.Run(fmt.Sprintf("rules=%s/%d", sel.name, len(sel.rs)), func(b *testing.B) {
			e := &rules.Engine{Registry: reg, Rules: sel.rs, Now: fixtureDate}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if fs := e.Run(g); len(fs) == 0 {
					b.Fatal("no findings")
				}
			}
			b.ReportMetric(float64(len(g.Resources)), "resources")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// TestCatalogPassesTogether loads every catalog rule's pass fixtures as one
// directory, as `fnops audit DIR` does with several templates (ids then
// carry the file: "t.yaml#Queue"), and checks that no rule flags its own
// pass fixtures there either.
func TestCatalogPassesTogether(t *testing.T) {
	dir := t.TempDir()
	owner := map[string]string{} // file name → rule
	for _, id := range catalogIDs() {
		files, _ := filepath.Glob(filepath.Join("testdata", id, "pass_*"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := id + "-" + filepath.Base(f)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			owner[name] = id
		}
	}
	if len(owner) < 60 {
		t.Fatalf("only %d pass fixtures", len(owner))
	}
	reg := rules.Builtin()
	g := iac.Load([]string{dir}, iac.Options{})
	for _, f := range (&rules.Engine{Registry: reg, Rules: everyRule(t, reg), Now: fixtureDate}).Run(g) {
		if f.Suppressed == nil && owner[filepath.Base(f.Pos.File)] == f.Rule {
			t.Errorf("%s: %s flags its own pass fixture: %s", filepath.Base(f.Pos.File), f.Rule, f.Message)
		}
	}
}
