package app

import (
	"hash/maphash"
	"slices"
	"unsafe"
)

// Compactor copies what a graph keeps into compact storage, so that the
// documents it was loaded from can be dropped and a loaded application costs
// little more than its values:
//
//   - strings are interned: a property name, a type, a file name or an ARN
//     written a thousand times is stored once, and no kept string holds on
//     to a parser's buffer;
//   - nodes are copied into slabs, without the positions of map keys
//     (Node.KeyPos), which the parsers keep but nothing reads once a
//     resource is built;
//   - nodes shared inside the graph (an attribute that is also a property)
//     stay shared, and equal subtrees are stored once. Readers must treat
//     a loaded graph's nodes as read-only, as they always had to: a node
//     may be reached from several places.
//
// Values are unchanged: every kind, scalar, position and origin is copied.
// A Compactor is not safe for concurrent use; one loader worker owns one,
// and the graphs it compacts share its interned strings.
type Compactor struct {
	strs  map[string]string
	nodes []Node
	ptrs  []*Node
	keys  []string
	seen  map[*Node]*Node // the nodes of the current graph already copied
	// lists of the current graph already copied, by first element: a
	// role's statements are appended to the resources it governs.
	seenStrs  map[*string][]string
	seenNodes map[**Node][]*Node
	// canon holds the nodes of the current graph by hash, to store equal
	// subtrees once.
	canon map[uint64][]*Node
	seed  maphash.Seed
	// lastFile was interned as lastInterned (see pos).
	lastFile, lastInterned string
}

// NewCompactor returns an empty Compactor.
func NewCompactor() *Compactor {
	return &Compactor{strs: make(map[string]string, 1024), seen: make(map[*Node]*Node, 512),
		seenStrs: make(map[*string][]string), seenNodes: make(map[**Node][]*Node),
		canon: make(map[uint64][]*Node, 512), seed: maphash.MakeSeed()}
}

// slab sizes: big enough that allocation is rare, small enough that a
// worker's last, partly used slab wastes little.
const (
	nodeSlab = 256
	ptrSlab  = 1024
)

// String returns s interned.
func (c *Compactor) String(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := c.strs[s]; ok {
		return v
	}
	// Copy: s may be a slice of a whole parsed file.
	v := string([]byte(s))
	c.strs[v] = v
	return v
}

// Graph replaces every node, string and statement of g's resources and
// edges by its compact copy. g is changed in place and must not be mutated
// concurrently.
func (c *Compactor) Graph(g *Graph) {
	c.forget()
	for _, r := range g.Resources {
		c.Resource(r)
	}
	for i := range g.Edges {
		c.edge(&g.Edges[i])
	}
	for i := range g.Files {
		g.Files[i] = c.String(g.Files[i])
	}
	for i := range g.Diags {
		g.Diags[i].Pos = c.pos(g.Diags[i].Pos)
	}
	g.edges = nil
	g.reindex()
	c.forget()
}

func (c *Compactor) forget() {
	clear(c.seen)
	clear(c.canon)
	clear(c.seenStrs)
	clear(c.seenNodes)
}

// Resource compacts r in place.
func (c *Compactor) Resource(r *Resource) {
	r.ID, r.Type, r.Name = c.String(r.ID), c.String(r.Type), c.String(r.Name)
	r.Kind = Kind(c.String(string(r.Kind)))
	r.Format, r.Stack, r.Condition = c.String(r.Format), c.String(r.Stack), c.String(r.Condition)
	r.Pos = c.pos(r.Pos)
	r.Props = c.Node(r.Props)
	r.Metadata = c.Node(r.Metadata)
	if r.Attrs != nil {
		attrs := make(map[string]*Node, len(r.Attrs))
		for k, v := range r.Attrs {
			attrs[c.String(k)] = c.Node(v)
		}
		r.Attrs = attrs
	}
	if r.Tags != nil {
		tags := make(map[string]string, len(r.Tags))
		for k, v := range r.Tags {
			tags[c.String(k)] = c.String(v)
		}
		r.Tags = tags
	}
	if r.Statements != nil {
		stmts := make([]Statement, len(r.Statements))
		for i, s := range r.Statements {
			stmts[i] = c.statement(s)
		}
		r.Statements = stmts
	}
}

func (c *Compactor) statement(s Statement) Statement {
	s.Sid, s.Effect, s.Policy = c.String(s.Sid), c.String(s.Effect), c.String(s.Policy)
	s.Actions, s.NotActions = c.sharedStrings(s.Actions), c.sharedStrings(s.NotActions)
	s.Resources, s.NotResources = c.sharedNodes(s.Resources), c.sharedNodes(s.NotResources)
	s.Principals, s.NotPrincipals = c.principals(s.Principals), c.principals(s.NotPrincipals)
	s.Condition = c.Node(s.Condition)
	s.Pos = c.pos(s.Pos)
	return s
}

func (c *Compactor) principals(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[c.String(k)] = c.strings(v)
	}
	return out
}

func (c *Compactor) strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = c.String(s)
	}
	return out
}

// sharedStrings is strings, copying a list reached twice once.
func (c *Compactor) sharedStrings(ss []string) []string {
	if len(ss) == 0 {
		return c.strings(ss)
	}
	if out, ok := c.seenStrs[&ss[0]]; ok && len(out) == len(ss) {
		return out
	}
	out := c.strings(ss)
	c.seenStrs[&ss[0]] = out
	return out
}

// sharedNodes is nodeList, copying a list reached twice once.
func (c *Compactor) sharedNodes(ns []*Node) []*Node {
	if len(ns) == 0 {
		return c.nodeList(ns)
	}
	if out, ok := c.seenNodes[&ns[0]]; ok && len(out) == len(ns) {
		return out
	}
	out := c.nodeList(ns)
	c.seenNodes[&ns[0]] = out
	return out
}

func (c *Compactor) edge(e *Edge) {
	e.From, e.To, e.Via = c.String(e.From), c.String(e.To), c.String(e.Via)
	e.Kind = EdgeKind(c.String(string(e.Kind)))
	e.Pos = c.pos(e.Pos)
	if e.Detail != nil {
		d := make(map[string]string, len(e.Detail))
		for k, v := range e.Detail {
			d[c.String(k)] = c.String(v)
		}
		e.Detail = d
	}
}

// pos compacts a position. Nearly every position of a graph names the
// same few files: the last one is kept at hand rather than looked up.
func (c *Compactor) pos(p Pos) Pos {
	if len(p.File) == len(c.lastFile) && unsafe.StringData(p.File) == unsafe.StringData(c.lastFile) {
		p.File = c.lastInterned
		return p
	}
	c.lastFile = p.File
	p.File = c.String(p.File)
	c.lastInterned = p.File
	return p
}

// Node returns the compact copy of n (nil for nil). Within one Graph call,
// a node reached twice is copied once, and equal subtrees (same kinds,
// text, positions and origins all the way down: a function's tags that the
// SAM transform copies onto its role) are stored once. n must be acyclic,
// as every parsed or transformed document is.
func (c *Compactor) Node(n *Node) *Node {
	if n == nil {
		return nil
	}
	if m, ok := c.seen[n]; ok {
		return m
	}
	v := Node{Kind: n.Kind, Origin: n.Origin, Pos: c.pos(n.Pos), Scalar: c.String(n.Scalar)}
	if n.List != nil {
		v.List = c.nodeList(n.List)
	}
	if n.Keys != nil {
		v.Keys = c.keyList(n.Keys)
		v.Values = c.nodeList(n.Values)
	}
	h := c.hash(&v)
	for _, e := range c.canon[h] {
		if sameNode(e, &v) {
			c.seen[n] = e
			return e
		}
	}
	if len(c.nodes) == 0 {
		c.nodes = make([]Node, nodeSlab)
	}
	m := &c.nodes[0]
	c.nodes = c.nodes[1:]
	*m = v
	c.canon[h] = append(c.canon[h], m)
	c.seen[n] = m
	return m
}

// hash mixes what sameNode compares: children are already canonical, so
// their addresses stand for their contents, as interned strings' do.
func (c *Compactor) hash(n *Node) uint64 {
	h := uint64(n.Kind)<<8 | uint64(n.Origin)
	mix := func(x uint64) { h = (h ^ x) * 0x100000001b3 }
	mix(maphash.String(c.seed, n.Scalar))
	mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(n.Pos.File)))))
	mix(uint64(n.Pos.Line)<<32 ^ uint64(n.Pos.Col))
	for _, x := range n.List {
		mix(uint64(uintptr(unsafe.Pointer(x))))
	}
	for i, x := range n.Values {
		mix(uint64(uintptr(unsafe.Pointer(x))))
		mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(n.Keys[i])))))
	}
	return h
}

// sameNode reports whether two compacted nodes hold the same value.
func sameNode(a, b *Node) bool {
	if a.Kind != b.Kind || a.Origin != b.Origin || a.Scalar != b.Scalar || a.Pos != b.Pos ||
		(a.List == nil) != (b.List == nil) || (a.Keys == nil) != (b.Keys == nil) || (a.Values == nil) != (b.Values == nil) {
		return false
	}
	return slices.Equal(a.List, b.List) && slices.Equal(a.Keys, b.Keys) && slices.Equal(a.Values, b.Values)
}

// nodeList copies a list of nodes into the pointer slab. Its capacity is
// its length, so an append by a later reader copies instead of writing
// over a neighbour.
func (c *Compactor) nodeList(ns []*Node) []*Node {
	if ns == nil {
		return nil
	}
	k := len(ns)
	var out []*Node
	if k > ptrSlab/4 {
		out = make([]*Node, k)
	} else {
		if len(c.ptrs) < k {
			c.ptrs = make([]*Node, ptrSlab)
		}
		out = c.ptrs[:k:k]
		c.ptrs = c.ptrs[k:]
	}
	for i, x := range ns {
		out[i] = c.Node(x)
	}
	return out
}

func (c *Compactor) keyList(ks []string) []string {
	k := len(ks)
	var out []string
	if k > ptrSlab/4 {
		out = make([]string, k)
	} else {
		if len(c.keys) < k {
			c.keys = make([]string, ptrSlab)
		}
		out = c.keys[:k:k]
		c.keys = c.keys[k:]
	}
	for i, s := range ks {
		out[i] = c.String(s)
	}
	return out
}
