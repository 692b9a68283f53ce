package sam

import (
	"strconv"

	"github.com/fnops/fnops/internal/app"
)

// arena hands out nodes and map slices in slabs: a transform builds
// thousands of small nodes, and one allocation per slab instead of per node
// keeps it off the garbage collector's back. Everything lives as long as
// the template does anyway.
type arena struct {
	nodes []app.Node
	keys  []string
	vals  []*app.Node
	grown int // nodes handed out so far, to size the next slab
}

// slab is the largest slab, kept under the runtime's 32 KB large-object
// size; the first ones are smaller so that a small template does not pay
// for a big one.
const slab = 128

func (a *arena) node() *app.Node {
	if a == nil {
		return new(app.Node)
	}
	if len(a.nodes) == 0 {
		a.nodes = make([]app.Node, min(max(a.grown, 32), slab))
		a.grown += len(a.nodes)
	}
	n := &a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

// mapSlices returns empty Keys and Values slices with room for n entries;
// capacity is capped so that growing one never writes into another.
func (a *arena) mapSlices(n int) ([]string, []*app.Node) {
	if a == nil || n > slab/4 {
		return make([]string, 0, n), make([]*app.Node, 0, n)
	}
	if len(a.keys) < n {
		a.keys = make([]string, slab)
	}
	if len(a.vals) < n {
		a.vals = make([]*app.Node, slab)
	}
	k, v := a.keys[:0:n], a.vals[:0:n]
	a.keys, a.vals = a.keys[n:], a.vals[n:]
	return k, v
}

func (a *arena) list(n int) []*app.Node {
	if a == nil || n > slab/4 {
		return make([]*app.Node, 0, n)
	}
	if len(a.vals) < n {
		a.vals = make([]*app.Node, slab)
	}
	l := a.vals[:0:n]
	a.vals = a.vals[n:]
	return l
}

// gen builds Derived nodes positioned at p: the position of whatever the
// generated value was produced from.
type gen struct {
	p app.Pos
	a *arena
}

// at is a builder positioned at p that shares g's arena.
func (g gen) at(p app.Pos) gen { return gen{p: p, a: g.a} }

// at is a builder positioned at p.
func (x *tx) at(p app.Pos) gen { return gen{p: p, a: &x.arena} }

func (g gen) scalar(k app.NodeKind, s string) *app.Node {
	n := g.a.node()
	n.Kind, n.Scalar, n.Pos, n.Origin = k, s, g.p, app.Derived
	return n
}

func (g gen) str(s string) *app.Node { return g.scalar(app.StringNode, s) }

func (g gen) num(n int64) *app.Node { return g.scalar(app.NumberNode, strconv.FormatInt(n, 10)) }

func (g gen) boolean(b bool) *app.Node { return g.scalar(app.BoolNode, strconv.FormatBool(b)) }

// m builds a map from key/value pairs; pairs whose value is nil are left
// out, so optional properties can be passed straight through.
func (g gen) m(kv ...any) *app.Node {
	count := 0
	for i := 1; i < len(kv); i += 2 {
		if v, _ := kv[i].(*app.Node); v != nil {
			count++
		}
	}
	n := g.a.node()
	n.Kind, n.Pos, n.Origin = app.MapNode, g.p, app.Derived
	n.Keys, n.Values = g.a.mapSlices(count)
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(*app.Node)
		if v == nil {
			continue
		}
		n.Keys = append(n.Keys, kv[i].(string))
		n.Values = append(n.Values, v)
	}
	return n
}

func (g gen) list(items ...*app.Node) *app.Node {
	count := 0
	for _, it := range items {
		if it != nil {
			count++
		}
	}
	out := g.a.list(count)
	for _, it := range items {
		if it != nil {
			out = append(out, it)
		}
	}
	n := g.a.node()
	n.Kind, n.List, n.Pos, n.Origin = app.ListNode, out, g.p, app.Derived
	return n
}

func (g gen) strs(ss ...string) *app.Node {
	l := g.a.list(len(ss))
	for _, s := range ss {
		l = append(l, g.str(s))
	}
	n := g.a.node()
	n.Kind, n.List, n.Pos, n.Origin = app.ListNode, l, g.p, app.Derived
	return n
}

func (g gen) ref(id string) *app.Node { return g.m("Ref", g.str(id)) }

func (g gen) getAtt(id, attr string) *app.Node {
	return g.m("Fn::GetAtt", g.list(g.str(id), g.str(attr)))
}

func (g gen) sub(s string) *app.Node { return g.m("Fn::Sub", g.str(s)) }

// subVars builds Fn::Sub [s, {k: v, ...}].
func (g gen) subVars(s string, kv ...any) *app.Node {
	return g.m("Fn::Sub", g.list(g.str(s), g.m(kv...)))
}

// statement builds one Allow statement.
func (g gen) allow(action, resource *app.Node) *app.Node {
	return g.m("Action", action, "Resource", resource, "Effect", g.str("Allow"))
}

// assumeRole is the trust policy SAM gives the roles it generates.
func (g gen) assumeRole(service string) *app.Node {
	return g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
		"Action", g.strs("sts:AssumeRole"),
		"Effect", g.str("Allow"),
		"Principal", g.m("Service", g.strs(service)))))
}

// inlinePolicy is one entry of an IAM role's Policies list.
func (g gen) inlinePolicy(name string, statements ...*app.Node) *app.Node {
	return g.m("PolicyName", g.str(name), "PolicyDocument", g.m("Statement", g.list(statements...)))
}

// keyPos returns the position of key in map n (the key itself when known,
// else its value, else the map).
func keyPos(n *app.Node, key string) app.Pos {
	if n == nil {
		return app.Pos{}
	}
	for i, k := range n.Keys {
		if k == key {
			if i < len(n.KeyPos) && n.KeyPos[i].Known() {
				return n.KeyPos[i]
			}
			if v := n.Values[i]; v != nil && v.Pos.Known() {
				return v.Pos
			}
		}
	}
	return n.Pos
}

// posOr returns n's position, or p when n is nil or has none.
func posOr(n *app.Node, p app.Pos) app.Pos {
	if n != nil && n.Pos.Known() {
		return n.Pos
	}
	return p
}

// refTarget returns the logical id a Ref or Fn::GetAtt node names ("" for
// anything else). "X.Alias"-style property references give "X".
func refTarget(n *app.Node) string {
	name, arg, ok := n.Intrinsic()
	if !ok {
		return ""
	}
	switch name {
	case "Ref":
		s := arg.Text()
		if len(s) > 5 && s[:5] == "AWS::" {
			return ""
		}
		return s
	case "Fn::GetAtt":
		if arg.IsList() && len(arg.List) > 0 {
			return arg.List[0].Text()
		}
		if s := arg.Text(); s != "" {
			for i := 0; i < len(s); i++ {
				if s[i] == '.' {
					return s[:i]
				}
			}
			return s
		}
	}
	return ""
}

// alnum keeps the letters and digits of s: logical ids may hold nothing else.
func alnum(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}
