package app

import (
	"strconv"
	"strings"
)

// NodeKind is the shape of a Node.
type NodeKind uint8

// Node kinds. Intrinsic functions are not a kind of their own: as in
// CloudFormation's JSON form they are a Map with one key, "Ref" or "Fn::...".
const (
	NullNode NodeKind = iota
	StringNode
	NumberNode
	BoolNode
	ListNode
	MapNode
)

// Origin says where a value comes from.
type Origin uint8

// Origins.
const (
	// Written: the value is in the template at Pos.
	Written Origin = iota
	// Derived: a transform (SAM, the Serverless Framework) produced the value
	// from something written at Pos, e.g. a Globals entry or an event.
	Derived
	// Default: nobody wrote it; it is what the platform uses when the
	// property is left out. Pos is the owning resource's position.
	Default
)

// String names the origin.
func (o Origin) String() string {
	switch o {
	case Written:
		return "written"
	case Derived:
		return "derived"
	case Default:
		return "default"
	}
	return "unknown"
}

// Node is a positioned document value: what the template parsers produce and
// what resource properties and attributes are kept as. Maps keep the order
// their keys were written in. A nil *Node is a valid, absent value: every
// accessor on it returns the zero result.
type Node struct {
	Kind   NodeKind
	Origin Origin
	// Scalar is the text of a String, Number or Bool node.
	Scalar string
	// List holds a List node's items.
	List []*Node
	// Keys and Values hold a Map node's entries, in order.
	Keys   []string
	Values []*Node
	// KeyPos holds the position of each key of a Map node (parallel to Keys);
	// it may be nil for built nodes.
	KeyPos []Pos
	Pos    Pos
}

// Str builds a String node.
func Str(s string, p Pos) *Node { return &Node{Kind: StringNode, Scalar: s, Pos: p} }

// Int builds a Number node.
func Int(n int64, p Pos) *Node {
	return &Node{Kind: NumberNode, Scalar: strconv.FormatInt(n, 10), Pos: p}
}

// Bool builds a Bool node.
func Bool(b bool, p Pos) *Node { return &Node{Kind: BoolNode, Scalar: strconv.FormatBool(b), Pos: p} }

// NewMap builds an empty Map node.
func NewMap(p Pos) *Node { return &Node{Kind: MapNode, Pos: p} }

// NewList builds a List node.
func NewList(p Pos, items ...*Node) *Node { return &Node{Kind: ListNode, List: items, Pos: p} }

// AsDefault marks n (and everything under it) as a platform default and
// returns it.
func (n *Node) AsDefault() *Node { return n.withOrigin(Default) }

// AsDerived marks n (and everything under it) as produced by a transform and
// returns it.
func (n *Node) AsDerived() *Node { return n.withOrigin(Derived) }

func (n *Node) withOrigin(o Origin) *Node {
	if n == nil {
		return nil
	}
	n.Origin = o
	for _, c := range n.List {
		c.withOrigin(o)
	}
	for _, c := range n.Values {
		c.withOrigin(o)
	}
	return n
}

// IsMap, IsList and IsScalar report the node's shape; all are false on nil.
func (n *Node) IsMap() bool  { return n != nil && n.Kind == MapNode }
func (n *Node) IsList() bool { return n != nil && n.Kind == ListNode }
func (n *Node) IsScalar() bool {
	return n != nil && (n.Kind == StringNode || n.Kind == NumberNode || n.Kind == BoolNode)
}

// Get returns the value of key in a Map node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Values[i]
		}
	}
	return nil
}

// Path follows keys through nested maps: n.Path("RedrivePolicy",
// "maxReceiveCount"). It returns nil where any step is missing.
func (n *Node) Path(keys ...string) *Node {
	for _, k := range keys {
		n = n.Get(k)
	}
	return n
}

// Set sets key in a Map node, replacing an existing entry in place or
// appending a new one.
func (n *Node) Set(key string, v *Node) {
	for i, k := range n.Keys {
		if k == key {
			n.Values[i] = v
			return
		}
	}
	n.Keys = append(n.Keys, key)
	n.Values = append(n.Values, v)
	if n.KeyPos != nil {
		p := Pos{}
		if v != nil {
			p = v.Pos
		}
		n.KeyPos = append(n.KeyPos, p)
	}
}

// Delete removes key from a Map node.
func (n *Node) Delete(key string) {
	for i, k := range n.Keys {
		if k == key {
			n.Keys = append(n.Keys[:i:i], n.Keys[i+1:]...)
			n.Values = append(n.Values[:i:i], n.Values[i+1:]...)
			if n.KeyPos != nil {
				n.KeyPos = append(n.KeyPos[:i:i], n.KeyPos[i+1:]...)
			}
			return
		}
	}
}

// Len is the number of items of a List or entries of a Map.
func (n *Node) Len() int {
	switch {
	case n == nil:
		return 0
	case n.Kind == ListNode:
		return len(n.List)
	case n.Kind == MapNode:
		return len(n.Keys)
	}
	return 0
}

// Items returns a List node's items; a scalar or map is returned as a list of
// one, which is how CloudFormation treats many "string or list" properties.
func (n *Node) Items() []*Node {
	switch {
	case n == nil || n.Kind == NullNode:
		return nil
	case n.Kind == ListNode:
		return n.List
	}
	return []*Node{n}
}

// Intrinsic reports whether n is an intrinsic function (a one-key map whose
// key is "Ref", "Condition" or starts with "Fn::") and returns its name and
// argument.
func (n *Node) Intrinsic() (name string, arg *Node, ok bool) {
	if n == nil || n.Kind != MapNode || len(n.Keys) != 1 {
		return "", nil, false
	}
	k := n.Keys[0]
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k, n.Values[0], true
	}
	return "", nil, false
}

// String returns the text of a scalar node; ok is false for anything else,
// including an unresolved intrinsic.
func (n *Node) String() (s string, ok bool) {
	if !n.IsScalar() {
		return "", false
	}
	return n.Scalar, true
}

// Text is String without the flag: "" when n is not a scalar.
func (n *Node) Text() string {
	s, _ := n.String()
	return s
}

// Int64 returns the integer value of a Number node or of a String node that
// holds an integer (CloudFormation accepts "30" where 30 is meant).
func (n *Node) Int64() (int64, bool) {
	if n == nil || (n.Kind != NumberNode && n.Kind != StringNode) {
		return 0, false
	}
	s := strings.TrimSpace(n.Scalar)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

// Float returns the numeric value of a Number node or numeric String node.
func (n *Node) Float() (float64, bool) {
	if n == nil || (n.Kind != NumberNode && n.Kind != StringNode) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(n.Scalar), 64)
	return f, err == nil
}

// Truth returns the boolean value of a Bool node or of a String node holding
// "true"/"false" in any case, as CloudFormation reads them.
func (n *Node) Truth() (value, ok bool) {
	if n == nil || (n.Kind != BoolNode && n.Kind != StringNode) {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(n.Scalar)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Strings returns the scalar items of a list (or the scalar itself) as
// strings, skipping items that are not scalars.
func (n *Node) Strings() []string {
	var out []string
	for _, it := range n.Items() {
		if s, ok := it.String(); ok {
			out = append(out, s)
		}
	}
	return out
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.List != nil {
		c.List = make([]*Node, len(n.List))
		for i, it := range n.List {
			c.List[i] = it.Clone()
		}
	}
	if n.Keys != nil {
		c.Keys = append([]string(nil), n.Keys...)
		c.Values = make([]*Node, len(n.Values))
		for i, v := range n.Values {
			c.Values[i] = v.Clone()
		}
		if n.KeyPos != nil {
			c.KeyPos = append([]Pos(nil), n.KeyPos...)
		}
	}
	return &c
}

// Plain converts n to plain Go values for JSON and CEL: string, int64,
// float64, bool, nil, []any and map[string]any. Intrinsics stay maps.
func (n *Node) Plain() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case StringNode:
		return n.Scalar
	case NumberNode:
		if v, err := strconv.ParseInt(n.Scalar, 10, 64); err == nil {
			return v
		}
		if f, err := strconv.ParseFloat(n.Scalar, 64); err == nil {
			return f
		}
		return n.Scalar
	case BoolNode:
		b, _ := n.Truth()
		return b
	case ListNode:
		out := make([]any, len(n.List))
		for i, it := range n.List {
			out[i] = it.Plain()
		}
		return out
	case MapNode:
		out := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			out[k] = n.Values[i].Plain()
		}
		return out
	}
	return nil
}
