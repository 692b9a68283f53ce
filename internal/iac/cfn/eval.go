package cfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// noValue is what Ref AWS::NoValue evaluates to; maps and lists drop it.
var noValue = &app.Node{Kind: app.NullNode, Scalar: "AWS::NoValue"}

// tri is a three-valued truth: conditions whose inputs are unknown stay
// unknown rather than guessed.
type tri int8

const (
	unknown tri = iota
	yes
	no
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// eval evaluates the intrinsic functions in n. A subtree without an
// intrinsic is returned as is (no copy); a changed subtree is copied only
// along the path to what changed. What cannot be resolved (a resource's
// Ref, an unknown region) stays as its intrinsic map, with its arguments
// evaluated as far as they go. A value an intrinsic produced from elsewhere
// (a parameter, a mapping, a computation) takes the intrinsic's position; a
// value written inside the expression (an Fn::If branch) keeps its own.
func (s *scope) eval(n *app.Node) *app.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case app.ListNode:
		var out []*app.Node
		for i, it := range n.List {
			v := s.eval(it)
			if v != it && out == nil {
				out = make([]*app.Node, i, len(n.List))
				copy(out, n.List[:i])
			}
			if out != nil && v != noValue {
				out = append(out, v)
			}
		}
		if out == nil {
			return n
		}
		c := *n
		c.List = out
		return &c
	case app.MapNode:
		if name, arg, ok := n.Intrinsic(); ok {
			return s.intrinsic(n, name, arg)
		}
		var keys []string
		var vals []*app.Node
		var kpos []app.Pos
		for i, v := range n.Values {
			e := s.eval(v)
			if e != v && vals == nil {
				keys = make([]string, i, len(n.Keys))
				copy(keys, n.Keys[:i])
				vals = make([]*app.Node, i, len(n.Values))
				copy(vals, n.Values[:i])
				if n.KeyPos != nil {
					kpos = make([]app.Pos, i, len(n.KeyPos))
					copy(kpos, n.KeyPos[:i])
				}
			}
			if vals != nil && e != noValue {
				keys = append(keys, n.Keys[i])
				vals = append(vals, e)
				if n.KeyPos != nil && i < len(n.KeyPos) {
					kpos = append(kpos, n.KeyPos[i])
				}
			}
		}
		if vals == nil {
			return n
		}
		c := *n
		c.Keys, c.Values, c.KeyPos = keys, vals, kpos
		if n.KeyPos == nil {
			c.KeyPos = nil
		}
		return &c
	}
	return n
}

// at returns v moved to p (a shallow copy), for values an intrinsic at p
// produced from elsewhere.
func at(v *app.Node, p app.Pos) *app.Node {
	if v == nil || v == noValue {
		return v
	}
	c := *v
	c.Pos = p
	c.Origin = app.Written
	return &c
}

// rebuild returns n itself when its argument did not change, else a new
// intrinsic map with the evaluated argument.
func rebuild(n *app.Node, name string, old, arg *app.Node) *app.Node {
	if old == arg {
		return n
	}
	return &app.Node{Kind: app.MapNode, Pos: n.Pos, Keys: []string{name}, Values: []*app.Node{arg}, KeyPos: n.KeyPos, Origin: n.Origin}
}

func (s *scope) intrinsic(n *app.Node, name string, arg *app.Node) *app.Node {
	switch name {
	case "Ref":
		return s.ref(n, arg)
	case "Fn::GetAtt":
		return s.getAtt(n, arg)
	case "Fn::Sub":
		return s.sub(n, arg)
	case "Fn::If":
		return s.fnIf(n, arg)
	case "Fn::Join":
		return s.join(n, arg)
	case "Fn::Select":
		return s.selectFn(n, arg)
	case "Fn::Split":
		return s.split(n, arg)
	case "Fn::FindInMap":
		return s.findInMap(n, arg)
	case "Fn::Base64":
		e := s.eval(arg)
		if str, ok := e.String(); ok {
			return app.Str(base64.StdEncoding.EncodeToString([]byte(str)), n.Pos)
		}
		return rebuild(n, name, arg, e)
	case "Fn::Cidr":
		return s.cidr(n, arg)
	case "Fn::ToJsonString":
		e := s.eval(arg)
		if hasIntrinsic(e) {
			return rebuild(n, name, arg, e)
		}
		return app.Str(toJSON(e), n.Pos)
	case "Fn::Length":
		e := s.eval(arg)
		if e.IsList() {
			return app.Int(int64(len(e.List)), n.Pos)
		}
		return rebuild(n, name, arg, e)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		switch s.truth(n) {
		case yes:
			return app.Bool(true, n.Pos)
		case no:
			return app.Bool(false, n.Pos)
		}
		return n
	case "Fn::ImportValue", "Fn::GetAZs":
		// Values from outside the template: evaluate the argument (so its
		// references are checked) and stay symbolic.
		return rebuild(n, name, arg, s.eval(arg))
	}
	// Fn::Transform, Fn::ForEach and functions this adapter does not know
	// stay as written.
	return n
}

// pseudo returns the value of a pseudo parameter; ok is false when the name
// is not one, known false when it is one whose value is not known.
func (s *scope) pseudo(name string) (v string, known, ok bool) {
	o := &s.a.opts
	switch name {
	case "AWS::Region":
		return o.Region, o.Region != "", true
	case "AWS::AccountId":
		return o.Account, o.Account != "", true
	case "AWS::Partition":
		return o.Partition, true, true
	case "AWS::StackName":
		if s.stack != "" {
			return "", false, true
		}
		return o.StackName, o.StackName != "", true
	case "AWS::URLSuffix":
		if strings.HasPrefix(o.Partition, "aws-cn") {
			return "amazonaws.com.cn", true, true
		}
		return "amazonaws.com", true, true
	case "AWS::StackId", "AWS::NotificationARNs", "AWS::NoValue":
		return "", false, true
	}
	return "", false, false
}

func (s *scope) ref(n, arg *app.Node) *app.Node {
	name, ok := arg.String()
	if !ok {
		return n
	}
	if name == "AWS::NoValue" {
		return noValue
	}
	if v, known, ok := s.pseudo(name); ok {
		if known {
			return app.Str(v, n.Pos)
		}
		return n
	}
	if p, ok := s.params[name]; ok {
		if p.value != nil {
			return at(p.value, n.Pos)
		}
		return n
	}
	if s.res[name] == nil && !s.samPropertyRef(name) {
		s.unknownRef(name, arg.Pos)
	}
	return n
}

// samPropertyRef reports whether name is a SAM property reference
// ("MyFunction.Alias", "MyFunction.DestinationTopic") to a resource the
// SAM transform wrote: valid in SAM templates, to a generated resource.
func (s *scope) samPropertyRef(name string) bool {
	base, _, ok := strings.Cut(name, ".")
	if !ok {
		return false
	}
	e := s.res[base]
	return e != nil && (strings.HasPrefix(e.src.WrittenType, "AWS::Serverless::") || strings.HasPrefix(e.src.Type, "AWS::Serverless::"))
}

func (s *scope) unknownRef(name string, p app.Pos) {
	s.a.g.Diag(p, app.SevError, fmt.Sprintf("reference to unknown resource or parameter %s", name))
}

// getAttArgs splits the argument of Fn::GetAtt, in either the list or the
// "Resource.Attribute" form. The attribute may be an intrinsic (a Ref to a
// parameter) in the list form; it is evaluated.
func (s *scope) getAttArgs(arg *app.Node) (res string, attr *app.Node, ok bool) {
	if str, isStr := arg.String(); isStr {
		r, a, found := strings.Cut(str, ".")
		if !found {
			return "", nil, false
		}
		return r, app.Str(a, arg.Pos), true
	}
	if !arg.IsList() || len(arg.List) < 2 {
		return "", nil, false
	}
	r, isStr := arg.List[0].String()
	if !isStr {
		return "", nil, false
	}
	return r, s.eval(arg.List[1]), true
}

func (s *scope) getAtt(n, arg *app.Node) *app.Node {
	res, attr, ok := s.getAttArgs(arg)
	if !ok {
		return n
	}
	if s.res[res] == nil {
		s.unknownRef(res, arg.Pos)
		return n
	}
	if out, ok := strings.CutPrefix(attr.Text(), "Outputs."); ok {
		if v := s.childOutput(res, out); v != nil && v.IsScalar() {
			return at(v, n.Pos)
		}
	}
	return n
}

// subVar resolves one ${...} variable of an Fn::Sub.
func (s *scope) subVar(name string, vars *app.Node, p app.Pos) (string, bool) {
	name = strings.TrimSpace(name)
	if v := vars.Get(name); v != nil {
		return v.String()
	}
	if res, attr, found := strings.Cut(name, "."); found {
		if _, _, isPseudo := s.pseudo(name); isPseudo {
			return "", false
		}
		if s.res[res] == nil {
			s.unknownRef(res, p)
			return "", false
		}
		if out, ok := strings.CutPrefix(attr, "Outputs."); ok {
			if v := s.childOutput(res, out); v != nil {
				return v.String()
			}
		}
		return "", false
	}
	if v, known, ok := s.pseudo(name); ok {
		return v, known
	}
	if pr, ok := s.params[name]; ok {
		return pr.value.String()
	}
	if s.res[name] == nil {
		s.unknownRef(name, p)
	}
	return "", false
}

// subParts calls fn for each part of an Fn::Sub template: literal text (var
// false) and variable names (var true). "${!X}" is the literal "${X}".
func subParts(tmpl string, fn func(text string, isVar bool)) {
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			if tmpl != "" {
				fn(tmpl, false)
			}
			return
		}
		j := strings.IndexByte(tmpl[i+2:], '}')
		if j < 0 {
			fn(tmpl, false)
			return
		}
		if i > 0 {
			fn(tmpl[:i], false)
		}
		name := tmpl[i+2 : i+2+j]
		if strings.HasPrefix(name, "!") {
			fn("${"+name[1:]+"}", false)
		} else {
			fn(name, true)
		}
		tmpl = tmpl[i+3+j:]
	}
}

func (s *scope) sub(n, arg *app.Node) *app.Node {
	tmplNode, vars := arg, (*app.Node)(nil)
	if arg.IsList() {
		if len(arg.List) == 0 {
			return n
		}
		tmplNode = arg.List[0]
		if len(arg.List) > 1 {
			vars = s.eval(arg.List[1])
		}
	}
	tmpl, ok := tmplNode.String()
	if !ok {
		return n
	}
	if !strings.Contains(tmpl, "${") {
		return app.Str(tmpl, n.Pos)
	}
	// Two renderings: full (every variable resolved, "${!X}" unescaped) and
	// partial (still a Sub template: unresolved variables and escapes kept).
	var full, partial strings.Builder
	resolved := true
	subParts(tmpl, func(text string, isVar bool) {
		if !isVar {
			full.WriteString(text)
			if strings.HasPrefix(text, "${") {
				partial.WriteString("${!" + text[2:])
			} else {
				partial.WriteString(text)
			}
			return
		}
		if v, ok := s.subVar(text, vars, tmplNode.Pos); ok {
			full.WriteString(v)
			partial.WriteString(v)
			return
		}
		resolved = false
		partial.WriteString("${" + text + "}")
	})
	if resolved {
		return app.Str(full.String(), n.Pos)
	}
	pt := partial.String()
	if pt == tmpl && (!arg.IsList() || len(arg.List) < 2 || vars == arg.List[1]) {
		return n
	}
	var newArg *app.Node
	if arg.IsList() {
		items := append([]*app.Node{app.Str(pt, tmplNode.Pos)}, arg.List[1:]...)
		if vars != nil {
			items[1] = vars
		}
		newArg = app.NewList(arg.Pos, items...)
	} else {
		newArg = app.Str(pt, tmplNode.Pos)
	}
	return rebuild(n, "Fn::Sub", nil, newArg)
}

func (s *scope) fnIf(n, arg *app.Node) *app.Node {
	if !arg.IsList() || len(arg.List) != 3 {
		return n
	}
	cname, _ := arg.List[0].String()
	switch s.condition(cname, arg.List[0].Pos) {
	case yes:
		s.eval(arg.List[2]) // references in the other branch are still checked
		return s.eval(arg.List[1])
	case no:
		s.eval(arg.List[1])
		return s.eval(arg.List[2])
	}
	a, b := s.eval(arg.List[1]), s.eval(arg.List[2])
	// The sentinel must not escape into the tree: a branch that is
	// AWS::NoValue stays written as such.
	if a == noValue {
		a = arg.List[1]
	}
	if b == noValue {
		b = arg.List[2]
	}
	if a == arg.List[1] && b == arg.List[2] {
		return n
	}
	return rebuild(n, "Fn::If", nil, app.NewList(arg.Pos, arg.List[0], a, b))
}

func (s *scope) join(n, arg *app.Node) *app.Node {
	e := s.eval(arg)
	if !e.IsList() || len(e.List) != 2 {
		return rebuild(n, "Fn::Join", arg, e)
	}
	delim, ok := e.List[0].String()
	items := e.List[1]
	if !ok || !items.IsList() {
		return rebuild(n, "Fn::Join", arg, e)
	}
	parts := make([]string, len(items.List))
	for i, it := range items.List {
		if parts[i], ok = it.String(); !ok {
			return rebuild(n, "Fn::Join", arg, e)
		}
	}
	return app.Str(strings.Join(parts, delim), n.Pos)
}

func (s *scope) selectFn(n, arg *app.Node) *app.Node {
	e := s.eval(arg)
	if !e.IsList() || len(e.List) != 2 {
		return rebuild(n, "Fn::Select", arg, e)
	}
	i, ok := e.List[0].Int64()
	list := e.List[1]
	if !ok || !list.IsList() {
		return rebuild(n, "Fn::Select", arg, e)
	}
	if i < 0 || i >= int64(len(list.List)) {
		s.a.g.Diag(n.Pos, app.SevError, fmt.Sprintf("Fn::Select index %d is out of range (list has %d items)", i, len(list.List)))
		return rebuild(n, "Fn::Select", arg, e)
	}
	if arg.IsList() && len(arg.List) == 2 && arg.List[1] == list {
		return list.List[i] // written inside the expression
	}
	return at(list.List[i], n.Pos)
}

func (s *scope) split(n, arg *app.Node) *app.Node {
	e := s.eval(arg)
	if !e.IsList() || len(e.List) != 2 {
		return rebuild(n, "Fn::Split", arg, e)
	}
	delim, ok1 := e.List[0].String()
	str, ok2 := e.List[1].String()
	if !ok1 || !ok2 || delim == "" {
		return rebuild(n, "Fn::Split", arg, e)
	}
	parts := strings.Split(str, delim)
	out := &app.Node{Kind: app.ListNode, Pos: n.Pos, List: make([]*app.Node, len(parts))}
	for i, p := range parts {
		out.List[i] = app.Str(p, n.Pos)
	}
	return out
}

func (s *scope) findInMap(n, arg *app.Node) *app.Node {
	e := s.eval(arg)
	if !e.IsList() || len(e.List) < 3 {
		return rebuild(n, "Fn::FindInMap", arg, e)
	}
	var def *app.Node
	if len(e.List) > 3 {
		def = e.List[3].Get("DefaultValue")
	}
	m, ok1 := e.List[0].String()
	k1, ok2 := e.List[1].String()
	k2, ok3 := e.List[2].String()
	if !ok1 || !ok2 || !ok3 {
		return rebuild(n, "Fn::FindInMap", arg, e)
	}
	mapping := s.t.Section("Mappings").Get(m)
	if mapping == nil {
		if def != nil {
			return at(def, n.Pos)
		}
		s.a.g.Diag(e.List[0].Pos, app.SevError, fmt.Sprintf("Fn::FindInMap: no mapping %s", m))
		return rebuild(n, "Fn::FindInMap", arg, e)
	}
	if v := mapping.Path(k1, k2); v != nil {
		// Mapping values are literals in CloudFormation; evaluating them
		// would let a mapping refer to itself without end.
		return at(v, n.Pos)
	}
	if def != nil {
		return at(def, n.Pos)
	}
	s.a.g.Diag(n.Pos, app.SevWarning, fmt.Sprintf("Fn::FindInMap: mapping %s has no %s/%s", m, k1, k2))
	return rebuild(n, "Fn::FindInMap", arg, e)
}

// cidr computes Fn::Cidr [ipBlock, count, cidrBits]: count consecutive
// subnets with cidrBits host bits each.
func (s *scope) cidr(n, arg *app.Node) *app.Node {
	e := s.eval(arg)
	if !e.IsList() || len(e.List) != 3 {
		return rebuild(n, "Fn::Cidr", arg, e)
	}
	block, ok := e.List[0].String()
	count, ok2 := e.List[1].Int64()
	bits, ok3 := e.List[2].Int64()
	pfx, err := netip.ParsePrefix(block)
	if !ok || !ok2 || !ok3 || err != nil {
		return rebuild(n, "Fn::Cidr", arg, e)
	}
	total := pfx.Addr().BitLen()
	size := total - int(bits)
	if count < 1 || count > 256 || bits < 1 || size < pfx.Bits() {
		s.a.g.Diag(n.Pos, app.SevError, "Fn::Cidr: subnets do not fit the block")
		return rebuild(n, "Fn::Cidr", arg, e)
	}
	out := &app.Node{Kind: app.ListNode, Pos: n.Pos}
	addr := pfx.Masked().Addr()
	for range count {
		p := netip.PrefixFrom(addr, size)
		if !pfx.Contains(addr) {
			s.a.g.Diag(n.Pos, app.SevError, "Fn::Cidr: subnets do not fit the block")
			return rebuild(n, "Fn::Cidr", arg, e)
		}
		out.List = append(out.List, app.Str(p.String(), n.Pos))
		addr = addBits(addr, int(bits))
	}
	return out
}

// addBits adds 2^bits to a.
func addBits(a netip.Addr, bits int) netip.Addr {
	b := a.AsSlice()
	carry := 1
	for i := len(b) - 1 - bits/8; i >= 0 && carry > 0; i-- {
		inc := carry
		if i == len(b)-1-bits/8 {
			inc = 1 << (bits % 8)
		}
		v := int(b[i]) + inc
		b[i] = byte(v)
		carry = v >> 8
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

// hasIntrinsic reports whether any intrinsic remains in n.
func hasIntrinsic(n *app.Node) bool {
	if n == nil {
		return false
	}
	if _, _, ok := n.Intrinsic(); ok {
		return true
	}
	for _, c := range n.List {
		if hasIntrinsic(c) {
			return true
		}
	}
	for _, c := range n.Values {
		if hasIntrinsic(c) {
			return true
		}
	}
	return false
}

// toJSON renders n as compact JSON, keeping map keys in written order.
func toJSON(n *app.Node) string {
	var b strings.Builder
	writeJSON(&b, n)
	return b.String()
}

func writeJSON(b *strings.Builder, n *app.Node) {
	if n == nil {
		b.WriteString("null")
		return
	}
	switch n.Kind {
	case app.StringNode:
		q, _ := json.Marshal(n.Scalar)
		b.Write(q)
	case app.NumberNode:
		if _, err := strconv.ParseFloat(n.Scalar, 64); err == nil {
			b.WriteString(n.Scalar)
		} else {
			q, _ := json.Marshal(n.Scalar)
			b.Write(q)
		}
	case app.BoolNode:
		v, _ := n.Truth()
		b.WriteString(strconv.FormatBool(v))
	case app.ListNode:
		b.WriteByte('[')
		for i, it := range n.List {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, it)
		}
		b.WriteByte(']')
	case app.MapNode:
		b.WriteByte('{')
		for i, k := range n.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			q, _ := json.Marshal(k)
			b.Write(q)
			b.WriteByte(':')
			writeJSON(b, n.Values[i])
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// condition evaluates a named condition of the Conditions section, once.
func (s *scope) condition(name string, p app.Pos) tri {
	if v, ok := s.conds[name]; ok {
		return v
	}
	expr := s.t.Section("Conditions").Get(name)
	if expr == nil {
		s.a.g.Diag(p, app.SevError, fmt.Sprintf("reference to unknown condition %s", name))
		s.conds[name] = unknown
		return unknown
	}
	s.conds[name] = unknown // a condition that refers to itself stays unknown
	v := s.truth(expr)
	s.conds[name] = v
	return v
}

// truth evaluates a condition expression.
func (s *scope) truth(n *app.Node) tri {
	name, arg, ok := n.Intrinsic()
	if !ok {
		if b, ok := n.Truth(); ok {
			return triOf(b)
		}
		return unknown
	}
	switch name {
	case "Condition":
		c, _ := arg.String()
		return s.condition(c, arg.Pos)
	case "Fn::Equals":
		e := s.eval(arg)
		if !e.IsList() || len(e.List) != 2 {
			return unknown
		}
		a, ok1 := e.List[0].String()
		b, ok2 := e.List[1].String()
		if ok1 && ok2 {
			return triOf(a == b)
		}
		return unknown
	case "Fn::Not":
		if !arg.IsList() || len(arg.List) != 1 {
			return unknown
		}
		switch s.truth(arg.List[0]) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case "Fn::And", "Fn::Or":
		stop := no // the value that decides: false for And, true for Or
		if name == "Fn::Or" {
			stop = yes
		}
		out := 3 - stop // the value when no item decides
		for _, it := range arg.Items() {
			switch v := s.truth(it); v {
			case stop:
				return stop
			case unknown:
				out = unknown
			}
		}
		return out
	}
	if b, ok := s.eval(n).Truth(); ok {
		return triOf(b)
	}
	return unknown
}
