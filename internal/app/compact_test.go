package app_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
	"github.com/fnops/fnops/internal/iac/corpus"
	"github.com/fnops/fnops/internal/iac/sam"
)

// dump renders everything a graph holds that readers can see (all but the
// key positions the Compactor drops), and lists the nodes in the order it
// meets them, repeats included, so that sharing can be compared.
func dump(g *app.Graph) (string, []*app.Node) {
	var b strings.Builder
	var order []*app.Node
	var node func(n *app.Node)
	node = func(n *app.Node) {
		order = append(order, n)
		if n == nil {
			b.WriteString("nil ")
			return
		}
		fmt.Fprintf(&b, "(%d %d %q %v %d %v nil:%v,%v,%v ", n.Kind, n.Origin, n.Scalar, n.Pos, len(n.List), n.Keys, n.List == nil, n.Keys == nil, n.Values == nil)
		for _, c := range n.List {
			node(c)
		}
		for _, c := range n.Values {
			node(c)
		}
		b.WriteString(") ")
	}
	for _, r := range g.Resources {
		fmt.Fprintf(&b, "\n%s %s %s %s %v %s %s %v %s %v tags=%v\n", r.ID, r.Type, r.Kind, r.Name, r.Pos, r.Format, r.Stack, r.Implicit, r.Condition, r.Disabled, r.Tags)
		node(r.Props)
		node(r.Metadata)
		for _, k := range r.AttrNames() {
			b.WriteString(k + "=")
			node(r.Attrs[k])
		}
		for _, s := range r.Statements {
			fmt.Fprintf(&b, "\nstmt %s %s %q %q %v %v %s %v ", s.Sid, s.Effect, s.Actions, s.NotActions, s.Principals, s.NotPrincipals, s.Policy, s.Pos)
			for _, n := range s.Resources {
				node(n)
			}
			b.WriteString("| ")
			for _, n := range s.NotResources {
				node(n)
			}
			node(s.Condition)
		}
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "\nedge %s %s %s %s %v %v", e.From, e.To, e.Kind, e.Via, e.Pos, e.Detail)
	}
	fmt.Fprintf(&b, "\nfiles %v diags %v", g.Files, g.Diags)
	return b.String(), order
}

// nodes collects every node reachable from g's resources.
func nodes(g *app.Graph) map[*app.Node]bool {
	out := map[*app.Node]bool{}
	var walk func(n *app.Node)
	walk = func(n *app.Node) {
		if n == nil || out[n] {
			return
		}
		out[n] = true
		for _, c := range n.List {
			walk(c)
		}
		for _, c := range n.Values {
			walk(c)
		}
	}
	for _, r := range g.Resources {
		walk(r.Props)
		walk(r.Metadata)
		for _, v := range r.Attrs {
			walk(v)
		}
		for _, s := range r.Statements {
			for _, n := range s.Resources {
				walk(n)
			}
			walk(s.Condition)
		}
	}
	return out
}

func TestCompactorKeepsEveryValue(t *testing.T) {
	dir := t.TempDir()
	files, err := corpus.Generate(dir, 30, 7)
	if err != nil {
		t.Fatal(err)
	}
	c := app.NewCompactor()
	var nodesBefore, nodesAfter int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := cfn.Parse(f, data)
		if err != nil {
			t.Fatal(err)
		}
		sam.Transform(tpl)
		g := cfn.Adapt(tpl, cfn.Options{})
		before, orderBefore := dump(g)
		old := nodes(g)
		c.Graph(g)
		after, orderAfter := dump(g)
		if after != before {
			i := 0
			for i < min(len(after), len(before)) && after[i] == before[i] {
				i++
			}
			t.Fatalf("%s: compaction changed the graph at byte %d:\nbefore %q\nafter  %q", f, i,
				before[max(0, i-80):min(len(before), i+80)], after[max(0, i-80):min(len(after), i+80)])
		}
		// What was shared stays shared (and equal subtrees may be too).
		was := map[*app.Node]*app.Node{}
		for i, n := range orderBefore {
			if m, ok := was[n]; ok && m != orderAfter[i] {
				t.Fatalf("%s: a node shared before compaction is copied twice", f)
			}
			was[n] = orderAfter[i]
		}
		nodesBefore, nodesAfter = nodesBefore+len(old), nodesAfter+len(nodes(g))
		if len(nodes(g)) > len(old) {
			t.Fatalf("%s: compaction made more nodes (%d) than it was given (%d)", f, len(nodes(g)), len(old))
		}
		for n := range nodes(g) {
			if old[n] {
				t.Fatalf("%s: a compacted graph still points at an original node", f)
			}
			if n.KeyPos != nil {
				t.Fatalf("%s: key positions kept", f)
			}
		}
		if g.Resource(g.Resources[0].ID) != g.Resources[0] {
			t.Fatalf("%s: the index does not find the resources", f)
		}
	}
	if nodesAfter >= nodesBefore {
		t.Errorf("equal subtrees are not shared: %d nodes before compaction, %d after", nodesBefore, nodesAfter)
	}
	// Interned: the same text is one string, wherever it came from.
	a, b := c.String(strings.Repeat("x", 3)), c.String(strings.Repeat("x", 3))
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatal("equal strings are not interned")
	}
}
