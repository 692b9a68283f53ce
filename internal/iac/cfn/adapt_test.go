package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
)

var adaptUpdate = flag.Bool("update", false, "rewrite golden files")

// adaptLoadChild loads nested templates from disk, relative to the parent,
// as the CLI's loader does (without the SAM transform).
func adaptLoadChild(parentFile, location string) (*Template, error) {
	file := filepath.Join(filepath.Dir(parentFile), location)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", location, err)
	}
	return Parse(filepath.ToSlash(file), data)
}

// adaptOptions reads a fixture's options from its first line:
// "# opts: region=R account=A stack=S param:Key=Value ...".
func adaptOptions(data []byte) Options {
	opts := Options{LoadChild: adaptLoadChild}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	rest, ok := strings.CutPrefix(string(line), "# opts:")
	if !ok {
		return opts
	}
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		switch {
		case k == "region":
			opts.Region = v
		case k == "account":
			opts.Account = v
		case k == "stack":
			opts.StackName = v
		case strings.HasPrefix(k, "param:"):
			if opts.Params == nil {
				opts.Params = map[string]string{}
			}
			opts.Params[strings.TrimPrefix(k, "param:")] = v
		}
	}
	return opts
}

func adaptFile(t testing.TB, file string) *app.Graph {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(filepath.ToSlash(file), data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Adapt(tpl, adaptOptions(data))
}

// TestAdaptGolden adapts each testdata/adapt template and compares a
// rendering of the graph with its .golden.json (go test -update rewrites).
func TestAdaptGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/adapt/*.yaml")
	more, _ := filepath.Glob("testdata/adapt/*.json")
	for _, f := range more {
		if !strings.HasSuffix(f, ".golden.json") {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			got := adaptRender(adaptFile(t, file))
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden.json"
			if *adaptUpdate {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("graph differs from %s (run with -update and review the diff):\n%s", golden, adaptDiff(string(want), string(got)))
			}
		})
	}
}

func adaptDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return ""
}

type adaptResource struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Kind       app.Kind          `json:"kind"`
	Name       string            `json:"name,omitempty"`
	Line       int               `json:"line"`
	Stack      string            `json:"stack,omitempty"`
	Disabled   bool              `json:"disabled,omitempty"`
	Condition  string            `json:"condition,omitempty"`
	Attrs      map[string]any    `json:"attrs,omitempty"`
	Defaults   map[string]any    `json:"defaults,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Statements []adaptStatement  `json:"statements,omitempty"`
}

type adaptStatement struct {
	Policy     string              `json:"policy"`
	Effect     string              `json:"effect"`
	Line       int                 `json:"line"`
	Actions    []string            `json:"actions,omitempty"`
	Resources  []any               `json:"resources,omitempty"`
	Principals map[string][]string `json:"principals,omitempty"`
}

type adaptEdge struct {
	From   string            `json:"from"`
	To     string            `json:"to"`
	Kind   app.EdgeKind      `json:"kind"`
	Via    string            `json:"via,omitempty"`
	Line   int               `json:"line"`
	Detail map[string]string `json:"detail,omitempty"`
}

// adaptRender renders what the golden files check: resources with their
// attributes as plain values (defaults apart, attributes with a line other
// than the resource's noted as "value @line"), edges and diagnostics.
func adaptRender(g *app.Graph) []byte {
	out := struct {
		Files     []string        `json:"files"`
		Resources []adaptResource `json:"resources"`
		Edges     []adaptEdge     `json:"edges"`
		Diags     []string        `json:"diags,omitempty"`
	}{Files: g.Files, Resources: []adaptResource{}, Edges: []adaptEdge{}}
	for _, r := range g.Resources {
		ar := adaptResource{ID: r.ID, Type: r.Type, Kind: r.Kind, Name: r.Name, Line: r.Pos.Line, Stack: r.Stack,
			Disabled: r.Disabled, Condition: r.Condition, Tags: r.Tags}
		for _, name := range r.AttrNames() {
			v := r.Attrs[name]
			if v.Origin == app.Default {
				if ar.Defaults == nil {
					ar.Defaults = map[string]any{}
				}
				ar.Defaults[name] = v.Plain()
				continue
			}
			if ar.Attrs == nil {
				ar.Attrs = map[string]any{}
			}
			ar.Attrs[name] = v.Plain()
			if v.IsScalar() {
				ar.Attrs[name] = fmt.Sprintf("%v @%d", v.Plain(), v.Pos.Line)
			}
		}
		for _, st := range r.Statements {
			as := adaptStatement{Policy: st.Policy, Effect: st.Effect, Line: st.Pos.Line, Actions: st.Actions, Principals: st.Principals}
			for _, res := range st.Resources {
				as.Resources = append(as.Resources, res.Plain())
			}
			ar.Statements = append(ar.Statements, as)
		}
		out.Resources = append(out.Resources, ar)
	}
	for _, e := range g.Edges {
		out.Edges = append(out.Edges, adaptEdge{From: e.From, To: e.To, Kind: e.Kind, Via: e.Via, Line: e.Pos.Line, Detail: e.Detail})
	}
	for _, d := range g.Diags {
		out.Diags = append(out.Diags, fmt.Sprintf("%s:%d:%d %s: %s", d.Pos.File, d.Pos.Line, d.Pos.Col, d.Severity, d.Message))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// adaptAllFixtures lists every template under testdata (parse and adapt).
func adaptAllFixtures(t testing.TB) []string {
	var files []string
	for _, dir := range []string{"testdata/adapt", "testdata/parse"} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".golden.json") &&
				(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	return files
}

// TestAdaptEveryFixture adapts every template in testdata, nested children
// and parser fixtures included: no panic, and every resource, attribute and
// edge has a position.
func TestAdaptEveryFixture(t *testing.T) {
	for _, file := range adaptAllFixtures(t) {
		data, _ := os.ReadFile(file)
		tpl, err := Parse(filepath.ToSlash(file), data)
		if err != nil {
			continue
		}
		g := Adapt(tpl, adaptOptions(data))
		for _, r := range g.Resources {
			if !r.Pos.Known() {
				t.Errorf("%s: resource %s has no position", file, r.ID)
			}
			for name, v := range r.Attrs {
				if !v.Pos.Known() {
					t.Errorf("%s: %s.%s has no position", file, r.ID, name)
				}
			}
		}
		for _, e := range g.Edges {
			if !e.Pos.Known() || g.Resource(e.From) == nil || g.Resource(e.To) == nil {
				t.Errorf("%s: edge %+v: unknown position or end", file, e)
			}
		}
	}
}

// TestAdaptMutations feeds every fixture with its values replaced, one at
// a time, by odd shapes (a list where a map is expected, an intrinsic where
// a literal is, null, garbage intrinsics): Adapt must not panic.
func TestAdaptMutations(t *testing.T) {
	odd := []func(p app.Pos) *app.Node{
		func(p app.Pos) *app.Node { return app.NewList(p, app.Str("x", p)) },
		func(p app.Pos) *app.Node { return app.NewMap(p) },
		func(p app.Pos) *app.Node { return &app.Node{Kind: app.NullNode, Pos: p} },
		func(p app.Pos) *app.Node { return nil },
		func(p app.Pos) *app.Node { return app.Int(-1, p) },
		func(p app.Pos) *app.Node { return adaptFn("Ref", app.NewList(p), p) },
		func(p app.Pos) *app.Node { return adaptFn("Fn::GetAtt", app.Str("NoDot", p), p) },
		func(p app.Pos) *app.Node {
			return adaptFn("Fn::Sub", app.NewList(p, app.NewMap(p), app.Str("x", p)), p)
		},
		func(p app.Pos) *app.Node { return adaptFn("Fn::If", app.Str("x", p), p) },
		func(p app.Pos) *app.Node {
			return adaptFn("Fn::Select", app.NewList(p, app.Int(99, p), app.NewList(p)), p)
		},
		func(p app.Pos) *app.Node { return adaptFn("Fn::FindInMap", app.NewList(p, app.NewMap(p)), p) },
		func(p app.Pos) *app.Node {
			return adaptFn("Fn::Cidr", app.NewList(p, app.Str("10.0.0.0/8", p), app.Int(300, p), app.Int(0, p)), p)
		},
		func(p app.Pos) *app.Node { return adaptFn("Ref", app.Str("AWS::NoValue", p), p) },
		func(p app.Pos) *app.Node {
			return adaptFn("Fn::Join", app.NewList(p, app.NewMap(p), app.Str("x", p)), p)
		},
		func(p app.Pos) *app.Node { return adaptFn("Condition", app.NewList(p), p) },
	}
	for _, file := range adaptAllFixtures(t) {
		data, _ := os.ReadFile(file)
		base, err := Parse(filepath.ToSlash(file), data)
		if err != nil {
			continue
		}
		var nodes []*app.Node
		adaptWalk(base.Root, func(n *app.Node) { nodes = append(nodes, n) })
		step := max(1, len(nodes)/150) // keep the run short on big fixtures
		for i := 0; i < len(nodes); i += step {
			for j, mk := range odd {
				tpl, _ := Parse(filepath.ToSlash(file), data)
				k := 0
				adaptWalk(tpl.Root, func(n *app.Node) {
					if k == i {
						adaptReplace(n, mk(n.Pos))
					}
					k++
				})
				tpl.Resources = nil
				tpl.readResources()
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s: node %d mutation %d: panic %v", file, i, j, r)
						}
					}()
					Adapt(tpl, adaptOptions(data))
				}()
			}
		}
	}
}

func adaptFn(name string, arg *app.Node, p app.Pos) *app.Node {
	return &app.Node{Kind: app.MapNode, Keys: []string{name}, Values: []*app.Node{arg}, Pos: p}
}

func adaptWalk(n *app.Node, fn func(*app.Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, c := range n.List {
		adaptWalk(c, fn)
	}
	for _, c := range n.Values {
		adaptWalk(c, fn)
	}
}

// adaptReplace overwrites n in place with v (nil: an empty string node).
func adaptReplace(n, v *app.Node) {
	if v == nil {
		*n = app.Node{Kind: app.StringNode, Pos: n.Pos}
		return
	}
	*n = *v
}

func TestAdaptNil(t *testing.T) {
	g := Adapt(nil, Options{})
	if len(g.Resources) != 0 {
		t.Fatal("resources from nil")
	}
	g = Adapt(&Template{File: "x.yaml"}, Options{})
	if len(g.Files) != 1 {
		t.Fatalf("files %v", g.Files)
	}
}

// TestAdaptEvalKeepsUnchanged checks that evaluation does not copy subtrees
// without intrinsics.
func TestAdaptEvalKeepsUnchanged(t *testing.T) {
	src := "Parameters:\n  P:\n    Type: String\n    Default: v\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - Key: a\n          Value: b\n      QueueName: !Ref P\n"
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g := Adapt(tpl, Options{})
	q := g.Resource("Q")
	orig := tpl.Resources[0].Properties
	if q.Props == orig || q.Props.Get("Tags") != orig.Get("Tags") {
		t.Fatal("unchanged subtree was copied, or changed map was not")
	}
	if q.Name != "v" || q.Props.Get("QueueName").Pos.Line != 12 {
		t.Fatalf("name %q pos %v", q.Name, q.Props.Get("QueueName").Pos)
	}
	if orig.Get("QueueName").IsScalar() {
		t.Fatal("template was modified")
	}
}

func TestAdaptGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*c", "abc", true}, {"a*c", "ab", false},
		{"s3:put*", "s3:putobject", true}, {"?", "", false}, {"a?c", "abc", true},
		{"*/*", "b/\x00", true}, {"orders-*", "orders-dlq", true}, {"orders-*", "order", false},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
	} {
		if got := glob(c.p, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.p, c.s, got)
		}
	}
	if g := grants("s3:*"); len(g) != 2 {
		t.Errorf("s3:* grants %v", g)
	}
	if g := grants("*"); len(g) < 10 {
		t.Errorf("* grants %v", g)
	}
	if g := grants("S3:getobject"); !slices.Equal(g, []grant{{"s3", app.Reads}}) {
		t.Errorf("case-insensitive: %v", g)
	}
}

// TestAdaptSelfReferences checks that templates referring to themselves
// (a mapping value, a condition, an output, a stack's own outputs) end.
func TestAdaptSelfReferences(t *testing.T) {
	src := `Mappings: {M: {a: {b: !FindInMap [M, a, b]}}}
Conditions: {C: !Condition C, D: !And [!Condition C, !Condition D]}
Resources:
  Q: {Type: AWS::SQS::Queue, Condition: D, Properties: {QueueName: !FindInMap [M, a, b]}}
  S: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: !GetAtt S.Outputs.X}}
Outputs: {X: {Value: !GetAtt S.Outputs.X}}
`
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g := Adapt(tpl, Options{LoadChild: adaptLoadChild})
	if q := g.Resource("Q"); q == nil || q.Disabled {
		t.Fatalf("Q: %+v", q)
	}
}

// TestAdaptEvalPositions checks where evaluated values point: a value
// written inside the expression keeps its own position, one brought from
// elsewhere (a parameter, a mapping, a computation) takes the expression's.
func TestAdaptEvalPositions(t *testing.T) {
	src := `Parameters:
  L: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  M: {k: {v: 7}}
Conditions:
  T: !Equals [1, 1]
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          FROM_PARAM: !Select [1, !Ref L]
          FROM_LIST: !Select
            - 0
            - - x
              - y
          FROM_IF: !If
            - T
            - yes
            - no
          FROM_MAP: !FindInMap [M, k, v]
          JOINED: !Join ["-", [a, b]]
`
	tpl, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g := Adapt(tpl, Options{})
	vars := g.Resource("F").Attr(app.AttrEnvironment)
	for name, want := range map[string]string{"FROM_PARAM": "b@13:23", "FROM_LIST": "x@16:17", "FROM_IF": "yes@20:15", "FROM_MAP": "7@22:21", "JOINED": "a-b@23:19"} {
		v := vars.Get(name)
		if got := fmt.Sprintf("%s@%d:%d", v.Text(), v.Pos.Line, v.Pos.Col); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

// TestAdaptResolveTarget covers each way a reference is written.
func TestAdaptResolveTarget(t *testing.T) {
	src := `Parameters:
  QName: {Type: String, Default: q-param}
  Free: {Type: String}
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: orders}}
  P: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref QName}}
  F: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref Free}}
  S: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub "${AWS::StackName}-s"}}
  T: {Type: AWS::SNS::Topic, Properties: {TopicName: orders}}
  B: {Type: AWS::S3::Bucket, Properties: {BucketName: bkt}}
  D: {Type: AWS::DynamoDB::Table, Properties: {TableName: tbl}}
  K: {Type: AWS::Kinesis::Stream, Properties: {Name: strm}}
  L: {Type: AWS::Lambda::Function, Properties: {FunctionName: fn}}
  M: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: sm}}
  E: {Type: AWS::Events::EventBus, Properties: {Name: bus}}
  G: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /aws/lambda/fn}}
  X: {Type: AWS::SecretsManager::Secret, Properties: {Name: sec}}
  R: {Type: AWS::IAM::Role, Properties: {RoleName: role}}
  A: {Type: AWS::SSM::Parameter, Properties: {Name: /app/flag}}
`
	tpl, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := &adapter{g: app.New(), opts: Options{Partition: "aws"}, byName: map[string][]string{}, byKind: map[kindName]string{}}
	s := a.newScope(tpl, "", "", nil, nil)
	s.setParams(nil, nil)
	s.build()
	for _, c := range []struct {
		expr, want string // want "" means no single resource
	}{
		{`!Ref Q`, "Q"},
		{`!GetAtt Q.Arn`, "Q"},
		{`!Sub "${Q.Arn}/x"`, "Q"},
		{`!Sub ["${V}", {V: !Ref Q}]`, "Q"},
		{`!Join ["", ["arn:aws:sqs:", !Ref "AWS::Region", ":1:", !GetAtt Q.QueueName]]`, "Q"},
		{`arn:aws:sqs:us-east-1:123456789012:orders`, "Q"},
		{`!Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:orders"`, "Q"},
		{`https://sqs.us-east-1.amazonaws.com/123456789012/orders`, "Q"},
		{`arn:aws:sns:us-east-1:1:orders`, "T"},
		{`orders`, ""}, // a queue and a topic share the name
		{`q-param`, "P"},
		{`!Ref QName`, "P"},
		{`!Ref Free`, "F"},
		{`!Sub "${AWS::StackName}-s"`, "S"},
		{`arn:aws:s3:::bkt/key/*`, "B"},
		{`bkt`, "B"},
		{`arn:aws:dynamodb:us-east-1:1:table/tbl/stream/2024`, "D"},
		{`arn:aws:kinesis:us-east-1:1:stream/strm`, "K"},
		{`arn:aws:lambda:us-east-1:1:function:fn:live`, "L"},
		{`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:fn/invocations`, "L"},
		{`arn:aws:states:us-east-1:1:stateMachine:sm`, "M"},
		{`arn:aws:events:us-east-1:1:event-bus/bus`, "E"},
		{`arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:*`, "G"},
		{`arn:aws:secretsmanager:us-east-1:1:secret:sec-AbCdEf`, "X"},
		{`arn:aws:iam::1:role/path/role`, "R"},
		{`arn:aws:ssm:us-east-1:1:parameter/app/flag`, "A"},
		{`arn:aws:sqs:us-east-1:1:orders-*`, ""},
		{`!ImportValue orders`, ""},
		{`nothing-here`, ""},
	} {
		doc, _, err := ParseDocument("e.yaml", []byte("v: "+c.expr))
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got, ok := s.resolveTarget(doc.Get("v"))
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.expr, got, c.want)
		}
	}
}
