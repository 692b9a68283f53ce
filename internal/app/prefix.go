package app

// RefAttrs are the attributes whose value is the ID of another resource of
// the graph when the reference resolved (an ARN or symbolic reference
// otherwise). Loaders must keep to this list; Prefix relies on it.
var RefAttrs = []string{AttrSource, AttrFunction, AttrDeadLetterTarget, AttrOnFailure, AttrOnSuccess}

// Prefix renames every resource of g to prefix+ID, with the edges (and the Via that names a resource), the
// nested-stack membership and the RefAttrs that name them. Loading several
// independent templates into one graph uses it to keep their logical ids
// apart.
func (g *Graph) Prefix(prefix string) {
	if prefix == "" {
		return
	}
	ids := make(map[string]bool, len(g.Resources))
	for _, r := range g.Resources {
		ids[r.ID] = true
	}
	for _, r := range g.Resources {
		r.ID = prefix + r.ID
		if r.Stack != "" {
			r.Stack = prefix + r.Stack
		}
		for _, a := range RefAttrs {
			if n := r.Attrs[a]; n != nil && n.IsScalar() && ids[n.Scalar] {
				c := *n
				c.Scalar = prefix + n.Scalar
				r.Attrs[a] = &c
			}
		}
	}
	for i := range g.Edges {
		g.Edges[i].From = prefix + g.Edges[i].From
		g.Edges[i].To = prefix + g.Edges[i].To
		if ids[g.Edges[i].Via] {
			g.Edges[i].Via = prefix + g.Edges[i].Via
		}
	}
	g.edges = nil
	g.reindex()
}
