package report

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

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
// It streams: each resource and edge is encoded on its own into a
// buffered writer, so a large application never exists twice in memory.
// The bytes are those of encoding the whole graphDoc with two-space
// indentation (a test holds it to that).
func GraphJSON(w io.Writer, g *app.Graph) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var elem bytes.Buffer
	enc := json.NewEncoder(&elem)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	// item writes one array element at depth two, as an indenting encoder
	// of the whole document would.
	item := func(first bool, v any) error {
		elem.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(elem.Bytes(), []byte("\n")))
		return nil
	}
	bw.WriteString("{\n  \"version\": 1,\n  \"resources\": [")
	for i, r := range g.Resources {
		attrs := make(map[string]any, len(r.Attrs))
		for k, v := range r.Attrs {
			attrs[k] = v.Plain()
		}
		err := item(i == 0, graphResource{
			ID: r.ID, Type: r.Type, Kind: r.Kind, Name: r.Name,
			File: r.Pos.File, Line: r.Pos.Line, Attrs: attrs,
		})
		if err != nil {
			return err
		}
	}
	closeArray(bw, len(g.Resources))
	bw.WriteString(",\n  \"edges\": [")
	for i, e := range g.Edges {
		if err := item(i == 0, graphEdge{From: e.From, To: e.To, Kind: e.Kind, Via: e.Via}); err != nil {
			return err
		}
	}
	closeArray(bw, len(g.Edges))
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// closeArray ends an array at depth one: "]" right after "[" when empty,
// as encoding/json writes it, else on its own line.
func closeArray(bw *bufio.Writer, n int) {
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
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
