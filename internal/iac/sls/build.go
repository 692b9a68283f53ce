package sls

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/fnops/fnops/internal/app"
)

// mk builds Derived nodes positioned at p: the position of whatever in
// serverless.yml the generated value comes from. Nodes come from a's
// chunks when a is set (one allocation for many nodes), else one by one.
type mk struct {
	p app.Pos
	a *nodeSlab
}

// mk returns the node builder of the compiler, at p.
func (c *compiler) mk(p app.Pos) mk { return mk{p, &c.slab} }

// nodeSlab hands out nodes from chunks allocated slabSize at a time: a
// service compiles into hundreds of small nodes, and allocating each on
// its own was a large part of its load.
type nodeSlab struct{ free []app.Node }

const slabSize = 128

func (s *nodeSlab) node(kind app.NodeKind, p app.Pos) *app.Node {
	var n *app.Node
	if s == nil {
		n = new(app.Node)
	} else {
		if len(s.free) == 0 {
			s.free = make([]app.Node, slabSize)
		}
		n = &s.free[0]
		s.free = s.free[1:]
	}
	n.Kind, n.Pos, n.Origin = kind, p, app.Derived
	return n
}

func (g mk) scalar(kind app.NodeKind, s string) *app.Node {
	n := g.a.node(kind, g.p)
	n.Scalar = s
	return n
}

func (g mk) str(s string) *app.Node { return g.scalar(app.StringNode, s) }

func (g mk) num(n int64) *app.Node { return g.scalar(app.NumberNode, strconv.FormatInt(n, 10)) }

func (g mk) boolean(b bool) *app.Node { return g.scalar(app.BoolNode, strconv.FormatBool(b)) }

// m builds a map from key/value pairs, leaving out nil values.
func (g mk) m(kv ...any) *app.Node {
	n := g.a.node(app.MapNode, g.p)
	k := 0
	for i := 1; i < len(kv); i += 2 {
		if v, _ := kv[i].(*app.Node); v != nil {
			k++
		}
	}
	if k == 0 {
		return n
	}
	n.Keys, n.Values = make([]string, 0, k), make([]*app.Node, 0, k)
	for i := 0; i+1 < len(kv); i += 2 {
		if v, _ := kv[i+1].(*app.Node); v != nil {
			n.Keys = append(n.Keys, kv[i].(string))
			n.Values = append(n.Values, v)
		}
	}
	return n
}

func (g mk) list(items ...*app.Node) *app.Node {
	n := g.a.node(app.ListNode, g.p)
	k := 0
	for _, it := range items {
		if it != nil {
			k++
		}
	}
	if k == 0 {
		return n
	}
	n.List = make([]*app.Node, 0, k)
	for _, it := range items {
		if it != nil {
			n.List = append(n.List, it)
		}
	}
	return n
}

func (g mk) strs(ss ...string) *app.Node {
	l := g.list()
	if len(ss) > 0 {
		l.List = make([]*app.Node, 0, len(ss))
	}
	for _, s := range ss {
		l.List = append(l.List, g.str(s))
	}
	return l
}

func (g mk) ref(id string) *app.Node { return g.m("Ref", g.str(id)) }

func (g mk) getAtt(id, attr string) *app.Node {
	return g.m("Fn::GetAtt", g.list(g.str(id), g.str(attr)))
}

func (g mk) sub(s string) *app.Node { return g.m("Fn::Sub", g.str(s)) }

// join builds Fn::Join [sep, parts]; string parts become string nodes.
func (g mk) join(sep string, parts ...any) *app.Node {
	l := g.list()
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			l.List = append(l.List, g.str(v))
		case *app.Node:
			l.List = append(l.List, v)
		}
	}
	return g.m("Fn::Join", g.list(g.str(sep), l))
}

// The pseudo parameters the framework's ARNs are built from.
func (g mk) partition() *app.Node { return g.ref("AWS::Partition") }
func (g mk) region() *app.Node    { return g.ref("AWS::Region") }
func (g mk) account() *app.Node   { return g.ref("AWS::AccountId") }

func (g mk) allow(actions []string, resources ...*app.Node) *app.Node {
	return g.m("Effect", g.str("Allow"), "Action", g.strs(actions...), "Resource", g.list(resources...))
}

// Naming, as the framework's lib/plugins/aws/lib/naming.js does it.

// upperFirst is lodash's upperFirst.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// normalizedName is getNormalizedFunctionName / getNormalizedResourceName:
// '-' becomes Dash, '_' Underscore, the first letter upper case.
func normalizedName(s string) string {
	return upperFirst(nameReplacer.Replace(s))
}

// The replacers are built once: building one per call was most of the
// allocation of a service's load.
var (
	nameReplacer  = strings.NewReplacer("-", "Dash", "_", "Underscore")
	routeReplacer = strings.NewReplacer("$", "S", "/", "Slash", "-", "Dash", "_", "Underscore", ".", "Period")
	indexReplacer = strings.NewReplacer("[", ".", "]", "")
)

// alnum is normalizeNameToAlphaNumericOnly: letters and digits only, the
// first upper case.
func alnum(s string) string { return upperFirst(alnumRaw(s)) }

// pathPart is normalizePathPart: lodash's capitalize (first upper, rest
// lower), '-' as Dash, {x} as xVar, then letters and digits only.
func pathPart(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(strings.ToLower(s))
	r[0] = unicode.ToUpper(r[0])
	s = strings.ReplaceAll(string(r), "-", "Dash")
	if i := strings.IndexByte(s, '{'); i >= 0 {
		if j := strings.LastIndexByte(s, '}'); j > i {
			s = s[:i] + s[i+1:j] + "Var" + s[j+1:]
		}
	}
	return upperFirst(alnumRaw(s))
}

func alnumRaw(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// normalizePath is normalizePath: each '/'-separated part normalized.
func normalizePath(p string) string {
	var b strings.Builder
	for _, part := range strings.Split(p, "/") {
		b.WriteString(pathPart(part))
	}
	return b.String()
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

// entryPos is the position of the i-th key of map n.
func entryPos(n *app.Node, i int) app.Pos {
	if i < len(n.KeyPos) && n.KeyPos[i].Known() {
		return n.KeyPos[i]
	}
	if v := n.Values[i]; v != nil && v.Pos.Known() {
		return v.Pos
	}
	return n.Pos
}

// refTarget returns the logical id a Ref or Fn::GetAtt names, "" else.
func refTarget(n *app.Node) string {
	name, arg, ok := n.Intrinsic()
	if !ok {
		return ""
	}
	switch name {
	case "Ref":
		if s := arg.Text(); !strings.HasPrefix(s, "AWS::") {
			return s
		}
	case "Fn::GetAtt":
		if arg.IsList() && len(arg.List) > 0 {
			return arg.List[0].Text()
		}
		s := arg.Text()
		if i := strings.IndexByte(s, '.'); i >= 0 {
			return s[:i]
		}
		return s
	}
	return ""
}

// hash is a short stable content hash (FNV-1a) for the ids the framework
// suffixes with a code hash or a timestamp.
func hash(parts ...string) string {
	h := fnv(14695981039346656037)
	for _, p := range parts {
		h = h.add(p).end()
	}
	return strconv.FormatUint(uint64(h), 36)
}

// hashNode is hash(parts..., toText(n)) without rendering n as text.
func hashNode(n *app.Node, parts ...string) string {
	h := fnv(14695981039346656037)
	for _, p := range parts {
		h = h.add(p).end()
	}
	return strconv.FormatUint(uint64(h.addNode(n).end()), 36)
}

// fnv is the state of an FNV-1a hash.
type fnv uint64

func (h fnv) add(s string) fnv {
	for i := 0; i < len(s); i++ {
		h ^= fnv(s[i])
		h *= 1099511628211
	}
	return h
}

// end closes one part of the hash.
func (h fnv) end() fnv { return (h ^ 0xff) * 1099511628211 }

// addNode hashes what toText renders of n, without rendering it.
func (h fnv) addNode(n *app.Node) fnv {
	if n == nil {
		return h
	}
	h = h.add(n.Scalar)
	for _, it := range n.List {
		h = h.addNode(it)
	}
	for i, k := range n.Keys {
		h = h.add(k).addNode(n.Values[i])
	}
	return h
}
