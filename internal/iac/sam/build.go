package sam

import (
	"strconv"

	"github.com/fnops/fnops/internal/app"
)

// gen builds Derived nodes positioned at p: the position of whatever the
// generated value was produced from.
type gen struct{ p app.Pos }

func (g gen) str(s string) *app.Node {
	return &app.Node{Kind: app.StringNode, Scalar: s, Pos: g.p, Origin: app.Derived}
}

func (g gen) num(n int64) *app.Node {
	return &app.Node{Kind: app.NumberNode, Scalar: strconv.FormatInt(n, 10), Pos: g.p, Origin: app.Derived}
}

func (g gen) boolean(b bool) *app.Node {
	return &app.Node{Kind: app.BoolNode, Scalar: strconv.FormatBool(b), Pos: g.p, Origin: app.Derived}
}

// m builds a map from key/value pairs; pairs whose value is nil are left
// out, so optional properties can be passed straight through.
func (g gen) m(kv ...any) *app.Node {
	n := &app.Node{Kind: app.MapNode, Pos: g.p, Origin: app.Derived,
		Keys: make([]string, 0, len(kv)/2), Values: make([]*app.Node, 0, len(kv)/2)}
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
	out := make([]*app.Node, 0, len(items))
	for _, it := range items {
		if it != nil {
			out = append(out, it)
		}
	}
	return &app.Node{Kind: app.ListNode, List: out, Pos: g.p, Origin: app.Derived}
}

func (g gen) strs(ss ...string) *app.Node {
	l := &app.Node{Kind: app.ListNode, Pos: g.p, Origin: app.Derived, List: make([]*app.Node, len(ss))}
	for i, s := range ss {
		l.List[i] = g.str(s)
	}
	return l
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
