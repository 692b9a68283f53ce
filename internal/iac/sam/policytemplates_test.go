package sam

import (
	"sort"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// TestPolicyTemplates expands every template with a value for each of its
// parameters and checks that the result is a well-formed document whose
// placeholders are all bound: a transcription slip (a parameter misnamed,
// a pattern with a variable no parameter feeds) fails here.
func TestPolicyTemplates(t *testing.T) {
	names := make([]string, 0, len(policyTemplates))
	for n := range policyTemplates {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 80 {
		t.Errorf("only %d policy templates", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			pt := policyTemplates[name]
			args := app.NewMap(app.Pos{})
			for _, p := range pt.params {
				args.Set(p, app.Str("v-"+p, app.Pos{}))
			}
			x := newTx(&cfn.Template{File: "t.yaml"})
			doc := x.expandTemplate(name, args, x.at(app.Pos{Line: 1}))
			if doc == nil || len(x.t.Diags) > 0 {
				t.Fatalf("expand: %v", x.t.Diags)
			}
			stmts := doc.Get("Statement").List
			if len(stmts) != len(pt.stmts) {
				t.Fatalf("%d statements, want %d", len(stmts), len(pt.stmts))
			}
			used := map[string]bool{}
			for _, st := range stmts {
				if st.Get("Effect").Text() != "Allow" || len(st.Get("Action").Strings()) == 0 {
					t.Errorf("statement %v", st.Plain())
				}
				for _, r := range append(st.Get("Resource").Items(), condValues(st.Get("Condition"))...) {
					checkBound(t, r, used)
				}
			}
			for _, p := range pt.params {
				if !used["v-"+p] {
					t.Errorf("parameter %s is not used", p)
				}
			}
		})
	}
	// Unknown templates and missing parameters are reported, not expanded.
	x := newTx(&cfn.Template{File: "t.yaml"})
	if x.expandTemplate("NoSuchPolicy", app.NewMap(app.Pos{}), x.at(app.Pos{})) != nil ||
		x.expandTemplate("S3ReadPolicy", app.NewMap(app.Pos{}), x.at(app.Pos{})) != nil || len(x.t.Diags) != 2 {
		t.Errorf("bad templates: %v", x.t.Diags)
	}
}

func condValues(c *app.Node) []*app.Node {
	var out []*app.Node
	if c == nil {
		return nil
	}
	for _, op := range c.Values {
		out = append(out, op.Values...)
	}
	return out
}

// checkBound fails when an Fn::Sub pattern names a variable that is neither
// a pseudo parameter nor bound in its variable map.
func checkBound(t *testing.T, n *app.Node, used map[string]bool) {
	t.Helper()
	if s, ok := n.String(); ok {
		if s != "*" {
			t.Errorf("literal resource %q", s)
		}
		return
	}
	arg := n.Get("Fn::Sub")
	pattern, vars := arg.Text(), (*app.Node)(nil)
	if arg.IsList() {
		pattern, vars = arg.List[0].Text(), arg.List[1]
	}
	for rest := pattern; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		v := rest[i+2 : i+j]
		rest = rest[i+j+1:]
		if strings.HasPrefix(v, "AWS::") {
			continue
		}
		b := vars.Get(v)
		if b == nil {
			t.Errorf("pattern %q: ${%s} unbound", pattern, v)
			continue
		}
		used[b.Text()] = true
	}
}
