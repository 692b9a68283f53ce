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
	// ids maps each old id to its new one, so that edges share the
	// resources' strings rather than each building its own.
	ids := make(map[string]string, len(g.Resources))
	for _, r := range g.Resources {
		ids[r.ID] = prefix + r.ID
	}
	renamed := func(id string) string {
		if n, ok := ids[id]; ok {
			return n
		}
		return prefix + id
	}
	for _, r := range g.Resources {
		r.ID = ids[r.ID]
		if r.Stack != "" {
			r.Stack = renamed(r.Stack)
		}
		for _, a := range RefAttrs {
			if n := r.Attrs[a]; n != nil && n.IsScalar() {
				if id, ok := ids[n.Scalar]; ok {
					c := *n
					c.Scalar = id
					r.Attrs[a] = &c
				}
			}
		}
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		e.From, e.To = renamed(e.From), renamed(e.To)
		if id, ok := ids[e.Via]; ok {
			e.Via = id
		}
	}
	g.edges = nil
	g.reindex()
}
