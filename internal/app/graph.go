package app

import (
	"cmp"
	"slices"
)

// Graph is a loaded application: its resources, the edges between them, the
// files they came from and what went wrong while loading.
type Graph struct {
	// Resources in the order Sort leaves them (by ID).
	Resources []*Resource
	Edges     []Edge
	// Files are the template files the graph was loaded from, as given.
	Files []string
	// Diags are load problems, in file order.
	Diags []Diag

	byID  map[string]*Resource
	edges map[edgeKey]struct{}
}

type edgeKey struct {
	from, to string
	kind     EdgeKind
	via      string
}

// New returns an empty graph.
func New() *Graph { return &Graph{byID: make(map[string]*Resource)} }

// Add adds r; a resource with the same ID is replaced.
func (g *Graph) Add(r *Resource) {
	if g.byID == nil {
		g.byID = make(map[string]*Resource)
	}
	if old, ok := g.byID[r.ID]; ok {
		i := slices.Index(g.Resources, old)
		g.Resources[i] = r
	} else {
		g.Resources = append(g.Resources, r)
	}
	g.byID[r.ID] = r
}

// Resource returns the resource with the given ID, or nil.
func (g *Graph) Resource(id string) *Resource {
	if g.byID == nil {
		g.reindex()
	}
	return g.byID[id]
}

func (g *Graph) reindex() {
	g.byID = make(map[string]*Resource, len(g.Resources))
	for _, r := range g.Resources {
		g.byID[r.ID] = r
	}
}

// Remove deletes the resource with the given ID and every edge touching it.
func (g *Graph) Remove(id string) {
	r := g.Resource(id)
	if r == nil {
		return
	}
	g.Resources = slices.DeleteFunc(g.Resources, func(x *Resource) bool { return x == r })
	delete(g.byID, id)
	g.Edges = slices.DeleteFunc(g.Edges, func(e Edge) bool { return e.From == id || e.To == id })
	g.edges = nil
}

// Connect adds an edge unless an equal one (same from, to, kind and via)
// exists. Edges to or from unknown resources are allowed: loaders check
// references and report them as diagnostics.
func (g *Graph) Connect(e Edge) {
	if g.edges == nil {
		g.edges = make(map[edgeKey]struct{}, len(g.Edges)+1)
		for _, x := range g.Edges {
			g.edges[edgeKey{x.From, x.To, x.Kind, x.Via}] = struct{}{}
		}
	}
	k := edgeKey{e.From, e.To, e.Kind, e.Via}
	if _, ok := g.edges[k]; ok {
		return
	}
	g.edges[k] = struct{}{}
	g.Edges = append(g.Edges, e)
}

// Diag records a load problem.
func (g *Graph) Diag(p Pos, sev Severity, msg string) {
	g.Diags = append(g.Diags, Diag{Pos: p, Severity: sev, Message: msg})
}

// HasErrors reports whether any diagnostic is an error.
func (g *Graph) HasErrors() bool {
	for _, d := range g.Diags {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// Of returns the resources of the given kinds, in graph order.
func (g *Graph) Of(kinds ...Kind) []*Resource {
	var out []*Resource
	for _, r := range g.Resources {
		if slices.Contains(kinds, r.Kind) {
			out = append(out, r)
		}
	}
	return out
}

// Out returns the edges leaving id, restricted to kinds when any are given.
func (g *Graph) Out(id string, kinds ...EdgeKind) []Edge {
	var out []Edge
	for _, e := range g.Edges {
		if e.From == id && (len(kinds) == 0 || slices.Contains(kinds, e.Kind)) {
			out = append(out, e)
		}
	}
	return out
}

// In returns the edges entering id, restricted to kinds when any are given.
func (g *Graph) In(id string, kinds ...EdgeKind) []Edge {
	var out []Edge
	for _, e := range g.Edges {
		if e.To == id && (len(kinds) == 0 || slices.Contains(kinds, e.Kind)) {
			out = append(out, e)
		}
	}
	return out
}

// Merge adds every resource, edge, file and diagnostic of o to g.
func (g *Graph) Merge(o *Graph) {
	for _, r := range o.Resources {
		g.Add(r)
	}
	for _, e := range o.Edges {
		g.Connect(e)
	}
	g.Files = append(g.Files, o.Files...)
	g.Diags = append(g.Diags, o.Diags...)
}

// Sort puts resources in ID order, edges in (from, to, kind, via) order and
// diagnostics in position order, so that every rendering is deterministic.
func (g *Graph) Sort() {
	slices.SortFunc(g.Resources, func(a, b *Resource) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Via, b.Via))
	})
	slices.SortStableFunc(g.Diags, func(a, b Diag) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Message, b.Message))
	})
	g.reindex()
	// The index of edges is rebuilt by the next Connect, if any: a loaded
	// graph is mostly read, and the index costs as much as the edges.
	g.edges = nil
}
