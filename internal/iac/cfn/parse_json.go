package cfn

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fnops/fnops/internal/app"
)

// jsonSyntaxPrefix starts the message of every error that says the input
// is not JSON, as opposed to a limit: ParseDocument then tries YAML.
const jsonSyntaxPrefix = "invalid JSON: "

// parseJSON reads one JSON value (RFC 8259) into the same positioned Node
// tree the YAML path builds: numbers keep their literal text, strings are
// unescaped (a lone surrogate escape becomes U+FFFD, as encoding/json does),
// and invalid UTF-8 or an unescaped control character in a string is an
// error. A duplicate key is reported in the diags and its first value kept.
// The error, when not nil, is an app.Diag; syntax errors have messages that
// start with "invalid JSON: ".
//
// The parser is a hand-written scanner over the bytes. Strings without
// escapes share the memory of one copy of the input, and nodes come from
// an arena, so a document costs a few dozen allocations. Nesting is checked
// against MaxDepth before the parser descends, so recursion stays shallow
// whatever the input.
func parseJSON(file string, data []byte) (*app.Node, []app.Diag, error) {
	p := jsonParser{file: file, data: data, src: string(data), line: 1}
	if bytes.HasPrefix(data, parseBOM) {
		p.off, p.lineStart, p.colOff = len(parseBOM), len(parseBOM), len(parseBOM)
	}
	p.col = 1
	p.arena.init(len(data) / 24) // indented JSON runs 30-40 bytes a node
	root, err := p.value(0)
	if err != nil {
		return nil, nil, err
	}
	p.skipSpace()
	if p.off < len(p.data) {
		return nil, nil, p.unexpected("the end of the document")
	}
	return root, p.diags, nil
}

type jsonParser struct {
	file string
	data []byte
	// src is data as one string: unescaped strings are slices of it.
	src string
	off int
	// line is the 1-based line of off, which starts at lineStart.
	line, lineStart int
	// col is the 1-based character column of colOff, a point on the
	// current line at or before off: columns are counted forward from the
	// last one asked for, so counting costs one pass over each line.
	col, colOff int
	nodes       int
	diags       []app.Diag
	arena       parseArena
	buf         []byte
	// scratch stacks for the items of the arrays and the entries of the
	// objects being read
	items []*app.Node
	keys  []string
	vals  []*app.Node
	kpos  []app.Pos
}

// pos returns the position of off, which must be on the current line and
// not before the last position asked for.
func (p *jsonParser) pos(off int) app.Pos {
	if off > p.colOff {
		p.col += jsonRuneCount(p.data[p.colOff:off])
		p.colOff = off
	}
	return app.Pos{File: p.file, Line: p.line, Col: p.col}
}

func jsonRuneCount(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i + utf8.RuneCount(b[i:])
		}
	}
	return len(b)
}

func (p *jsonParser) fail(off int, format string, args ...any) error {
	return app.Diag{Pos: p.pos(off), Severity: app.SevError, Message: jsonSyntaxPrefix + fmt.Sprintf(format, args...)}
}

// unexpected reports the character at p.off (or the end of the input)
// where want was expected.
func (p *jsonParser) unexpected(want string) error {
	if p.off >= len(p.data) {
		return p.fail(p.off, "unexpected end of input, expected %s", want)
	}
	r, size := utf8.DecodeRune(p.data[p.off:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return p.fail(p.off, "unexpected byte 0x%02x, expected %s", p.data[p.off], want)
	case unicode.IsPrint(r):
		return p.fail(p.off, "unexpected '%c', expected %s", r, want)
	default:
		return p.fail(p.off, "unexpected %U, expected %s", r, want)
	}
}

func (p *jsonParser) skipSpace() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t':
			p.off++
		case '\n':
			p.off++
			p.newline()
		case '\r':
			p.off++
			if p.off < len(p.data) && p.data[p.off] == '\n' {
				p.off++
			}
			p.newline()
		default:
			return
		}
	}
}

func (p *jsonParser) newline() {
	p.line++
	p.lineStart, p.colOff, p.col = p.off, p.off, 1
}

func (p *jsonParser) value(depth int) (*app.Node, error) {
	p.skipSpace()
	if p.off >= len(p.data) {
		return nil, p.unexpected("a value")
	}
	if depth > MaxDepth {
		return nil, app.Diag{Pos: p.pos(p.off), Severity: app.SevError,
			Message: fmt.Sprintf("document nested deeper than %d levels", MaxDepth)}
	}
	p.nodes++
	if p.nodes > parseMaxNodes {
		return nil, app.Diag{Pos: p.pos(p.off), Severity: app.SevError,
			Message: fmt.Sprintf("document has more than %d values", parseMaxNodes)}
	}
	switch c := p.data[p.off]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		n := p.arena.node()
		n.Kind, n.Pos = app.StringNode, p.pos(p.off)
		s, err := p.str()
		n.Scalar = s
		return n, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", app.BoolNode)
	case c == 'f':
		return p.literal("false", app.BoolNode)
	case c == 'n':
		return p.literal("null", app.NullNode)
	}
	return nil, p.unexpected("a value")
}

func (p *jsonParser) literal(word string, kind app.NodeKind) (*app.Node, error) {
	if !strings.HasPrefix(p.src[p.off:], word) {
		return nil, p.unexpected(word)
	}
	n := p.arena.node()
	n.Kind, n.Pos = kind, p.pos(p.off)
	if kind != app.NullNode {
		n.Scalar = word
	}
	p.off += len(word)
	return n, nil
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and keeps its
// text.
func (p *jsonParser) number() (*app.Node, error) {
	start, i, d := p.off, p.off, p.data
	if d[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return nil, p.fail(start, "invalid number: expected a digit after '-'")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, p.fail(start, "invalid number: expected a digit after '.'")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, p.fail(start, "invalid number: expected a digit in the exponent")
		}
	}
	n := p.arena.node()
	n.Kind, n.Scalar, n.Pos = app.NumberNode, p.src[start:i], p.pos(start)
	p.off = i
	return n, nil
}

func (p *jsonParser) array(depth int) (*app.Node, error) {
	n := p.arena.node()
	n.Kind, n.Pos = app.ListNode, p.pos(p.off)
	p.off++
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return n, nil
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, v)
		p.skipSpace()
		if p.off < len(p.data) {
			switch p.data[p.off] {
			case ',':
				p.off++
				continue
			case ']':
				p.off++
				n.List = p.arena.ptrs(len(p.items) - base)
				copy(n.List, p.items[base:])
				return n, nil
			}
		}
		return nil, p.unexpected("',' or ']'")
	}
}

func (p *jsonParser) object(depth int) (*app.Node, error) {
	n := p.arena.node()
	n.Kind, n.Pos = app.MapNode, p.pos(p.off)
	p.off++
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		return n, nil
	}
	base := len(p.keys)
	defer func() { p.keys, p.vals, p.kpos = p.keys[:base], p.vals[:base], p.kpos[:base] }()
	var set parseKeySet
	for {
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			return nil, p.unexpected("a string key")
		}
		kp := p.pos(p.off)
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return nil, p.unexpected("':' after the key")
		}
		p.off++
		// The scratch stacks hold this object's entries from base, with
		// nested objects' entries pushed above and popped before we go on.
		nd := len(p.diags)
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if i := set.find(p.keys[base:], key); i >= 0 {
			// The duplicate's value is dropped, and so is what was found
			// in it, as on the YAML path.
			first := p.kpos[base+i]
			p.diags = append(p.diags[:nd], app.Diag{Pos: kp, Severity: app.SevError,
				Message: fmt.Sprintf("duplicate key %q (first at line %d, column %d); CloudFormation rejects duplicate keys", key, first.Line, first.Col)})
		} else {
			set.add(key, len(p.keys)-base)
			p.keys = append(p.keys, key)
			p.vals = append(p.vals, v)
			p.kpos = append(p.kpos, kp)
		}
		p.skipSpace()
		if p.off < len(p.data) {
			switch p.data[p.off] {
			case ',':
				p.off++
				continue
			case '}':
				p.off++
				cnt := len(p.keys) - base
				n.Keys, n.Values, n.KeyPos = p.arena.strs(cnt), p.arena.ptrs(cnt), p.arena.poss(cnt)
				copy(n.Keys, p.keys[base:])
				copy(n.Values, p.vals[base:])
				copy(n.KeyPos, p.kpos[base:])
				return n, nil
			}
		}
		return nil, p.unexpected("',' or '}'")
	}
}

// jsonPlain marks the bytes a string can hold as they are: everything from
// the space up but the quote and the backslash. Bytes of 0x80 and more are
// checked as UTF-8.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string at p.off (its opening quote).
func (p *jsonParser) str() (string, error) {
	d := p.data
	start := p.off + 1
	i := start
	for i < len(d) {
		for i < len(d) && jsonPlain[d[i]] {
			i++
		}
		if i >= len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			p.off = i + 1
			return p.src[start:i], nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			return "", p.fail(i, "control character %U in string (write it as an escape)", rune(c))
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.fail(i, "invalid UTF-8 byte 0x%02x in string", c)
			}
			i += size
		}
	}
	return "", p.fail(p.off, "unterminated string")
}

// strEscaped finishes a string that has escapes; d[start:i] is its plain
// start and d[i] the first backslash.
func (p *jsonParser) strEscaped(start, i int) (string, error) {
	d := p.data
	b := append(p.buf[:0], d[start:i]...)
	defer func() { p.buf = b[:0] }()
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.off = i + 1
			return string(b), nil
		case c == '\\':
			if i+1 >= len(d) {
				return "", p.fail(p.off, "unterminated string")
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := jsonHex4(d[i+2:])
				if !ok {
					return "", p.fail(i, "invalid \\u escape in string: expected four hex digits")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair is consumed whole; anything else is U+FFFD.
					r2 := rune(-1)
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						if v, ok := jsonHex4(d[i+2:]); ok {
							r2 = v
						}
					}
					if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
						i += 6
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				if e < 0x20 || e >= utf8.RuneSelf {
					return "", p.fail(i, "invalid escape in string")
				}
				return "", p.fail(i, "invalid escape '\\%c' in string", e)
			}
			i += 2
		case c < 0x20:
			return "", p.fail(i, "control character %U in string (write it as an escape)", rune(c))
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.fail(i, "invalid UTF-8 byte 0x%02x in string", c)
			}
			b = append(b, d[i:i+size]...)
			i += size
		}
	}
	return "", p.fail(p.off, "unterminated string")
}

func jsonHex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
