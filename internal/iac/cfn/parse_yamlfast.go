package cfn

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fnops/fnops/internal/app"
)

// The YAML fast path. yaml.v3 spends about 40 µs a kilobyte building its
// own node tree before fnops converts it: close to 300 µs for a typical
// 7 KB SAM template, most of fnops' budget of 500 µs for parsing,
// modelling and connecting one. Nearly every CloudFormation template is
// written in a small part of YAML: block mappings and sequences, one-line
// scalars (plain, quoted, or with a short-form tag), one-line flow
// collections, literal and folded block scalars, comments. yamlFast reads
// that part straight into app.Nodes, several times faster. At the first
// thing outside it (an anchor, a merge key, a multi-line quoted
// scalar, a tab, a second document, anything invalid) it gives up and the
// document is read by yaml.v3 instead, so errors and rare features get
// yaml.v3's full treatment. FuzzParseYAMLFast and TestParseYAMLFastEdges
// hold it to producing exactly what the yaml.v3 path produces, positions
// and diagnostics included, whenever it does not give up.

// yamlFastBail is panicked (by yamlGiveUp) to give up; parseYAMLFast
// recovers it.
type yamlFastBail struct{}

// parseYAMLFastStrict makes parseYAMLFast re-panic anything but a bail, so
// that tests see bugs that production would hide by falling back.
var parseYAMLFastStrict = false

// parseYAMLFast reads data if it is in the subset; ok is false otherwise.
func parseYAMLFast(file string, data []byte) (root *app.Node, diags []app.Diag, ok bool) {
	if bytes.IndexByte(data, '\r') >= 0 {
		// CRLF line ends: CR only ever ends a line, so without it every
		// line and column stays where it was.
		data = yamlFastStripCR(data)
		if data == nil {
			return nil, nil, false
		}
	}
	if len(data) > 2*parseMaxNodes || !yamlFastPrescan(data) {
		// Past 2*MaxNodes bytes the node limit may be reached; yaml.v3's
		// path reports it.
		return nil, nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, bail := r.(yamlFastBail); !bail && parseYAMLFastStrict {
				panic(r)
			}
			root, diags, ok = nil, nil, false
		}
	}()
	p := yamlFast{c: &yamlConverter{file: file, data: data}, d: data, src: string(data), line: 1, col: 1}
	p.c.arena.init(len(data) / 16) // templates run 15-25 bytes a node
	if bytes.HasPrefix(data, parseBOM) {
		p.off, p.ls = len(parseBOM), len(parseBOM)
	}
	ind := p.content()
	if ind == 0 && p.has("---") && p.blankAfter(p.off+3) {
		p.off += 3
		p.endLine()
		ind = p.content()
	}
	if ind != 0 {
		yamlGiveUp()
	}
	root = p.blockMap(0)
	if p.off < len(p.d) {
		yamlGiveUp()
	}
	return root, p.c.diags, true
}

func yamlGiveUp() { panic(yamlFastBail{}) }

// yamlFastStripCR returns data without the CR of its CRLF line ends, or
// nil if a CR stands anywhere else.
func yamlFastStripCR(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for {
		i := bytes.IndexByte(data, '\r')
		if i < 0 {
			return append(out, data...)
		}
		if i+1 == len(data) || data[i+1] != '\n' {
			return nil
		}
		out = append(out, data[:i]...)
		data = data[i+1:]
	}
}

// yamlFastPrescan reports whether data has only what the fast path
// handles character by character: printable text, spaces and LF line ends.
// Tabs, CR, control characters, Unicode line separators, a BOM other than
// at the start and invalid UTF-8 are left to yaml.v3.
func yamlFastPrescan(data []byte) bool {
	data = bytes.TrimPrefix(data, parseBOM)
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0xa0, // C1 controls and NEL
			r == 0x2028, r == 0x2029, r == 0xfeff,
			r >= 0xd800 && r < 0xe000, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}

type yamlFast struct {
	c     *yamlConverter
	d     []byte
	src   string // d as one string: scalars are slices of it
	off   int
	line  int
	ls    int // offset where the current line starts
	depth int
	items []*app.Node // scratch stack for sequence items
	// col is the column of colOff, the last offset pos was asked for
	col, colOff int
}

// pos returns the position of off, on the current line. Columns are
// counted on from the last one asked for on the line when they can be.
func (p *yamlFast) pos(off int) app.Pos {
	if p.colOff < p.ls || p.colOff > off {
		p.colOff, p.col = p.ls, 1
	}
	p.col += jsonRuneCount(p.d[p.colOff:off])
	p.colOff = off
	return app.Pos{File: p.c.file, Line: p.line, Col: p.col}
}

func (p *yamlFast) has(s string) bool { return strings.HasPrefix(p.src[p.off:], s) }

func (p *yamlFast) at(off int) byte {
	if off < len(p.d) {
		return p.d[off]
	}
	return '\n'
}

// blankAfter reports whether off is followed by a space, a line end or the
// end of the input.
func (p *yamlFast) blankAfter(off int) bool {
	c := p.at(off)
	return c == ' ' || c == '\n'
}

// content skips blank and comment lines and returns the indentation of the
// next line with content, p.off on its first character; -1 at the end.
func (p *yamlFast) content() int {
	for p.off < len(p.d) {
		i := p.off
		for i < len(p.d) && p.d[i] == ' ' {
			i++
		}
		if i == len(p.d) {
			p.off = i
			return -1
		}
		switch p.d[i] {
		case '\n':
			p.off = i + 1
			p.newline()
			continue
		case '#':
			if i > p.ls && p.d[i-1] != ' ' {
				yamlGiveUp()
			}
			j := bytes.IndexByte(p.d[i:], '\n')
			if j < 0 {
				p.off = len(p.d)
				return -1
			}
			p.off = i + j + 1
			p.newline()
			continue
		}
		p.off = i
		return i - p.ls
	}
	return -1
}

func (p *yamlFast) newline() {
	p.line++
	p.ls = p.off
}

// endLine finishes a line after a value: spaces, perhaps a comment, the
// line end.
func (p *yamlFast) endLine() {
	start := p.off
	for p.off < len(p.d) && p.d[p.off] == ' ' {
		p.off++
	}
	if p.off == len(p.d) {
		return
	}
	switch p.d[p.off] {
	case '\n':
	case '#':
		if p.off == start {
			yamlGiveUp()
		}
		i := bytes.IndexByte(p.d[p.off:], '\n')
		if i < 0 {
			p.off = len(p.d)
			return
		}
		p.off += i
	default:
		yamlGiveUp()
	}
	p.off++
	p.newline()
}

func (p *yamlFast) enter() {
	p.depth++
	if p.depth > MaxDepth-2 {
		yamlGiveUp() // yaml.v3's path reports the limit
	}
}

func (p *yamlFast) leave() { p.depth-- }

// isDash reports whether p.off is at a block sequence entry.
func (p *yamlFast) isDash() bool {
	return p.at(p.off) == '-' && p.blankAfter(p.off+1)
}

// blockMap reads a block mapping whose keys are at column indent (0-based);
// p.off is at its first key.
func (p *yamlFast) blockMap(indent int) *app.Node {
	p.enter()
	defer p.leave()
	c := p.c
	n := c.arena.node()
	n.Kind, n.Pos = app.MapNode, p.pos(p.off)
	base := len(c.keys)
	defer func() { c.keys, c.vals, c.kpos = c.keys[:base], c.vals[:base], c.kpos[:base] }()
	var set parseKeySet
	for {
		kp := p.pos(p.off)
		key := p.key()
		if i := set.find(c.keys[base:], key); i >= 0 {
			// As on yaml.v3's path, the duplicate's value is read past but
			// not looked into.
			first := c.kpos[base+i]
			c.diag(kp, "duplicate key %q (first at line %d, column %d); CloudFormation rejects duplicate keys", key, first.Line, first.Col)
			c.quiet++
			p.value(indent, true)
			c.quiet--
		} else {
			v := p.value(indent, true)
			set.add(key, len(c.keys)-base)
			c.keys = append(c.keys, key)
			c.vals = append(c.vals, v)
			c.kpos = append(c.kpos, kp)
		}
		ind := p.content()
		if ind < indent {
			break
		}
		if ind > indent {
			yamlGiveUp()
		}
	}
	cnt := len(c.keys) - base
	n.Keys, n.Values, n.KeyPos = c.arena.strs(cnt), c.arena.ptrs(cnt), c.arena.poss(cnt)
	copy(n.Keys, c.keys[base:])
	copy(n.Values, c.vals[base:])
	copy(n.KeyPos, c.kpos[base:])
	return n
}

// yamlFastIndicator marks the characters that cannot start a plain scalar
// (or that the fast path leaves to yaml.v3 there).
var yamlFastIndicator = func() (t [256]bool) {
	for _, c := range "-?:,[]{}#&*!|>'\"%@`<=~" {
		t[c] = true
	}
	return t
}()

// key reads a mapping key and its ':'.
func (p *yamlFast) key() string {
	if p.off == p.ls && (p.has("---") || p.has("...")) && p.blankAfter(p.off+3) {
		yamlGiveUp() // a document marker
	}
	var key string
	switch c := p.d[p.off]; {
	case c == '"' || c == '\'':
		key = p.quoted()
		if p.at(p.off) != ':' {
			yamlGiveUp()
		}
	case yamlFastIndicator[c]:
		yamlGiveUp()
	default:
		start := p.off
		for {
			i := bytes.IndexByte(p.d[p.off:], ':')
			nl := bytes.IndexByte(p.d[p.off:], '\n')
			if i < 0 || (nl >= 0 && nl < i) {
				yamlGiveUp()
			}
			p.off += i
			if p.blankAfter(p.off + 1) {
				break
			}
			p.off++
		}
		key = p.src[start:p.off]
		if strings.Contains(key, " #") || key[len(key)-1] == ' ' {
			yamlGiveUp()
		}
	}
	if len(key) > yamlFastMaxKey {
		yamlGiveUp()
	}
	p.off++ // ':'
	if !p.blankAfter(p.off) {
		yamlGiveUp()
	}
	return key
}

// value reads what follows a mapping key's ':' or a sequence entry's '-':
// on the same line, or, when the line ends there, the block below. indent
// is the column of the collection the entry belongs to.
func (p *yamlFast) value(indent int, inMap bool) *app.Node {
	nullPos := p.pos(p.off)
	start := p.off
	for p.off < len(p.d) && p.d[p.off] == ' ' {
		p.off++
	}
	if c := p.at(p.off); c == '\n' || c == '#' {
		p.off = start // endLine wants the blank before a comment
		p.endLine()
		return p.below(indent, inMap, nullPos)
	}
	return p.inline(indent, inMap, false)
}

// yamlFastMaxKey keeps the fast path away from YAML's limit of 1024
// characters on implicit keys.
const yamlFastMaxKey = 1000

// below reads the block under an entry whose line ended after its
// indicator: a mapping or sequence indented further (or a sequence at the
// same column as a mapping's keys), else null at nullPos.
func (p *yamlFast) below(indent int, inMap bool, nullPos app.Pos) *app.Node {
	ind := p.content()
	switch {
	case ind > indent && p.isDash():
		return p.blockSeq(ind)
	case ind > indent:
		return p.blockMap(ind)
	case ind == indent && inMap && p.isDash():
		return p.blockSeq(ind)
	}
	n := p.c.arena.node()
	n.Kind, n.Pos = app.NullNode, nullPos
	return n
}

// inline reads a value that starts on the current line at p.off; tagged
// says a tag came before it.
func (p *yamlFast) inline(indent int, inMap, tagged bool) *app.Node {
	if !inMap && p.isCompactKey() {
		if tagged {
			yamlGiveUp() // a tag on a compact mapping's first key
		}
		return p.blockMap(p.off - p.ls)
	}
	if !inMap && !tagged && p.isDash() {
		return p.blockSeq(p.off - p.ls) // "- - x"
	}
	switch c := p.d[p.off]; c {
	case '!':
		tagPos := p.pos(p.off)
		start := p.off
		p.off++
		for p.off < len(p.d) && yamlIsAlnum(p.d[p.off]) {
			p.off++
		}
		tag := p.src[start:p.off]
		if len(tag) == 1 || !p.blankAfter(p.off) {
			yamlGiveUp()
		}
		end := p.off
		for p.off < len(p.d) && p.d[p.off] == ' ' {
			p.off++
		}
		var n *app.Node
		valueCol := 0
		if c := p.at(p.off); c == '\n' || c == '#' {
			p.off = end
			p.endLine()
			n = p.below(indent, inMap, tagPos)
			if n.Kind == app.NullNode {
				n.Kind = app.StringNode // a tagged empty scalar is "", as on yaml.v3's path
			}
		} else {
			if c == '!' {
				yamlGiveUp()
			}
			valueCol = p.pos(p.off).Col
			if c == '"' || c == '\'' {
				valueCol++
			}
			n = p.inline(indent, inMap, true)
		}
		n.Pos = tagPos
		return p.c.tagged(tag, n, valueCol)
	case '|', '>':
		return p.blockScalar(indent)
	case '[', '{':
		p.depth-- // flow collections count their own depth
		n := p.flow()
		p.depth++
		p.endLine()
		return n
	case '"', '\'':
		n := p.c.arena.node()
		n.Pos = p.pos(p.off)
		n.Kind, n.Scalar = app.StringNode, p.quoted()
		p.endLine()
		return n
	}
	return p.plain(indent, tagged)
}

func yamlIsAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isCompactKey reports whether the rest of the line, after a sequence
// entry's '-', is a mapping entry ("- Key: value").
func (p *yamlFast) isCompactKey() bool {
	line := p.d[p.off:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if c := line[0]; c == '"' || c == '\'' {
		j := bytes.IndexByte(line[1:], c)
		return j >= 0 && j+2 < len(line) && line[j+2] == ':'
	}
	if yamlFastIndicator[line[0]] {
		return false
	}
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ':':
			if i+1 == len(line) || line[i+1] == ' ' {
				return true
			}
		case '#':
			if line[i-1] == ' ' {
				return false
			}
		}
	}
	return false
}

// blockSeq reads a block sequence whose dashes are at column indent.
func (p *yamlFast) blockSeq(indent int) *app.Node {
	p.enter()
	defer p.leave()
	n := p.c.arena.node()
	n.Kind, n.Pos = app.ListNode, p.pos(p.off)
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for {
		p.off++ // '-'
		p.items = append(p.items, p.value(indent, false))
		ind := p.content()
		if ind < indent || (ind == indent && !p.isDash()) {
			break
		}
		if ind > indent {
			yamlGiveUp()
		}
	}
	n.List = p.c.arena.ptrs(len(p.items) - base)
	copy(n.List, p.items[base:])
	return n
}

// plain reads a plain scalar in block context: one line, or more when the
// lines after it are indented past indent, the column of the collection it
// belongs to (YAML folds such lines into one, a space for each line break,
// a newline for each blank line between). A tagged scalar is not resolved:
// it is a string with its text as written.
func (p *yamlFast) plain(indent int, tagged bool) *app.Node {
	// "- - x", "key: - x", "? x" and ": x" are not plain scalars.
	if c := p.d[p.off]; yamlFastIndicator[c] && !(c == '-' || c == '?' || c == ':' || c == '<' || c == '=' || c == '~') ||
		(c == '-' || c == '?' || c == ':') && p.blankAfter(p.off+1) {
		yamlGiveUp()
	}
	n := p.c.arena.node()
	n.Pos = p.pos(p.off)
	start, end, comment := p.plainLine(p.off)
	text := p.src[start:end]
	if !comment {
		text = p.plainMore(indent, text, end)
	}
	if tagged {
		n.Kind, n.Scalar = app.StringNode, text
	} else {
		yamlSetScalar(n, yamlResolve(text), text)
	}
	p.endLine()
	return n
}

// plainLine reads the text of one line of a plain scalar from start: it
// ends before trailing spaces, a comment or the line end, and p.off is set
// there. comment says a comment follows.
func (p *yamlFast) plainLine(start int) (int, int, bool) {
	end := start
	comment := false
	for i := start; i < len(p.d); i++ {
		c := p.d[i]
		if c == '\n' {
			break
		}
		if c == '#' && i > start && p.d[i-1] == ' ' {
			comment = true
			break
		}
		if c == ':' && p.blankAfter(i+1) {
			yamlGiveUp() // "mapping values are not allowed in this context"
		}
		if c != ' ' {
			end = i + 1
		}
	}
	p.off = end
	return start, end, comment
}

// plainMore folds in the continuation lines of a plain scalar whose first
// line is first and ends at end. On return p.off is at the end of the last
// line taken, as if the scalar had been one line.
func (p *yamlFast) plainMore(indent int, first string, end int) string {
	var b []byte
	off, line, ls := end, p.line, p.ls // where the scalar ends so far
	i := bytes.IndexByte(p.d[end:], '\n')
	blank := 0
	for i >= 0 {
		// p.d[end+i] is the line break after the text so far.
		ls2 := end + i + 1
		j := ls2
		for j < len(p.d) && p.d[j] == ' ' {
			j++
		}
		if j < len(p.d) && p.d[j] == '\n' { // a blank line
			blank++
			end, i = j, 0
			continue
		}
		if j-ls2 <= indent || j == len(p.d) || p.d[j] == '#' || yamlFastIndicator[p.d[j]] {
			break
		}
		p.line += 1 + blank
		p.ls = ls2
		s, e, comment := p.plainLine(j)
		if b == nil {
			b = append(b, first...)
		}
		if blank == 0 {
			b = append(b, ' ')
		}
		for range blank {
			b = append(b, '\n')
		}
		b = append(b, p.src[s:e]...)
		off, line, ls = e, p.line, p.ls
		if comment {
			break
		}
		blank = 0
		end = e
		i = bytes.IndexByte(p.d[end:], '\n')
	}
	p.off, p.line, p.ls = off, line, ls
	if b == nil {
		return first
	}
	return string(b)
}

// quoted reads a one-line single- or double-quoted scalar.
func (p *yamlFast) quoted() string {
	q := p.d[p.off]
	start := p.off + 1
	i := start
	for ; i < len(p.d); i++ {
		c := p.d[i]
		if c == '\n' {
			yamlGiveUp()
		}
		if c == q {
			if q == '\'' && p.at(i+1) == '\'' {
				return p.quotedSlow(start)
			}
			break
		}
		if c == '\\' && q == '"' {
			return p.quotedSlow(start)
		}
	}
	if i == len(p.d) {
		yamlGiveUp()
	}
	p.off = i + 1
	return p.src[start:i]
}

func (p *yamlFast) quotedSlow(start int) string {
	q := p.d[start-1]
	var b []byte
	for i := start; i < len(p.d); {
		c := p.d[i]
		switch {
		case c == '\n':
			yamlGiveUp()
		case c == q && q == '\'' && p.at(i+1) == '\'':
			b = append(b, '\'')
			i += 2
		case c == q:
			p.off = i + 1
			return string(b)
		case c == '\\' && q == '"':
			e := p.at(i + 1)
			switch e {
			case '\\', '"':
				b = append(b, e)
			case 'n':
				b = append(b, '\n')
			case 't':
				b = append(b, '\t')
			case 'r':
				b = append(b, '\r')
			case '0':
				b = append(b, 0)
			case 'u':
				if i+6 > len(p.d) {
					yamlGiveUp()
				}
				r, ok := jsonHex4(p.d[i+2 : i+6])
				if !ok || (r >= 0xd800 && r < 0xe000) {
					yamlGiveUp()
				}
				b = utf8.AppendRune(b, r)
				i += 4
			default:
				yamlGiveUp()
			}
			i += 2
		default:
			b = append(b, c)
			i++
		}
	}
	yamlGiveUp()
	return ""
}

// flow reads a flow sequence or mapping that closes on the same line.
func (p *yamlFast) flow() *app.Node {
	p.enter()
	defer p.leave()
	open := p.d[p.off]
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	n := p.c.arena.node()
	n.Pos = p.pos(p.off)
	p.off++
	p.flowSpace()
	if open == '[' {
		n.Kind = app.ListNode
		base := len(p.items)
		defer func() { p.items = p.items[:base] }()
		if p.at(p.off) != closer {
			for {
				p.items = append(p.items, p.flowNode(false))
				if p.flowNext(closer) {
					break
				}
			}
		}
		p.off++
		n.List = p.c.arena.ptrs(len(p.items) - base)
		copy(n.List, p.items[base:])
		return n
	}
	n.Kind = app.MapNode
	c := p.c
	base := len(c.keys)
	defer func() { c.keys, c.vals, c.kpos = c.keys[:base], c.vals[:base], c.kpos[:base] }()
	var set parseKeySet
	if p.at(p.off) != closer {
		for {
			kp := p.pos(p.off)
			var key string
			switch ch := p.at(p.off); {
			case ch == '"' || ch == '\'':
				key = p.quoted()
			case yamlFastIndicator[ch] || ch == '\n':
				yamlGiveUp()
			default:
				key = p.flowPlainText()
				if key == "" || p.at(p.off) != ':' || !p.blankAfter(p.off+1) || key == "<<" {
					yamlGiveUp()
				}
			}
			if p.at(p.off) != ':' || len(key) > yamlFastMaxKey {
				yamlGiveUp()
			}
			p.off++
			p.flowSpace()
			if ch := p.at(p.off); ch == ',' || ch == '}' {
				yamlGiveUp() // a key without a value
			}
			if i := set.find(c.keys[base:], key); i >= 0 {
				first := c.kpos[base+i]
				c.diag(kp, "duplicate key %q (first at line %d, column %d); CloudFormation rejects duplicate keys", key, first.Line, first.Col)
				c.quiet++
				p.flowNode(false)
				c.quiet--
			} else {
				v := p.flowNode(false)
				set.add(key, len(c.keys)-base)
				c.keys = append(c.keys, key)
				c.vals = append(c.vals, v)
				c.kpos = append(c.kpos, kp)
			}
			if p.flowNext(closer) {
				break
			}
		}
	}
	p.off++
	cnt := len(c.keys) - base
	n.Keys, n.Values, n.KeyPos = c.arena.strs(cnt), c.arena.ptrs(cnt), c.arena.poss(cnt)
	copy(n.Keys, c.keys[base:])
	copy(n.Values, c.vals[base:])
	copy(n.KeyPos, c.kpos[base:])
	return n
}

func (p *yamlFast) flowSpace() {
	for p.off < len(p.d) && p.d[p.off] == ' ' {
		p.off++
	}
}

// flowNext moves past the ',' after an entry and reports whether the
// collection ends instead (p.off then at its closer).
func (p *yamlFast) flowNext(closer byte) bool {
	p.flowSpace()
	switch p.at(p.off) {
	case closer:
		return true
	case ',':
		p.off++
		p.flowSpace()
		if c := p.at(p.off); c == closer || c == ',' {
			yamlGiveUp() // trailing or empty entry
		}
		return false
	}
	yamlGiveUp()
	return false
}

// flowNode reads one entry of a flow collection; tagged says a tag came
// before it.
func (p *yamlFast) flowNode(tagged bool) *app.Node {
	switch c := p.at(p.off); c {
	case '[', '{':
		return p.flow()
	case '"', '\'':
		n := p.c.arena.node()
		n.Pos = p.pos(p.off)
		n.Kind, n.Scalar = app.StringNode, p.quoted()
		if p.at(p.off) == ':' {
			yamlGiveUp() // [a: b] pairs
		}
		return n
	case '!':
		tagPos := p.pos(p.off)
		start := p.off
		p.off++
		for p.off < len(p.d) && yamlIsAlnum(p.d[p.off]) {
			p.off++
		}
		tag := p.src[start:p.off]
		if len(tag) == 1 || p.at(p.off) != ' ' {
			yamlGiveUp()
		}
		p.flowSpace()
		if c := p.at(p.off); c == ',' || c == ']' || c == '}' || c == '!' || c == '\n' || c == '#' {
			yamlGiveUp()
		}
		valueCol := p.pos(p.off).Col
		if c := p.at(p.off); c == '"' || c == '\'' {
			valueCol++
		}
		n := p.flowNode(true)
		n.Pos = tagPos
		return p.c.tagged(tag, n, valueCol)
	}
	if c := p.at(p.off); (yamlFastIndicator[c] && !(c == '-' || c == '<' || c == '=' || c == '~')) || c == '\n' ||
		c == '-' && p.blankAfter(p.off+1) {
		yamlGiveUp()
	}
	n := p.c.arena.node()
	n.Pos = p.pos(p.off)
	s := p.flowPlainText()
	if s == "" || p.at(p.off) == ':' {
		yamlGiveUp()
	}
	if tagged {
		n.Kind, n.Scalar = app.StringNode, s
	} else {
		yamlSetScalar(n, yamlResolve(s), s)
	}
	return n
}

// flowPlainText reads a plain scalar in a flow collection, up to a flow
// indicator, a ':' before a blank, a comment or the line end.
func (p *yamlFast) flowPlainText() string {
	start, end := p.off, p.off
	i := p.off
	for ; i < len(p.d); i++ {
		c := p.d[i]
		if c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\n' {
			break // yaml.v3 ends a flow plain scalar at '?' too
		}
		if c == '#' && i > start && p.d[i-1] == ' ' {
			yamlGiveUp()
		}
		if c == ':' {
			if n := p.at(i + 1); n == ' ' || n == ',' || n == ']' || n == '}' || n == '[' || n == '{' || n == '\n' {
				break
			}
		}
		if c != ' ' {
			end = i + 1
		}
	}
	p.off = end
	return p.src[start:end]
}

// blockScalar reads a literal (|) or folded (>) block scalar with clip or
// strip chomping; indent is the column of the collection it belongs to.
func (p *yamlFast) blockScalar(indent int) *app.Node {
	n := p.c.arena.node()
	n.Kind, n.Pos = app.StringNode, p.pos(p.off)
	folded := p.d[p.off] == '>'
	p.off++
	strip := false
	switch p.at(p.off) {
	case '-':
		strip = true
		p.off++
	case '+':
		yamlGiveUp()
	}
	if c := p.at(p.off); c != ' ' && c != '\n' {
		yamlGiveUp()
	}
	p.endLine()
	// Content lines are indented more than the collection; the first one
	// fixes the indentation of all.
	var lines []string
	blk := -1
	for p.off < len(p.d) {
		i := p.off
		for i < len(p.d) && p.d[i] == ' ' {
			i++
		}
		end := bytes.IndexByte(p.d[i:], '\n')
		if end < 0 {
			yamlGiveUp() // no line end at the end of the input
		}
		end += i
		if i == end { // blank line
			if blk < 0 || i-p.ls > blk {
				yamlGiveUp()
			}
			lines = append(lines, "")
		} else {
			ind := i - p.ls
			if blk < 0 {
				if ind <= indent {
					yamlGiveUp() // empty block scalar
				}
				blk = ind
			}
			if ind < blk {
				break
			}
			if ind > blk && folded {
				yamlGiveUp() // more-indented lines fold differently
			}
			lines = append(lines, p.src[p.ls+blk:end])
		}
		p.off = end + 1
		p.newline()
	}
	if blk < 0 {
		yamlGiveUp()
	}
	// Trailing blank lines are chomped.
	k := len(lines)
	for k > 0 && lines[k-1] == "" {
		k--
	}
	var b strings.Builder
	for i, l := range lines[:k] {
		if i > 0 {
			switch {
			case !folded:
				b.WriteByte('\n')
			case l == "":
				b.WriteByte('\n')
			case lines[i-1] != "":
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	if !strip {
		b.WriteByte('\n')
	}
	n.Scalar = b.String()
	return n
}

// yamlResolve gives the tag yaml.v3 resolves a plain scalar to (its
// resolve function, as far as the kinds fnops tells apart): !!null,
// !!bool, !!int, !!float, !!timestamp or !!str.
func yamlResolve(s string) string {
	if s == "" {
		return "!!null"
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case "~", "null", "Null", "NULL":
		return "!!null"
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float"
	case "<<":
		return "!!merge"
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		if yamlIsTimestamp(s) {
			return "!!timestamp"
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int"
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int"
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float"
			}
		}
		for _, pre := range []string{"0b", "-0b", "0o", "-0o"} {
			if rest, ok := strings.CutPrefix(plain, pre); ok {
				base := 2
				if pre[len(pre)-1] == 'o' {
					base = 8
				}
				if pre[0] == '-' {
					rest = "-" + rest
				}
				if _, err := strconv.ParseInt(rest, base, 64); err == nil {
					return "!!int"
				}
				if _, err := strconv.ParseUint(rest, base, 64); err == nil && pre[0] != '-' {
					return "!!int"
				}
			}
		}
	}
	return "!!str"
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// yamlIsTimestamp is yaml.v3's timestamp test.
func yamlIsTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}
