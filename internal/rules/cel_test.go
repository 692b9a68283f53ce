package rules

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

// docExample extracts the .fnops.yaml example that docs/adding-a-rule.md
// shows, so the documented rules are the tested ones.
func docExample(t *testing.T) *config.Config {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "adding-a-rule.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- custom-rules-example -->\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/adding-a-rule.md has no custom-rules-example block")
	}
	cfg, err := config.Parse(".fnops.yaml", m[1])
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestDocumentedCustomRules(t *testing.T) {
	cfg := docExample(t)
	reg := Builtin()
	sel, err := reg.Configure(cfg.Audit, ".fnops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sel.Only = []string{"owner-tag", "allowed-runtimes", "memory-ceiling", "queue-consumer-concurrency"}
	rs, err := reg.Select(sel)
	if err != nil {
		t.Fatal(err)
	}
	fn := func(id string, runtime string, mem int64, tags map[string]string) *app.Resource {
		r := res(id, app.KindFunction, "AWS::Lambda::Function", 3, map[string]*app.Node{
			app.AttrRuntime:    app.Str(runtime, app.Pos{}),
			app.AttrMemorySize: app.Int(mem, app.Pos{}),
		})
		r.Tags = tags
		return r
	}
	good := fn("Good", "python3.13", 1024, map[string]string{"owner": "payments"})
	good.SetAttr(app.AttrReservedConcurrency, app.Int(5, app.Pos{}))
	image := fn("Image", "", 512, map[string]string{"owner": "search"})
	delete(image.Attrs, app.AttrRuntime)
	g := graphOf(
		good,
		fn("NoOwner", "python3.13", 1024, nil),
		fn("OldRuntime", "python3.8", 1024, map[string]string{"owner": "x"}),
		fn("Huge", "nodejs22.x", 10240, map[string]string{"owner": "x"}),
		image,
		res("Q", app.KindQueue, "AWS::SQS::Queue", 40, nil),
	)
	g.Connect(app.Edge{From: "Q", To: "Good", Kind: app.Triggers})
	g.Connect(app.Edge{From: "Q", To: "NoOwner", Kind: app.Triggers})
	e := &Engine{Registry: reg, Rules: rs, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
	fs := e.Run(g)
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+"@"+f.Resource+": "+f.Message)
	}
	want := []string{
		"owner-tag@NoOwner: function NoOwner has no owner tag",
		"queue-consumer-concurrency@NoOwner: function NoOwner is fed by a queue but has no reserved concurrency",
		"allowed-runtimes@OldRuntime: function OldRuntime uses a runtime the platform team does not support",
		"memory-ceiling@Huge: function Huge asks for more than 3008 MB",
	}
	// Order: all at line 3 of template.yaml, then by rule, then resource.
	sortStrings := func(s []string) []string { c := append([]string(nil), s...); sort.Strings(c); return c }
	if !reflect.DeepEqual(sortStrings(got), sortStrings(want)) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, f := range fs {
		if f.Rule == "owner-tag" && (f.Severity != app.SevWarning || f.Category != CategoryGovernance) {
			t.Errorf("owner-tag finding %+v", f)
		}
	}
}

func TestCustomRuleEvaluationErrorIsReported(t *testing.T) {
	rs, err := CompileCustom([]config.CustomRule{{
		ID: "needs-has", Title: "t", Kind: "function", Assert: "resource.tags.owner == 'x'", Line: 1, AssertLine: 2,
	}}, ".fnops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := Builtin()
	if err := reg.Add(rs...); err != nil {
		t.Fatal(err)
	}
	g := graphOf(res("Fn", app.KindFunction, "AWS::Lambda::Function", 3, nil))
	fs := (&Engine{Registry: reg, Rules: []*Rule{reg.Get("needs-has")}, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}).Run(g)
	if len(fs) != 1 || fs[0].Rule != InternalErrorID || !strings.Contains(fs[0].Message, "needs-has") || fs[0].Resource != "Fn" {
		t.Fatalf("got %+v", fs)
	}
}

// TestKnownKindsMatchTheModel keeps knownKinds in step with the Kind
// constants of internal/app, so a new kind is usable in custom rules.
func TestKnownKindsMatchTheModel(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "app", "kind.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?m)^\s+Kind\w+\s+Kind = "([a-z-]+)"`).FindAllSubmatch(src, -1)
	if len(found) < len(knownKinds) {
		t.Fatalf("found %d kinds in internal/app/kind.go, fewer than the %d known: the pattern is stale", len(found), len(knownKinds))
	}
	for _, m := range found {
		if !slices.Contains(knownKinds, app.Kind(m[1])) {
			t.Errorf("kind %q of internal/app is missing from knownKinds", m[1])
		}
	}
	_, err = CompileCustom([]config.CustomRule{{ID: "typo", Title: "t", Kind: "functon", Assert: "true", Line: 4}}, ".fnops.yaml")
	if err == nil || !strings.Contains(err.Error(), `.fnops.yaml:4: custom rule "typo": unknown kind "functon"`) {
		t.Errorf("err = %v", err)
	}
}
