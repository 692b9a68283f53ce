package cfn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fnops/fnops/internal/app"
	"gopkg.in/yaml.v3"
)

// Limits against hostile input. A template larger than MaxFileSize is
// refused; documents deeper than MaxDepth or with more than MaxNodes nodes
// (after YAML alias expansion) are refused, so a billion-laughs document
// cannot exhaust memory.
const (
	MaxFileSize = 16 << 20
	MaxDepth    = 256
	MaxNodes    = 4 << 20
)

// parseMaxNodes is MaxNodes, lowered by tests to reach the limit cheaply.
var parseMaxNodes = MaxNodes

// parseAliasBudget bounds what YAML aliases may add to a document: at most
// this many nodes, or ten times the nodes written, whichever is more. Real
// templates use aliases sparingly; a small document that aliases its way to
// millions of nodes is an attack, and is refused before anything is built.
const parseAliasBudget = 1 << 16

// Parse reads a CloudFormation template in YAML or JSON. Problems that stop
// the document from being read (a syntax error, a limit, a document that is
// not a map) are returned as an app.Diag error with the position; problems
// inside a readable document (duplicate keys, an unknown tag, a resource
// without a Type) are in Template.Diags.
func Parse(file string, data []byte) (*Template, error) {
	root, diags, err := ParseDocument(file, data)
	if err != nil {
		return nil, err
	}
	if !root.IsMap() {
		return nil, app.Diag{Pos: root.Pos, Severity: app.SevError, Message: "template is not a map"}
	}
	t := &Template{File: file, Format: "cloudformation", Root: root, Diags: diags}
	t.readResources()
	return t, nil
}

// ParseDocument reads YAML or JSON into a positioned Node tree: every node
// and every map key (Node.KeyPos) carries file, line and column (1-based,
// columns counted in characters). Short-form intrinsic tags (!Ref, !GetAtt,
// !Sub ...) become their long form, a one-key map such as {"Fn::GetAtt":
// [A, B]}; YAML anchors, aliases and merge keys are expanded.
//
// Content that starts with '{' (after an optional byte order mark and
// whitespace) is read by the JSON parser; if it is not valid JSON but is
// valid YAML (YAML's flow style also starts with '{'), the YAML reading is
// returned with a warning. Other content is YAML: the block style templates
// are written in is read by a fast path (parse_yamlfast.go), anything else
// by yaml.v3, with the same result.
//
// The error, when not nil, is an app.Diag of severity error with the
// position of the problem: the document could not be read at all. Diags
// holds problems that leave the document readable: a duplicate key keeps its
// first value, an unknown tag keeps its untagged value.
func ParseDocument(file string, data []byte) (*app.Node, []app.Diag, error) {
	if len(data) > MaxFileSize {
		return nil, nil, app.Diag{Pos: app.Pos{File: file}, Severity: app.SevError,
			Message: fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(data), MaxFileSize)}
	}
	if !parseLooksJSON(data) {
		return parseYAML(file, data)
	}
	root, diags, err := parseJSON(file, data)
	var syntax app.Diag
	if err == nil || !errors.As(err, &syntax) || !strings.HasPrefix(syntax.Message, jsonSyntaxPrefix) {
		return root, diags, err
	}
	yroot, ydiags, yerr := parseYAML(file, data)
	if yerr != nil {
		return nil, nil, err
	}
	warn := app.Diag{Pos: syntax.Pos, Severity: app.SevWarning,
		Message: "not valid JSON (" + strings.TrimPrefix(syntax.Message, jsonSyntaxPrefix) + "); read as YAML"}
	return yroot, append([]app.Diag{warn}, ydiags...), nil
}

// parseLooksJSON reports whether data starts with '{' after an optional
// UTF-8 byte order mark and whitespace.
func parseLooksJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, parseBOM)
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

var parseBOM = []byte("\xef\xbb\xbf")

// parseYAML reads a YAML document: by the fast path when it can, else with
// yaml.v3.
func parseYAML(file string, data []byte) (*app.Node, []app.Diag, error) {
	if root, diags, ok := parseYAMLFast(file, data); ok {
		return root, diags, nil
	}
	return parseYAMLv3(file, data)
}

// parseYAMLv3 reads a YAML document with yaml.v3 and converts its node tree.
func parseYAMLv3(file string, data []byte) (root *app.Node, diags []app.Diag, err error) {
	defer func() {
		// yaml.v3 turns its own errors into values, but has had runtime
		// panics on malformed input; no input may crash the caller.
		if r := recover(); r != nil {
			root, diags = nil, nil
			err = app.Diag{Pos: app.Pos{File: file}, Severity: app.SevError,
				Message: fmt.Sprintf("invalid YAML: parser failure: %v", r)}
		}
	}()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, app.Diag{Pos: app.Pos{File: file, Line: 1, Col: 1}, Severity: app.SevError, Message: "empty document"}
		}
		return nil, nil, yamlError(file, data, err)
	}
	if len(doc.Content) == 0 || parseYAMLIsNull(doc.Content[0]) {
		return nil, nil, app.Diag{Pos: app.Pos{File: file, Line: 1, Col: 1}, Severity: app.SevError, Message: "empty document"}
	}
	top := doc.Content[0]
	written, expanded := yamlCount(top)
	if expanded > parseMaxNodes {
		return nil, nil, app.Diag{Pos: app.Pos{File: file, Line: top.Line, Col: top.Column}, Severity: app.SevError,
			Message: fmt.Sprintf("document has more than %d values (after alias expansion)", parseMaxNodes)}
	}
	if extra := expanded - written; extra > parseAliasBudget && extra > 10*written {
		return nil, nil, app.Diag{Pos: app.Pos{File: file, Line: top.Line, Col: top.Column}, Severity: app.SevError,
			Message: fmt.Sprintf("aliases expand %d written values to %d; refusing a document that grows this much", written, expanded)}
	}
	c := yamlConverter{file: file, data: data}
	c.arena.init(expanded)
	n, err := c.convert(top, 0)
	if err != nil {
		return nil, nil, err
	}
	var next yaml.Node
	if dec.Decode(&next) == nil {
		c.diags = append(c.diags, app.Diag{Pos: app.Pos{File: file, Line: next.Line}, Severity: app.SevWarning,
			Message: "more than one YAML document; only the first is read"})
	}
	return n, c.diags, nil
}

func parseYAMLIsNull(y *yaml.Node) bool {
	return y.Kind == yaml.ScalarNode && y.Tag == "!!null"
}

// yamlError turns a yaml.v3 error ("yaml: line N: message") into a Diag.
// yaml.v3 reports no column; where the message says which character is at
// fault, the column is found on the line.
func yamlError(file string, data []byte, err error) error {
	msg := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	col := 0
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok && line == 0 {
		// Reported without a position: find the alias.
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
			col = utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i]) + 1
		}
	} else if line == 0 && !strings.HasPrefix(msg, "exceeded max depth") {
		// yaml.v3 leaves out the line when it is the first (its marks count
		// from 0 and it takes 0 for unset).
		line = 1
	}
	if line > 0 && strings.Contains(msg, "found character that cannot start any token") {
		col = parseFindOnLine(data, line, "\t@`")
		if col > 0 && parseLineRune(data, line, col) == '\t' {
			msg += " (a tab: YAML indents with spaces)"
		}
	}
	return app.Diag{Pos: app.Pos{File: file, Line: line, Col: col}, Severity: app.SevError, Message: "invalid YAML: " + msg}
}

// parseLine returns the text of 1-based line n, or nil.
func parseLine(data []byte, n int) []byte {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return nil
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return data
}

// parseFindOnLine returns the 1-based character column of the first of chars
// on line n, or 0.
func parseFindOnLine(data []byte, n int, chars string) int {
	l := parseLine(data, n)
	i := bytes.IndexAny(l, chars)
	if i < 0 {
		return 0
	}
	return len([]rune(string(l[:i]))) + 1
}

func parseLineRune(data []byte, n, col int) rune {
	r := []rune(string(parseLine(data, n)))
	if col < 1 || col > len(r) {
		return 0
	}
	return r[col-1]
}

// yamlCount returns the number of nodes written in the document and the
// number after alias expansion (saturated above MaxNodes), without building
// anything, so that a billion-laughs document is refused in microseconds.
func yamlCount(top *yaml.Node) (written, expanded int) {
	memo := map[*yaml.Node]int{}
	var walk func(y *yaml.Node, depth int) int
	walk = func(y *yaml.Node, depth int) int {
		if depth > MaxDepth {
			return 1 // convert reports the depth; the count only needs to stop
		}
		if y.Kind == yaml.AliasNode {
			written++
			if y.Alias == nil {
				return 1
			}
			if n, ok := memo[y.Alias]; ok {
				if n < 0 { // the alias refers to a node that contains it
					return parseMaxNodes + 1
				}
				return n
			}
			memo[y.Alias] = -1
			// Counted again for the alias, without adding to written.
			w := written
			n := walk(y.Alias, depth+1)
			written = w + 1
			memo[y.Alias] = n
			return n
		}
		written++
		n := 1
		if y.Tag != "" && y.Tag[0] == '!' && (len(y.Tag) == 1 || y.Tag[1] != '!') {
			n += 3 // the intrinsic's wrapping map, and room for !GetAtt's split
		}
		for _, c := range y.Content {
			n += walk(c, depth+1)
			if n > parseMaxNodes {
				return n
			}
		}
		if y.Anchor != "" {
			memo[y] = n
		}
		return n
	}
	// Anchored nodes are walked where they are written before any alias
	// to them (YAML requires the anchor first), so memo holds their size.
	expanded = walk(top, 0)
	return written, expanded
}

// yamlConverter turns a yaml.v3 node tree into app.Nodes.
type yamlConverter struct {
	file  string
	data  []byte
	lines []int // offsets where lines start, built when first needed
	nodes int
	// quiet counts the aliases being expanded: a problem inside an anchored
	// node is reported once, where it is written, not at every alias.
	quiet int
	diags []app.Diag
	arena parseArena
	// scratch stacks for the entries of the mappings being converted
	keys []string
	vals []*app.Node
	kpos []app.Pos
	from []bool // entry came from a merge key and may be overridden
}

func (c *yamlConverter) pos(n *yaml.Node) app.Pos {
	return app.Pos{File: c.file, Line: n.Line, Col: n.Column}
}

func (c *yamlConverter) fail(n *yaml.Node, format string, args ...any) error {
	return app.Diag{Pos: c.pos(n), Severity: app.SevError, Message: fmt.Sprintf(format, args...)}
}

func (c *yamlConverter) diag(p app.Pos, format string, args ...any) {
	if c.quiet == 0 {
		c.diags = append(c.diags, app.Diag{Pos: p, Severity: app.SevError, Message: fmt.Sprintf(format, args...)})
	}
}

// yamlShortTags maps each short-form tag to its long-form key.
var yamlShortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue",
	"!GetAZs": "Fn::GetAZs", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
	"!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length", "!ForEach": "Fn::ForEach",
}

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*app.Node, error) {
	if depth > MaxDepth {
		return nil, c.fail(y, "document nested deeper than %d levels", MaxDepth)
	}
	c.nodes++
	if c.nodes > parseMaxNodes {
		return nil, c.fail(y, "document has more than %d values (after alias expansion)", parseMaxNodes)
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, c.fail(y, "alias to an unknown anchor")
		}
		c.quiet++
		n, err := c.convert(y.Alias, depth+1)
		c.quiet--
		return n, err
	}
	n := c.arena.node()
	n.Pos = c.pos(y)
	switch y.Kind {
	case yaml.ScalarNode:
		yamlSetScalar(n, y.ShortTag(), y.Value)
	case yaml.SequenceNode:
		n.Kind = app.ListNode
		n.List = c.arena.ptrs(len(y.Content))
		for i, it := range y.Content {
			v, err := c.convert(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.List[i] = v
		}
	case yaml.MappingNode:
		n.Kind = app.MapNode
		if err := c.mapping(n, y, depth); err != nil {
			return nil, err
		}
	default:
		return nil, c.fail(y, "unsupported YAML node")
	}
	if tag := y.Tag; len(tag) > 1 && tag[0] == '!' && tag[1] != '!' {
		col := 0
		if tag == "!GetAtt" && n.Kind == app.StringNode {
			col = c.valueCol(y, tag)
		}
		return c.tagged(tag, n, col), nil
	}
	return n, nil
}

// yamlSetScalar sets a scalar node's kind and text from its resolved YAML
// tag: numbers, booleans and null are told apart, anything else (a
// timestamp, binary) is a string as CloudFormation sees it.
func yamlSetScalar(n *app.Node, tag, value string) {
	n.Scalar = value
	switch tag {
	case "!!int":
		n.Kind = app.NumberNode
		n.Scalar = yamlInt(value)
	case "!!float":
		n.Kind = app.NumberNode
	case "!!bool":
		n.Kind = app.BoolNode
	case "!!null":
		n.Kind = app.NullNode
		n.Scalar = ""
	default:
		n.Kind = app.StringNode
	}
}

// yamlInt writes a YAML integer that is not plain decimal (0x1F, 0o17,
// 0777, 1_000, +5) in decimal, as yaml.v3 and CloudFormation read it, so
// that Node.Int64 and Plain understand it; plain decimal is kept as written.
func yamlInt(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (i > 0 || c != '-') {
			plain = false
			break
		}
	}
	if plain && (len(s) < 2 || s[0] != '0') && (len(s) < 3 || s[:2] != "-0") {
		return s
	}
	t := strings.ReplaceAll(s, "_", "")
	if v, err := strconv.ParseInt(t, 0, 64); err == nil {
		return strconv.FormatInt(v, 10)
	}
	if v, err := strconv.ParseUint(t, 0, 64); err == nil {
		return strconv.FormatUint(v, 10)
	}
	return s
}

// mapping fills n with the entries of y. Keys written in the mapping win
// over keys brought in by a merge key (<<), wherever the merge is written;
// among merged maps the first wins, as the YAML merge spec says.
func (c *yamlConverter) mapping(n *app.Node, y *yaml.Node, depth int) error {
	base := len(c.keys)
	defer func() {
		c.keys, c.vals, c.kpos, c.from = c.keys[:base], c.vals[:base], c.kpos[:base], c.from[:base]
	}()
	var set parseKeySet
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			if err := c.merge(&set, base, v, depth); err != nil {
				return err
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return c.fail(k, "map key is not a string")
		}
		kp := c.pos(y.Content[i])
		if idx := set.find(c.keys[base:], k.Value); idx >= 0 {
			if !c.from[base+idx] {
				prev := c.kpos[base+idx]
				c.diag(kp, "duplicate key %q (first at line %d, column %d); CloudFormation rejects duplicate keys", k.Value, prev.Line, prev.Col)
				continue
			}
			val, err := c.convert(v, depth+1)
			if err != nil {
				return err
			}
			c.vals[base+idx], c.kpos[base+idx], c.from[base+idx] = val, kp, false
			continue
		}
		val, err := c.convert(v, depth+1)
		if err != nil {
			return err
		}
		set.add(k.Value, len(c.keys)-base)
		c.keys = append(c.keys, k.Value)
		c.vals = append(c.vals, val)
		c.kpos = append(c.kpos, kp)
		c.from = append(c.from, false)
	}
	cnt := len(c.keys) - base
	n.Keys = c.arena.strs(cnt)
	n.Values = c.arena.ptrs(cnt)
	n.KeyPos = c.arena.poss(cnt)
	copy(n.Keys, c.keys[base:])
	copy(n.Values, c.vals[base:])
	copy(n.KeyPos, c.kpos[base:])
	return nil
}

// merge adds the entries of a merge key's value (a map or a list of maps)
// that the mapping does not have yet.
func (c *yamlConverter) merge(set *parseKeySet, base int, v *yaml.Node, depth int) error {
	src, err := c.convert(v, depth+1)
	if err != nil {
		return err
	}
	for _, m := range src.Items() {
		if !m.IsMap() {
			return c.fail(v, "merge key (<<) value is not a map or a list of maps")
		}
		for i, k := range m.Keys {
			if set.find(c.keys[base:], k) >= 0 {
				continue
			}
			set.add(k, len(c.keys)-base)
			c.keys = append(c.keys, k)
			c.vals = append(c.vals, m.Values[i])
			c.kpos = append(c.kpos, m.KeyPos[i])
			c.from = append(c.from, true)
		}
	}
	return nil
}

// tagged turns a short-form tag on n (positioned at the tag) into the long
// form; valueCol is the column where a scalar's text starts, 0 if unknown.
// An unknown tag is reported and the value kept without it.
func (c *yamlConverter) tagged(tag string, n *app.Node, valueCol int) *app.Node {
	key, ok := yamlShortTags[tag]
	if !ok {
		c.diag(n.Pos, "unknown tag %s", tag)
		return n
	}
	arg := n
	switch {
	case n.Kind == app.NullNode:
		// !GetAZs with nothing after it means the current region, as ''.
		n.Kind = app.StringNode
	case key == "Fn::GetAtt" && n.Kind == app.StringNode:
		// !GetAtt Resource.Attribute: the attribute may itself contain dots
		// (Outputs.X), so split at the first one only.
		res, att, found := strings.Cut(n.Scalar, ".")
		if !found {
			c.diag(n.Pos, "!GetAtt %q must be Resource.Attribute", n.Scalar)
			break
		}
		p := n.Pos
		ap := p
		if valueCol > 0 {
			p.Col = valueCol
			ap.Col = valueCol + utf8.RuneCountInString(res) + 1
		}
		r, a := c.arena.node(), c.arena.node()
		*r = app.Node{Kind: app.StringNode, Scalar: res, Pos: p}
		*a = app.Node{Kind: app.StringNode, Scalar: att, Pos: ap}
		arg = c.arena.node()
		*arg = app.Node{Kind: app.ListNode, Pos: p, List: c.arena.ptrs(2)}
		arg.List[0], arg.List[1] = r, a
	}
	out := c.arena.node()
	*out = app.Node{Kind: app.MapNode, Pos: n.Pos, Keys: c.arena.strs(1), Values: c.arena.ptrs(1), KeyPos: c.arena.poss(1)}
	out.Keys[0], out.Values[0], out.KeyPos[0] = key, arg, n.Pos
	return out
}

// valueCol returns the column where the value of a scalar tagged with tag
// starts, if it is on the tag's line, else 0. yaml.v3 gives the position of
// the tag only.
func (c *yamlConverter) valueCol(y *yaml.Node, tag string) int {
	if c.lines == nil {
		c.lines = append(c.lines, 0)
		for i, b := range c.data {
			if b == '\n' {
				c.lines = append(c.lines, i+1)
			}
		}
	}
	if y.Line < 1 || y.Line > len(c.lines) {
		return 0
	}
	line := c.data[c.lines[y.Line-1]:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	// Skip to the tag's column, then over the tag and the blanks after it.
	col, i := 1, 0
	if y.Line == 1 {
		i = len(line) - len(bytes.TrimPrefix(line, parseBOM))
	}
	for ; col < y.Column && i < len(line); col++ {
		_, size := utf8.DecodeRune(line[i:])
		i += size
	}
	if !bytes.HasPrefix(line[i:], []byte(tag)) {
		return 0
	}
	i += len(tag)
	col += utf8.RuneCountInString(tag)
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
		col++
	}
	if i >= len(line) || line[i] == '\r' || line[i] == '#' {
		return 0
	}
	if y.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		col++
	}
	return col
}

// parseKeySet finds keys among a map's entries: a linear scan for the
// handful of keys most maps have, a hash map once a map grows (a Resources
// section with hundreds of entries).
type parseKeySet struct{ m map[string]int }

const parseKeySetLinear = 16

func (s *parseKeySet) find(keys []string, k string) int {
	if s.m == nil {
		if len(keys) <= parseKeySetLinear {
			for i, x := range keys {
				if x == k {
					return i
				}
			}
			return -1
		}
		s.m = make(map[string]int, 2*len(keys))
		for i, x := range keys {
			if _, dup := s.m[x]; !dup {
				s.m[x] = i
			}
		}
	}
	if i, ok := s.m[k]; ok {
		return i
	}
	return -1
}

func (s *parseKeySet) add(k string, i int) {
	if s.m != nil {
		s.m[k] = i
	}
}

// parseArena hands out nodes and the slices of lists and maps from a few
// large blocks instead of one allocation each: parsing is dominated by
// allocation otherwise. Slices are cut with their capacity equal to their
// length, so appending to one (Node.Set) copies it rather than overwriting
// its neighbour.
type parseArena struct {
	nodeBlk []app.Node
	ptrBlk  []*app.Node
	strBlk  []string
	posBlk  []app.Pos
	hint    int
}

// init sizes the first blocks for about n nodes.
func (a *parseArena) init(n int) {
	a.hint = min(max(n, 16), 1<<14)
}

func (a *parseArena) node() *app.Node {
	if len(a.nodeBlk) == 0 {
		a.nodeBlk = make([]app.Node, max(a.hint, 16))
	}
	n := &a.nodeBlk[0]
	a.nodeBlk = a.nodeBlk[1:]
	return n
}

func (a *parseArena) ptrs(n int) []*app.Node {
	if n == 0 {
		return nil
	}
	if len(a.ptrBlk) < n {
		if n > a.hint {
			return make([]*app.Node, n)
		}
		a.ptrBlk = make([]*app.Node, max(a.hint, 16))
	}
	s := a.ptrBlk[:n:n]
	a.ptrBlk = a.ptrBlk[n:]
	return s
}

func (a *parseArena) strs(n int) []string {
	if n == 0 {
		return nil
	}
	if len(a.strBlk) < n {
		if n > a.hint/2 {
			return make([]string, n)
		}
		a.strBlk = make([]string, max(a.hint/2, 16))
	}
	s := a.strBlk[:n:n]
	a.strBlk = a.strBlk[n:]
	return s
}

func (a *parseArena) poss(n int) []app.Pos {
	if n == 0 {
		return nil
	}
	if len(a.posBlk) < n {
		if n > a.hint/2 {
			return make([]app.Pos, n)
		}
		a.posBlk = make([]app.Pos, max(a.hint/2, 16))
	}
	s := a.posBlk[:n:n]
	a.posBlk = a.posBlk[n:]
	return s
}

// readResources fills t.Resources from the Resources section.
func (t *Template) readResources() {
	res := t.Root.Get("Resources")
	if res == nil {
		return
	}
	if !res.IsMap() {
		t.Diags = append(t.Diags, app.Diag{Pos: res.Pos, Severity: app.SevError, Message: "Resources is not a map"})
		return
	}
	t.Resources = make([]*Resource, 0, len(res.Keys))
	for i, id := range res.Keys {
		body := res.Values[i]
		p := body.Pos
		if res.KeyPos != nil {
			p = res.KeyPos[i]
		}
		if !body.IsMap() {
			t.Diags = append(t.Diags, app.Diag{Pos: p, Severity: app.SevError, Message: fmt.Sprintf("resource %s is not a map", id)})
			continue
		}
		typ, ok := body.Get("Type").String()
		if !ok {
			t.Diags = append(t.Diags, app.Diag{Pos: p, Severity: app.SevError, Message: fmt.Sprintf("resource %s has no Type", id)})
			continue
		}
		r := &Resource{ID: id, Type: typ, Properties: body.Get("Properties"), Metadata: body.Get("Metadata"),
			Condition: body.Get("Condition").Text(), DependsOn: body.Get("DependsOn").Strings(), Node: body, Pos: p}
		t.Resources = append(t.Resources, r)
	}
}
