package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// catalogIDs are the rules of the catalog families (runtime, lambda_config,
// invoke, iam, logs_function, secrets, flow_poll).
func catalogIDs() []string {
	var out []string
	for _, r := range rules.Builtin().Rules() {
		if strings.Contains(r.ID, "-") && !slices.Contains(flowIDs, r.ID) && !slices.Contains(baseIDs, r.ID) {
			out = append(out, r.ID)
		}
	}
	return out
}

// baseIDs are the rules that existed before the catalog families.
var baseIDs = []string{
	rules.InternalErrorID, rules.UnusedSuppressionID, rules.SuppressionReasonID,
	"function-explicit-memory", "function-explicit-timeout", "function-tracing", "log-group-retention", "sqs-sse",
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

// TestCatalogShop holds examples/shop to its README for the catalog
// rules, opt-in ones included: the only finding is that two functions run
// on nodejs22.x, which AWS deprecates on 2027-04-30, within 180 days of
// the fixed audit date, and the planted alarms topic encrypted with
// alias/aws/sns, to which CloudWatch cannot publish. Nothing else is a
// mistake.
func TestCatalogShop(t *testing.T) {
	reg := rules.Builtin()
	run, err := reg.Select(rules.Selection{Only: catalogIDs()})
	if err != nil {
		t.Fatal(err)
	}
	g := iac.Load([]string{filepath.Join("..", "..", "examples", "shop")}, iac.Options{})
	var got []string
	for _, f := range (&rules.Engine{Registry: reg, Rules: run, Now: fixtureDate}).Run(g) {
		r := reg.Get(f.Rule)
		if f.Suppressed != nil || r == nil || r.OptIn {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Resource, filepath.Base(f.Pos.File), f.Pos.Line))
	}
	slices.Sort(got)
	want := []string{
		"runtime-deprecating-soon NotifyCustomerFunction template.yaml:325",
		"runtime-deprecating-soon ProcessUploadFunction template.yaml:394",
		"sns-managed-key-service-publisher Monitoring/AlarmsTopic template.yaml:27",
	}
	if !slices.Equal(got, want) {
		t.Errorf("catalog findings on examples/shop:\ngot  %q\nwant %q", got, want)
	}
	// A year earlier nodejs22.x is far from its date: only the alarms topic.
	early := func() time.Time { return time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) }
	for _, f := range (&rules.Engine{Registry: reg, Rules: run, Now: early}).Run(g) {
		if r := reg.Get(f.Rule); f.Suppressed == nil && r != nil && !r.OptIn && f.Rule != "sns-managed-key-service-publisher" {
			t.Errorf("on 2025-12-01: %s %s: %s", f.Rule, f.Resource, f.Message)
		}
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
			for b.Loop() {
				if fs := e.Run(g); len(fs) == 0 {
					b.Fatal("no findings")
				}
			}
			b.ReportMetric(float64(len(g.Resources)), "resources")
		})
	}
}
