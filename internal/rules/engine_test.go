package rules

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

const tpl = "template.yaml"

// res builds a resource declared at line of template.yaml.
func res(id string, kind app.Kind, typ string, line int, attrs map[string]*app.Node) *app.Resource {
	r := &app.Resource{ID: id, Kind: kind, Type: typ, Pos: app.Pos{File: tpl, Line: line, Col: 3}, Attrs: attrs, Props: app.NewMap(app.Pos{})}
	return r
}

func graphOf(rs ...*app.Resource) *app.Graph {
	g := app.New()
	for _, r := range rs {
		g.Add(r)
	}
	g.Files = []string{tpl}
	return g
}

// at builds a written node at line.
func at(line int, n *app.Node) *app.Node {
	n.Pos = app.Pos{File: tpl, Line: line, Col: 7}
	return n
}

func def(n *app.Node) *app.Node { return n.AsDefault() }

// pinnedIDs are the rules the engine tests run, so that rules joining the
// catalog do not change what these tests see.
var pinnedIDs = []string{
	"function-explicit-memory", "function-explicit-timeout", "function-tracing", "log-group-retention",
	"sqs-sse", InternalErrorID, UnusedSuppressionID, SuppressionReasonID,
}

// pinnedEngine runs pinnedIDs of reg, reading sources with read.
func pinnedEngine(reg *Registry, read func(string) ([]byte, error)) *Engine {
	rs, err := reg.Select(Selection{Only: pinnedIDs})
	if err != nil {
		panic(err)
	}
	return &Engine{Registry: reg, Rules: rs, ReadFile: read}
}

func noFiles(string) ([]byte, error) { return nil, os.ErrNotExist }

func engineFor(t *testing.T, reg *Registry, src string) *Engine {
	t.Helper()
	return pinnedEngine(reg, func(name string) ([]byte, error) {
		if name == tpl {
			return []byte(src), nil
		}
		return nil, os.ErrNotExist
	})
}

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		s := f.Rule + "@" + f.Resource
		if f.Suppressed != nil {
			s += " (suppressed: " + f.Suppressed.Tool + " " + f.Suppressed.Kind + ": " + f.Suppressed.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}

func TestBuiltinRules(t *testing.T) {
	reg := Builtin()
	for _, r := range reg.Rules() {
		if r.Description == "" || r.Remediation == "" {
			t.Errorf("%s: description and remediation are required", r.ID)
		}
		if r.ID != InternalErrorID && (r.Fail == "" || r.Pass == "") {
			t.Errorf("%s: a failing and a fixed example are required", r.ID)
		}
	}
	// All returns fresh copies: changing one never changes the next.
	All()[0].Title = "changed"
	if All()[0].Title == "changed" {
		t.Error("All shares rule values between calls")
	}
}

func TestRegistryRejectsBadRules(t *testing.T) {
	ok := &Rule{ID: "x-y", Title: "t", Severity: app.SevInfo, Category: CategoryCost, Check: func(*Context) {}}
	bad := []*Rule{
		{ID: "Not_Kebab", Title: "t", Severity: app.SevInfo, Category: CategoryCost, Check: ok.Check},
		{ID: "no-check", Title: "t", Severity: app.SevInfo, Category: CategoryCost},
		{ID: "bad-alias", Title: "t", Severity: app.SevInfo, Category: CategoryCost, Check: ok.Check, Aliases: []string{"CKV_AWS_1"}},
		{ID: "bad-cat", Title: "t", Severity: app.SevInfo, Category: "misc", Check: ok.Check},
	}
	for _, r := range bad {
		if _, err := NewRegistry(r); err == nil {
			t.Errorf("%s: registered", r.ID)
		}
	}
	if _, err := NewRegistry(ok, ok); err == nil {
		t.Error("duplicate id registered")
	}
}

func TestSelect(t *testing.T) {
	reg := Builtin()
	names := func(rs []*Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		name string
		sel  Selection
		want []string
	}{
		{"by checkov alias", Selection{Only: []string{"CKV_AWS_27"}}, []string{"sqs-sse"}},
		{"by full alias", Selection{Only: []string{"serverless-rules:ES1005"}}, []string{"function-explicit-memory"}},
		{"by kics name", Selection{Only: []string{"kics:Lambda Functions Without X-Ray Tracing"}}, []string{"function-tracing"}},
		{"glob", Selection{Only: []string{"function-explicit-*"}}, []string{"function-explicit-memory", "function-explicit-timeout"}},
		{"skip", Selection{Only: []string{"function-explicit-*", "function-tracing"}, Skip: []string{"WS1000"}}, []string{"function-explicit-memory", "function-explicit-timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reg.Select(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(names(got), tt.want) {
				t.Errorf("got %v, want %v", names(got), tt.want)
			}
		})
	}
	if _, err := reg.Select(Selection{Skip: []string{"no-such-rule"}}); err == nil || !strings.Contains(err.Error(), "no-such-rule") {
		t.Errorf("unknown rule: err = %v", err)
	}
	all, _ := reg.Select(Selection{Disable: []string{"sqs-sse"}})
	for _, r := range all {
		if r.ID == "sqs-sse" {
			t.Error("disabled rule selected")
		}
	}
}

// TestRulesOnBuiltGraphs checks the built-in rules on graphs made in code,
// as the loaders build them (defaults marked as such).
func TestRulesOnBuiltGraphs(t *testing.T) {
	fnDefaults := func(extra map[string]*app.Node) map[string]*app.Node {
		m := map[string]*app.Node{
			app.AttrMemorySize: def(app.Int(128, app.Pos{})),
			app.AttrTimeout:    def(app.Int(3, app.Pos{})),
			app.AttrTracing:    def(app.Str("PassThrough", app.Pos{})),
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		rule string
		g    *app.Graph
		want int
	}{
		{"function-explicit-memory", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(nil))), 1},
		{"function-explicit-memory", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(map[string]*app.Node{app.AttrMemorySize: at(6, app.Int(512, app.Pos{}))}))), 0},
		{"function-explicit-memory", graphOf(res("Fn", app.KindFunction, "AWS::Serverless::Function", 3, fnDefaults(map[string]*app.Node{app.AttrMemorySize: at(6, app.Int(512, app.Pos{})).AsDerived()}))), 0},
		{"function-explicit-timeout", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(nil))), 1},
		{"function-explicit-timeout", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(map[string]*app.Node{app.AttrTimeout: at(6, app.Int(10, app.Pos{}))}))), 0},
		{"function-tracing", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(nil))), 1},
		{"function-tracing", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(map[string]*app.Node{app.AttrTracing: at(7, app.Str("Active", app.Pos{}))}))), 0},
		{"function-tracing", graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, fnDefaults(map[string]*app.Node{app.AttrTracing: at(7, &app.Node{Kind: app.MapNode, Keys: []string{"Ref"}, Values: []*app.Node{app.Str("Mode", app.Pos{})}})}))), 0},
		{"log-group-retention", graphOf(res("Logs", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil)), 1},
		{"log-group-retention", graphOf(res("Logs", app.KindLogGroup, "AWS::Logs::LogGroup", 3, map[string]*app.Node{app.AttrRetentionDays: at(6, app.Int(30, app.Pos{}))})), 0},
		{"sqs-sse", graphOf(res("Q", app.KindQueue, "AWS::SQS::Queue", 3, map[string]*app.Node{app.AttrSSE: at(6, app.Str("none", app.Pos{}))})), 1},
		{"sqs-sse", graphOf(res("Q", app.KindQueue, "AWS::SQS::Queue", 3, map[string]*app.Node{app.AttrSSE: def(app.Str("sqs-managed", app.Pos{}))})), 0},
		{"sqs-sse", graphOf(res("Q", app.KindQueue, "AWS::SQS::Queue", 3, nil)), 0},
	}
	reg := Builtin()
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.rule, i), func(t *testing.T) {
			rs, err := reg.Select(Selection{Only: []string{tt.rule}})
			if err != nil {
				t.Fatal(err)
			}
			e := &Engine{Registry: reg, Rules: rs, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
			got := e.Run(tt.g)
			if len(got) != tt.want {
				t.Fatalf("got %d findings %v, want %d", len(got), ids(got), tt.want)
			}
		})
	}
}

func TestFindingPointsAtWrittenValue(t *testing.T) {
	g := graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, map[string]*app.Node{
		app.AttrTracing: at(8, app.Str("PassThrough", app.Pos{})),
	}))
	reg := Builtin()
	rs, _ := reg.Select(Selection{Only: []string{"function-tracing"}})
	fs := (&Engine{Registry: reg, Rules: rs, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}).Run(g)
	if len(fs) != 1 || fs[0].Pos.Line != 8 || fs[0].Remediation == "" || fs[0].Category != CategoryObservability {
		t.Fatalf("findings = %+v", fs)
	}
}

func TestPanickingRuleBecomesFinding(t *testing.T) {
	boom := &Rule{ID: "boom", Title: "t", Severity: app.SevInfo, Category: CategoryCost, Check: func(c *Context) {
		c.Reportf(c.Graph.Resources[0], nil, "before the panic")
		var none []int
		_ = none[len(c.Graph.Resources)] // index out of range
	}}
	reg := Builtin()
	if err := reg.Add(boom); err != nil {
		t.Fatal(err)
	}
	rs, _ := reg.Select(Selection{Only: []string{"boom", "log-group-retention"}})
	g := graphOf(res("Logs", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil))
	fs := (&Engine{Registry: reg, Rules: rs, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}).Run(g)
	got := ids(fs)
	want := []string{"internal-error@", "boom@Logs", "log-group-retention@Logs"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if !strings.Contains(fs[0].Message, "rule boom failed") || fs[0].Severity != app.SevError {
		t.Errorf("internal error = %+v", fs[0])
	}
}

func TestDisabledResourcesSkipped(t *testing.T) {
	off := res("Logs", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil)
	off.Condition, off.Disabled = "IsProd", true
	g := graphOf(off)
	reg := Builtin()
	e := pinnedEngine(reg, noFiles)
	if fs := e.Run(g); len(fs) != 0 {
		t.Errorf("disabled resource audited: %v", ids(fs))
	}
	e.IncludeDisabled = true
	if fs := e.Run(g); len(fs) != 1 {
		t.Errorf("IncludeDisabled: %v", ids(fs))
	}
}

func TestDeterministicOrderAndFingerprints(t *testing.T) {
	mk := func() *app.Graph {
		a := res("B", app.KindLogGroup, "AWS::Logs::LogGroup", 9, nil)
		b := res("A", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil)
		c := res("C", app.KindQueue, "AWS::SQS::Queue", 3, map[string]*app.Node{app.AttrSSE: at(3, app.Str("none", app.Pos{}))})
		c.Pos.File = "a.yaml"
		c.Attrs[app.AttrSSE].Pos.File = "a.yaml"
		return graphOf(a, b, c)
	}
	reg := Builtin()
	e := pinnedEngine(reg, noFiles)
	first, second := e.Run(mk()), e.Run(mk())
	if !reflect.DeepEqual(first, second) {
		t.Fatal("two runs differ")
	}
	want := []string{"log-group-retention@A", "log-group-retention@B", "sqs-sse@C"}
	// a.yaml sorts before template.yaml.
	want = []string{want[2], want[0], want[1]}
	if got := ids(first); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	// Moving a resource down does not change its fingerprint.
	moved := mk()
	moved.Resource("A").Pos.Line = 40
	for _, f := range e.Run(moved) {
		if f.Resource == "A" && f.Fingerprint != first[1].Fingerprint {
			t.Error("fingerprint depends on the line")
		}
	}
}

func TestCommentSuppressions(t *testing.T) {
	src := `Resources:
  # fnops:ignore log-group-retention -- kept by the org-wide export
  Above:
    Type: AWS::Logs::LogGroup
  Inside:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: x # fnops:ignore log-group-retention,function-tracing -- two at once
  Checkov:
    #checkov:skip=CKV_AWS_66:shipped to S3 nightly
    Type: AWS::Logs::LogGroup
  # kics-scan ignore-line
  Kics:
    Type: AWS::SQS::Queue
  Stale:
    # fnops:ignore sqs-sse -- nothing to suppress here
    Type: AWS::Logs::LogGroup
  # fnops:ignore no-such-rule
  Unknown:
    Type: AWS::Logs::LogGroup
  Plain:
    Type: AWS::Logs::LogGroup
`
	g := graphOf(
		res("Above", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil),
		res("Inside", app.KindLogGroup, "AWS::Logs::LogGroup", 5, nil),
		res("Checkov", app.KindLogGroup, "AWS::Logs::LogGroup", 9, nil),
		res("Kics", app.KindQueue, "AWS::SQS::Queue", 13, map[string]*app.Node{app.AttrSSE: app.Str("none", app.Pos{})}),
		res("Stale", app.KindLogGroup, "AWS::Logs::LogGroup", 15, nil),
		res("Unknown", app.KindLogGroup, "AWS::Logs::LogGroup", 19, nil),
		res("Plain", app.KindLogGroup, "AWS::Logs::LogGroup", 21, nil),
	)
	fs := engineFor(t, Builtin(), src).Run(g)
	want := []string{
		"log-group-retention@Above (suppressed: fnops comment: kept by the org-wide export)",
		"log-group-retention@Inside (suppressed: fnops comment: two at once)",
		"log-group-retention@Checkov (suppressed: checkov comment: shipped to S3 nightly)",
		"sqs-sse@Kics (suppressed: kics comment: kics-scan ignore-line)",
		"log-group-retention@Stale",
		"unused-suppression@Stale",
		"suppression-reason@Unknown",
		"unused-suppression@Unknown",
		"log-group-retention@Unknown",
		"log-group-retention@Plain",
	}
	if got := ids(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, f := range fs {
		if f.Rule == UnusedSuppressionID && f.Resource == "Unknown" && !strings.Contains(f.Message, `unknown rule "no-such-rule"`) {
			t.Errorf("unknown-rule message: %s", f.Message)
		}
	}
}

func TestKicsIgnoreBlockAndLineScope(t *testing.T) {
	src := `Resources:
  # kics-scan ignore-block
  Q:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: false
Globals:
  Function:
    # fnops:ignore function-tracing -- traced by OpenTelemetry
    Tracing: PassThrough
`
	q := res("Q", app.KindQueue, "AWS::SQS::Queue", 3, map[string]*app.Node{app.AttrSSE: at(6, app.Str("none", app.Pos{}))})
	fn := res("Fn", app.KindFunction, "AWS::Serverless::Function", 30, map[string]*app.Node{
		app.AttrTracing:    at(10, app.Str("PassThrough", app.Pos{})).AsDerived(),
		app.AttrMemorySize: at(11, app.Int(256, app.Pos{})),
		app.AttrTimeout:    at(12, app.Int(3, app.Pos{})),
	})
	fn.Pos.File = "other.yaml"
	fs := engineFor(t, Builtin(), src).Run(graphOf(q, fn))
	want := []string{
		"sqs-sse@Q (suppressed: kics comment: kics-scan ignore-block)",
		"function-tracing@Fn (suppressed: fnops comment: traced by OpenTelemetry)",
	}
	if got := ids(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestDirectiveWords(t *testing.T) {
	lines := []string{
		"# fnops:ignore a -- x",
		"# fnops:ignored a",
		"x: 1 # fnops:ignore",
		"y: 2 #fnops:ignore b",
		`z: "a#fnops:ignore c"`,
		"#checkov:skip=CKV_AWS_1:why",
		"# kics-scan ignore-line",
	}
	var got []int
	for _, c := range directives(lines) {
		got = append(got, c.line)
	}
	if want := []int{1, 3, 4, 6, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("directive lines = %v, want %v", got, want)
	}
}

func TestKicsIgnoreFile(t *testing.T) {
	src := "# kics-scan ignore\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
	q := res("Q", app.KindQueue, "AWS::SQS::Queue", 3, map[string]*app.Node{app.AttrSSE: app.Str("none", app.Pos{})})
	lg := res("L", app.KindLogGroup, "AWS::Logs::LogGroup", 9, nil)
	got := ids(engineFor(t, Builtin(), src).Run(graphOf(q, lg)))
	want := []string{"sqs-sse@Q (suppressed: kics comment: kics-scan ignore)", "log-group-retention@L"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (only rules with a kics alias are silenced)", got, want)
	}
}

func TestJSONTemplatesHaveNoComments(t *testing.T) {
	src := `{"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "a # fnops:ignore log-group-retention"}}}}`
	lg := res("Logs", app.KindLogGroup, "AWS::Logs::LogGroup", 1, nil)
	lg.Pos.File = "t.json"
	e := pinnedEngine(Builtin(), func(string) ([]byte, error) { return []byte(src), nil })
	if fs := e.Run(graphOf(lg)); len(fs) != 1 || fs[0].Suppressed != nil {
		t.Errorf("got %v", ids(fs))
	}
}

// meta builds a Metadata node from plain values.
func meta(v any) *app.Node {
	switch v := v.(type) {
	case string:
		return app.Str(v, app.Pos{File: tpl, Line: 50})
	case []any:
		l := app.NewList(app.Pos{File: tpl, Line: 50})
		for _, it := range v {
			l.List = append(l.List, meta(it))
		}
		return l
	case map[string]any:
		m := app.NewMap(app.Pos{File: tpl, Line: 50})
		for _, k := range sortedKeys(v) {
			m.Set(k, meta(v[k]))
		}
		return m
	}
	panic(fmt.Sprintf("meta: %T", v))
}

func TestMetadataSuppressions(t *testing.T) {
	withMeta := func(id string, kind app.Kind, md map[string]any, attrs map[string]*app.Node) *app.Resource {
		r := res(id, kind, "", 3, attrs)
		r.Metadata = meta(md)
		return r
	}
	none := map[string]*app.Node{app.AttrSSE: app.Str("none", app.Pos{})}
	g := graphOf(
		withMeta("Fnops", app.KindLogGroup, map[string]any{"fnops": map[string]any{"ignore": []any{map[string]any{"rule": "log-group-retention", "reason": "exported"}}}}, nil),
		withMeta("FnopsBare", app.KindLogGroup, map[string]any{"fnops": map[string]any{"ignore": []any{"log-group-retention"}}}, nil),
		withMeta("Checkov", app.KindLogGroup, map[string]any{"checkov": map[string]any{"skip": []any{map[string]any{"id": "CKV_AWS_66", "comment": "exported"}}}}, nil),
		withMeta("CfnLint", app.KindQueue, map[string]any{"cfn-lint": map[string]any{"config": map[string]any{"ignore_checks": []any{"E"}}}}, none),
		withMeta("CdkNag", app.KindQueue, map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{map[string]any{"id": "AwsSolutions-SQS2", "reason": "test queue"}}}}, none),
		withMeta("Guard", app.KindQueue, map[string]any{"guard": map[string]any{"SuppressedRules": []any{"SQS_NOT_A_MATCH"}}}, none),
	)
	fs := pinnedEngine(Builtin(), noFiles).Run(g)
	got := strings.Join(ids(fs), "\n")
	for _, w := range []string{
		"log-group-retention@Fnops (suppressed: fnops metadata: exported)",
		"log-group-retention@FnopsBare (suppressed: fnops metadata: no reason given)",
		"log-group-retention@Checkov (suppressed: checkov metadata: exported)",
		"sqs-sse@CdkNag (suppressed: cdk-nag metadata: test queue)",
		"sqs-sse@CfnLint\n", // sqs-sse has no cfn-lint alias
		"sqs-sse@Guard\n",
	} {
		if !strings.Contains(got+"\n", w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

func TestConfigSuppressions(t *testing.T) {
	g := graphOf(
		res("api/template.yaml#LegacyLogs", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil),
		res("api/template.yaml#NewLogs", app.KindLogGroup, "AWS::Logs::LogGroup", 5, nil),
	)
	e := pinnedEngine(Builtin(), noFiles)
	e.ConfigFile = ".fnops.yaml"
	e.Suppressions = []config.Suppression{
		{Rule: "CKV_AWS_66", Resource: "Legacy*", Reason: "legacy stack", Line: 4},
		{Rule: "log-group-retention", Path: "other/**", Reason: "never matches", Line: 7},
	}
	fs := e.Run(g)
	want := []string{
		"unused-suppression@",
		"log-group-retention@api/template.yaml#LegacyLogs (suppressed: fnops config: legacy stack)",
		"log-group-retention@api/template.yaml#NewLogs",
	}
	if got := ids(fs); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if fs[0].Pos.File != ".fnops.yaml" || fs[0].Pos.Line != 7 {
		t.Errorf("unused config suppression at %v", fs[0].Pos)
	}
	// A suppression of a rule that did not run is not "unused".
	e.Rules, _ = e.Registry.Select(Selection{Only: pinnedIDs, Skip: []string{"log-group-retention"}})
	for _, f := range e.Run(g) {
		if f.Rule == UnusedSuppressionID {
			t.Errorf("unused reported for a skipped rule: %s", f.Message)
		}
	}
}

func TestBaseline(t *testing.T) {
	g := graphOf(res("A", app.KindLogGroup, "AWS::Logs::LogGroup", 3, nil), res("B", app.KindLogGroup, "AWS::Logs::LogGroup", 5, nil))
	fs := pinnedEngine(Builtin(), noFiles).Run(g)
	ApplyBaseline(fs, map[string]bool{fs[0].Fingerprint: true}, "base.json")
	if fs[0].Suppressed == nil || fs[0].Suppressed.Kind != "baseline" || fs[1].Suppressed != nil {
		t.Errorf("baseline: %v", ids(fs))
	}
	if fs[0].Failing(app.SevError) || !fs[1].Failing(app.SevWarning) || fs[1].Failing(0) {
		t.Error("Failing")
	}
}

func TestWildcards(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
		path       bool
	}{
		{"Legacy*", "LegacyQueue", true, false},
		{"*Queue", "api/t.yaml#OrdersQueue", true, false},
		{"Orders?", "Orders1", true, false},
		{"Orders?", "Orders12", false, false},
		{"legacy/**", "legacy/a/b.yaml", true, true},
		{"legacy/*.yaml", "legacy/a/b.yaml", false, true},
		{"**/b.yaml", "legacy/a/b.yaml", true, true},
		{"a/*.yaml", "legacy/a/b.yaml", true, true},
		{"template.yaml", "examples/shop/template.yaml", true, true},
	}
	for _, tt := range tests {
		got := wildcard(tt.glob, tt.name)
		if tt.path {
			got = pathGlob(tt.glob, tt.name)
		}
		if got != tt.want {
			t.Errorf("%q ~ %q = %v", tt.glob, tt.name, got)
		}
	}
}

func TestCompileErrorsNameTheConfigLine(t *testing.T) {
	_, err := CompileCustom([]config.CustomRule{{
		ID: "broken", Title: "t", Kind: "function", Assert: "resource.attrs.memory_size <= ", Line: 10, AssertLine: 16, AssertCol: 15,
	}}, ".fnops.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), ".fnops.yaml:16:") {
		t.Fatalf("err = %v", err)
	}
	_, err = CompileCustom([]config.CustomRule{{ID: "not-bool", Title: "t", Assert: `"yes"`, Line: 3, AssertLine: 4}}, ".fnops.yaml")
	if err == nil || !strings.Contains(err.Error(), "must be a bool") {
		t.Fatalf("err = %v", err)
	}
	_, err = CompileCustom([]config.CustomRule{{ID: "bad", Title: "t", Severity: "fatal", Assert: "true", Line: 3}}, ".fnops.yaml")
	if err == nil || !strings.Contains(err.Error(), ".fnops.yaml:3") {
		t.Fatalf("err = %v", err)
	}
	var joined interface{ Unwrap() []error }
	_ = errors.As(err, &joined)
}
