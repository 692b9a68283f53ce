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
	// stack and kstack hold the compacted children and keys of the nodes
	// being compacted (see Node).
	stack  []*Node
	kstack []string
	// lists of the current graph already copied, by first element: a
	// role's statements are appended to the resources it governs.
	seenStrs  map[*string][]string
	seenNodes map[**Node][]*Node
	// canon holds the nodes of the current graph by hash, to store equal
	// subtrees once.
	canon map[uint64]*Node
	seed  maphash.Seed
	// lastFile was interned as lastInterned (see pos).
	lastFile, lastInterned string
}

// NewCompactor returns an empty Compactor.
func NewCompactor() *Compactor {
	return &Compactor{strs: make(map[string]string, 1024),
		seenStrs: make(map[*string][]string), seenNodes: make(map[**Node][]*Node),
		canon: make(map[uint64]*Node, 512), seed: maphash.MakeSeed()}
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
	// Attribute names are the loaders' constants (attr.go), not text of a
	// document: the map is kept and only its values replaced.
	for k, v := range r.Attrs {
		r.Attrs[k] = c.Node(v)
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

// Node returns the compact copy of n (nil for nil). Equal subtrees (same
// kinds, text, positions and origins all the way down) are stored once
// within one Graph call: a node reached twice, or a function's tags that
// the SAM transform copies onto its role. n must be acyclic, as every
// parsed or transformed document is.
//
// Children are compacted onto a scratch stack first, so that a node found
// to exist already costs no slab space.
func (c *Compactor) Node(n *Node) *Node {
	if n == nil {
		return nil
	}
	base, kbase := len(c.stack), len(c.kstack)
	for _, x := range n.List {
		m := c.Node(x)
		c.stack = append(c.stack, m)
	}
	for i, x := range n.Values {
		m := c.Node(x)
		c.stack = append(c.stack, m)
		c.kstack = append(c.kstack, c.String(n.Keys[i]))
	}
	kids, keys := c.stack[base:], c.kstack[kbase:]
	items, vals := kids[:len(n.List)], kids[len(n.List):]
	v := Node{Kind: n.Kind, Origin: n.Origin, Pos: c.pos(n.Pos), Scalar: c.String(n.Scalar)}
	h := c.hash(&v, kids, keys)
	var m *Node
	e, taken := c.canon[h]
	if taken {
		if e.Kind == v.Kind && e.Origin == v.Origin && e.Scalar == v.Scalar && e.Pos == v.Pos &&
			(e.List == nil) == (n.List == nil) && (e.Keys == nil) == (n.Keys == nil) && (e.Values == nil) == (n.Values == nil) &&
			slices.Equal(e.List, items) && slices.Equal(e.Values, vals) && slices.Equal(e.Keys, keys) {
			m = e
		}
	}
	if m == nil {
		if len(c.nodes) == 0 {
			c.nodes = make([]Node, nodeSlab)
		}
		m = &c.nodes[0]
		c.nodes = c.nodes[1:]
		*m = v
		if n.List != nil {
			m.List = c.ptrSlice(items)
		}
		if n.Keys != nil {
			m.Keys = c.keySlice(keys)
		}
		if n.Values != nil {
			m.Values = c.ptrSlice(vals)
		}
		if !taken { // on a hash collision the first node stays canonical
			c.canon[h] = m
		}
	}
	clear(kids) // no stale pointers on the stack
	c.stack, c.kstack = c.stack[:base], c.kstack[:kbase]
	return m
}

// hash mixes what Node compares: children are already canonical, so
// their addresses stand for their contents, as interned strings' do.
func (c *Compactor) hash(n *Node, kids []*Node, keys []string) uint64 {
	h := uint64(n.Kind)<<8 | uint64(n.Origin)
	mix := func(x uint64) { h = (h ^ x) * 0x100000001b3 }
	mix(maphash.String(c.seed, n.Scalar))
	mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(n.Pos.File)))))
	mix(uint64(n.Pos.Line)<<32 ^ uint64(n.Pos.Col))
	for _, x := range kids {
		mix(uint64(uintptr(unsafe.Pointer(x))))
	}
	for _, k := range keys {
		mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(k)))))
	}
	return h
}

// nodeList copies a list of nodes (a statement's resources).
func (c *Compactor) nodeList(ns []*Node) []*Node {
	if ns == nil {
		return nil
	}
	out := make([]*Node, len(ns))
	for i, x := range ns {
		out[i] = c.Node(x)
	}
	return out
}

// ptrSlice copies ns into the pointer slab. Its capacity is its length, so
// an append by a later reader copies instead of writing over a neighbour.
func (c *Compactor) ptrSlice(ns []*Node) []*Node {
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
	copy(out, ns)
	return out
}

// keySlice is ptrSlice for map keys, already interned.
func (c *Compactor) keySlice(ks []string) []string {
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
	copy(out, ks)
	return out
}
