package report

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fnops/fnops/internal/app"
)

// GraphFormats maps each `fnops graph --format` value to its writer.
var GraphFormats = map[string]func(io.Writer, *app.Graph) error{
	"json":    GraphJSON,
	"dot":     GraphDOT,
	"mermaid": GraphMermaid,
	"text":    GraphText,
}

// GraphFormatNames lists GraphFormats' keys in order, for usage text.
func GraphFormatNames() []string {
	names := make([]string, 0, len(GraphFormats))
	for k := range GraphFormats {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// graphDoc is the versioned JSON contract of `fnops graph --format json`
// (DESIGN.md, "Public contracts"). Change it only on purpose, with the
// version.
type graphDoc struct {
	Version   int             `json:"version"`
	Resources []graphResource `json:"resources"`
	Edges     []graphEdge     `json:"edges"`
}

type graphResource struct {
	ID    string         `json:"id"`
	Type  string         `json:"type"`
	Kind  app.Kind       `json:"kind"`
	Name  string         `json:"name"`
	File  string         `json:"file"`
	Line  int            `json:"line"`
	Attrs map[string]any `json:"attrs"`
}

type graphEdge struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Kind app.EdgeKind `json:"kind"`
	Via  string       `json:"via"`
}

// GraphJSON writes the graph as the version 1 JSON contract. Output is
// deterministic: resources by id, edges by (from, to, kind, via), object
// keys sorted.
//
// It streams, writing each value as it goes into a buffered writer, so a
// large application is never held twice in memory nor turned into maps
// first. The bytes are exactly those of encoding/json encoding the whole
// graphDoc, attributes as Node.Plain, with two-space indentation and no
// HTML escaping (a test holds it to that).
func GraphJSON(w io.Writer, g *app.Graph) error {
	j := &jsonOut{bw: bufio.NewWriterSize(w, 64<<10)}
	j.raw("{\n  \"version\": 1,\n  \"resources\": [")
	var names []string
	for i, r := range g.Resources {
		j.elem(i, 2)
		j.field("id", r.ID, 3, true)
		j.field("type", r.Type, 3, false)
		j.field("kind", string(r.Kind), 3, false)
		j.field("name", r.Name, 3, false)
		j.field("file", r.Pos.File, 3, false)
		j.key("line", 3, false)
		j.buf = strconv.AppendInt(j.buf[:0], int64(r.Pos.Line), 10)
		j.bw.Write(j.buf)
		j.key("attrs", 3, false)
		names = names[:0]
		for k := range r.Attrs {
			names = append(names, k)
		}
		slices.Sort(names)
		j.raw("{")
		for i, k := range names {
			j.key(k, 4, i == 0)
			j.node(r.Attrs[k], 4)
		}
		j.end(len(names), 3, '}')
		j.end(1, 2, '}')
	}
	j.end(len(g.Resources), 1, ']')
	j.raw(",\n  \"edges\": [")
	for i, e := range g.Edges {
		j.elem(i, 2)
		j.field("from", e.From, 3, true)
		j.field("to", e.To, 3, false)
		j.field("kind", string(e.Kind), 3, false)
		j.field("via", e.Via, 3, false)
		j.end(1, 2, '}')
	}
	j.end(len(g.Edges), 1, ']')
	j.raw("\n}\n")
	if j.err != nil {
		return j.err
	}
	return j.bw.Flush()
}

// jsonOut writes indented JSON the way encoding/json's Encoder does with
// SetIndent("", "  ") and SetEscapeHTML(false).
type jsonOut struct {
	bw  *bufio.Writer
	buf []byte
	idx [][]int // per depth: a map's entries in key order
	err error
}

func (j *jsonOut) raw(s string) { j.bw.WriteString(s) }

func (j *jsonOut) newline(depth int) {
	j.bw.WriteByte('\n')
	for range depth {
		j.bw.WriteString("  ")
	}
}

// elem starts element i of an array whose elements are at depth, as an
// object.
func (j *jsonOut) elem(i, depth int) {
	if i > 0 {
		j.bw.WriteByte(',')
	}
	j.newline(depth)
	j.bw.WriteByte('{')
}

// key writes an object key at depth, after a comma unless first.
func (j *jsonOut) key(k string, depth int, first bool) {
	if !first {
		j.bw.WriteByte(',')
	}
	j.newline(depth)
	j.str(k)
	j.raw(": ")
}

func (j *jsonOut) field(k, v string, depth int, first bool) {
	j.key(k, depth, first)
	j.str(v)
}

// end closes an object or array of n entries whose closing bracket is at
// depth: right after the opening one when empty, else on its own line.
func (j *jsonOut) end(n, depth int, close byte) {
	if n > 0 {
		j.newline(depth)
	}
	j.bw.WriteByte(close)
}

// node writes n as encoding/json writes n.Plain(), its entries at
// depth+1.
func (j *jsonOut) node(n *app.Node, depth int) {
	if n == nil {
		j.raw("null")
		return
	}
	switch n.Kind {
	case app.StringNode:
		j.str(n.Scalar)
	case app.NumberNode:
		if v, err := strconv.ParseInt(n.Scalar, 10, 64); err == nil {
			j.buf = strconv.AppendInt(j.buf[:0], v, 10)
			j.bw.Write(j.buf)
		} else if f, err := strconv.ParseFloat(n.Scalar, 64); err == nil {
			b, err := json.Marshal(f) // rare: let encoding/json format it
			if err != nil && j.err == nil {
				j.err = err
			}
			j.bw.Write(b)
		} else {
			j.str(n.Scalar)
		}
	case app.BoolNode:
		b, _ := n.Truth()
		j.raw(strconv.FormatBool(b))
	case app.ListNode:
		j.raw("[")
		for i, it := range n.List {
			if i > 0 {
				j.bw.WriteByte(',')
			}
			j.newline(depth + 1)
			j.node(it, depth+1)
		}
		j.end(len(n.List), depth, ']')
	case app.MapNode:
		// As a Go map: keys sorted, the last of duplicate keys wins.
		for len(j.idx) <= depth {
			j.idx = append(j.idx, nil)
		}
		idx := j.idx[depth][:0]
		for i := range n.Keys {
			idx = append(idx, i)
		}
		slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(n.Keys[a], n.Keys[b]) })
		j.idx[depth] = idx
		j.raw("{")
		written := 0
		for i, x := range idx {
			if i+1 < len(idx) && n.Keys[idx[i+1]] == n.Keys[x] {
				continue
			}
			j.key(n.Keys[x], depth+1, written == 0)
			j.node(n.Values[x], depth+1)
			written++
		}
		j.end(written, depth, '}')
	default:
		j.raw("null")
	}
}

// str writes s as a JSON string, escaped as encoding/json escapes it
// without HTML escaping: control characters, quote and backslash,
// U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func (j *jsonOut) str(s string) {
	const hex = "0123456789abcdef"
	b := append(j.buf[:0], '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	b = append(b, '"')
	j.buf = b
	j.bw.Write(b)
}

// dotShapes gives each kind a shape people recognise at a glance.
var dotShapes = map[app.Kind]string{
	app.KindFunction: "box", app.KindQueue: "cds", app.KindTopic: "hexagon", app.KindBucket: "folder",
	app.KindTable: "cylinder", app.KindStream: "larrow", app.KindEventBus: "octagon", app.KindRule: "diamond",
	app.KindSchedule: "invhouse", app.KindAPI: "house", app.KindStateMachine: "component", app.KindRole: "note",
}

// flowEdges are the edges drawn; structural ones (uses-role, contains)
// are left out of the pictures to keep them readable.
func flowEdge(e app.Edge) bool { return e.Kind != app.UsesRole && e.Kind != app.Contains }

// pictured lists the resources a picture shows: those on a drawn edge, and
// every function, queue, topic, bucket, table, stream, bus, api and state
// machine even when unconnected.
func pictured(g *app.Graph) []*app.Resource {
	on := make(map[string]bool)
	for _, e := range g.Edges {
		if flowEdge(e) {
			on[e.From], on[e.To] = true, true
		}
	}
	var out []*app.Resource
	for _, r := range g.Resources {
		if on[r.ID] || dotShapes[r.Kind] != "" && r.Kind != app.KindRole {
			out = append(out, r)
		}
	}
	return out
}

// GraphDOT writes the event-flow graph in Graphviz DOT.
func GraphDOT(w io.Writer, g *app.Graph) error {
	var b strings.Builder
	b.WriteString("digraph fnops {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for _, r := range pictured(g) {
		shape := cmp.Or(dotShapes[r.Kind], "ellipse")
		fmt.Fprintf(&b, "  %s [label=%s, shape=%s];\n", dotID(r.ID), dotID(r.ID+"\\n"+string(r.Kind)), shape)
	}
	for _, e := range g.Edges {
		if !flowEdge(e) {
			continue
		}
		style := ""
		switch e.Kind {
		case app.Writes, app.Reads:
			style = ", style=dashed"
		case app.DeadLetter, app.OnFailure:
			style = ", color=red"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s%s];\n", dotID(e.From), dotID(e.To), dotID(string(e.Kind)), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func dotID(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// GraphMermaid writes the event-flow graph as a Mermaid flowchart, ready
// to paste into a Markdown file or pull request.
func GraphMermaid(w io.Writer, g *app.Graph) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := make(map[string]string)
	mid := func(id string) string {
		if m, ok := ids[id]; ok {
			return m
		}
		m := fmt.Sprintf("n%d", len(ids))
		ids[id] = m
		return m
	}
	for _, r := range pictured(g) {
		open, close := mermaidShape(r.Kind)
		fmt.Fprintf(&b, "  %s%s\"%s<br/><i>%s</i>\"%s\n", mid(r.ID), open, mermaidText(r.ID), r.Kind, close)
	}
	for _, e := range g.Edges {
		if !flowEdge(e) {
			continue
		}
		arrow := "-->"
		if e.Kind == app.Writes || e.Kind == app.Reads {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", mid(e.From), arrow, e.Kind, mid(e.To))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidShape(k app.Kind) (string, string) {
	switch k {
	case app.KindQueue, app.KindStream:
		return "[/", "/]"
	case app.KindTable:
		return "[(", ")]"
	case app.KindTopic, app.KindEventBus:
		return "{{", "}}"
	case app.KindRule, app.KindSchedule:
		return "{", "}"
	case app.KindAPI:
		return "([", "])"
	}
	return "[", "]"
}

func mermaidText(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }

// GraphText writes a plain listing: resources grouped by kind, then every
// edge, one per line, stable for diffs and greps.
func GraphText(w io.Writer, g *app.Graph) error {
	var b strings.Builder
	byKind := make(map[app.Kind][]*app.Resource)
	for _, r := range g.Resources {
		byKind[r.Kind] = append(byKind[r.Kind], r)
	}
	kinds := make([]app.Kind, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	fmt.Fprintf(&b, "%d resources, %d edges, %d files\n", len(g.Resources), len(g.Edges), len(g.Files))
	for _, k := range kinds {
		fmt.Fprintf(&b, "\n%s (%d)\n", k, len(byKind[k]))
		for _, r := range byKind[k] {
			var notes []string
			if r.Name != "" && r.Name != r.ID {
				notes = append(notes, "name "+r.Name)
			}
			if r.Implicit {
				notes = append(notes, "implicit")
			}
			if r.Disabled {
				notes = append(notes, "condition "+r.Condition+" is false")
			}
			line := fmt.Sprintf("  %s  %s  %s", r.ID, r.Type, r.Pos)
			if len(notes) > 0 {
				line += "  (" + strings.Join(notes, ", ") + ")"
			}
			b.WriteString(line + "\n")
		}
	}
	if len(g.Edges) > 0 {
		b.WriteString("\nedges\n")
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s --%s--> %s", e.From, e.Kind, e.To)
		if e.Via != "" {
			fmt.Fprintf(&b, "  via %s", e.Via)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
