package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/app"
)

// Context is what a rule's Check sees: the graph, the rule itself and a way
// to report findings. A Context is used by one rule at a time.
type Context struct {
	// Graph is the loaded application; rules must not modify it.
	Graph *app.Graph
	// Rule is the rule being run.
	Rule *Rule

	includeDisabled bool
	findings        []Finding
	shared          *runState
	now             time.Time
}

// Now is the date the audit runs at (Engine.Now).
func (c *Context) Now() time.Time {
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Resources returns the graph's resources of the given kinds (all when
// none are given), in graph order, leaving out resources whose condition
// is known to be false unless the engine was told to include them.
func (c *Context) Resources(kinds ...app.Kind) []*app.Resource {
	if len(kinds) > 1 {
		var out []*app.Resource
		for _, r := range c.Graph.Resources {
			if slices.Contains(kinds, r.Kind) && (c.includeDisabled || !r.Disabled) {
				out = append(out, r)
			}
		}
		return out
	}
	// One kind, or all: indexed once per run, since every rule asks.
	byKind := once(c, "resources-by-kind", func() map[app.Kind][]*app.Resource {
		m := make(map[app.Kind][]*app.Resource)
		for _, r := range c.Graph.Resources {
			if c.includeDisabled || !r.Disabled {
				m[r.Kind] = append(m[r.Kind], r)
				m[""] = append(m[""], r)
			}
		}
		return m
	})
	var k app.Kind
	if len(kinds) == 1 {
		k = kinds[0]
	}
	return slices.Clip(byKind[k])
}

// Out returns the edges leaving r, restricted to kinds when any are
// given. Unlike Graph.Out it uses an index shared by the run.
func (c *Context) Out(r *app.Resource, kinds ...app.EdgeKind) []app.Edge {
	out, _ := c.state().edges(c.Graph, r.ID)
	return filterEdges(out, kinds)
}

// In returns the edges entering r, restricted to kinds when any are given.
func (c *Context) In(r *app.Resource, kinds ...app.EdgeKind) []app.Edge {
	_, in := c.state().edges(c.Graph, r.ID)
	return filterEdges(in, kinds)
}

// Peer returns the resource at the other end of e from r's side: e.To for
// an edge leaving r, e.From for one entering it; nil when that end is not
// a resource of the graph (an ARN, an imported value).
func (c *Context) Peer(r *app.Resource, e app.Edge) *app.Resource {
	if e.From == r.ID {
		return c.Graph.Resource(e.To)
	}
	return c.Graph.Resource(e.From)
}

func (c *Context) state() *runState {
	if c.shared == nil {
		c.shared = &runState{}
	}
	return c.shared
}

func filterEdges(es []app.Edge, kinds []app.EdgeKind) []app.Edge {
	if len(kinds) == 0 {
		return es
	}
	var out []app.Edge
	for _, e := range es {
		if slices.Contains(kinds, e.Kind) {
			out = append(out, e)
		}
	}
	return out
}

// Issue is a finding as a rule reports it; the engine fills in the rule's
// id, severity and category.
type Issue struct {
	// Resource is the resource at fault (required unless the finding is
	// about no resource).
	Resource *app.Resource
	// At is the offending value; the finding points at it when it is
	// written (or derived) in a template, at the resource otherwise.
	At *app.Node
	// Pos overrides the position outright when known.
	Pos     app.Pos
	Related []string
	Message string
	// Remediation overrides the rule's when the fix depends on the case.
	Remediation string
}

// Report records one finding.
func (c *Context) Report(is Issue) {
	f := Finding{
		Rule:        c.Rule.ID,
		Severity:    c.Rule.Severity,
		Category:    c.Rule.Category,
		Message:     is.Message,
		Remediation: is.Remediation,
		Related:     slices.Clone(is.Related),
	}
	if f.Remediation == "" {
		f.Remediation = c.Rule.Remediation
	}
	slices.Sort(f.Related)
	f.Related = slices.Compact(f.Related)
	if is.Resource != nil {
		f.Resource = is.Resource.ID
		f.Pos = is.Resource.Pos
	}
	if is.At != nil && is.At.Pos.Known() && is.At.Origin != app.Default {
		f.Pos = is.At.Pos
	}
	if is.Pos.Known() {
		f.Pos = is.Pos
	}
	c.findings = append(c.findings, f)
}

// Reportf records a finding on r, pointing at the value at (nil for the
// resource itself), with a formatted message.
func (c *Context) Reportf(r *app.Resource, at *app.Node, format string, args ...any) {
	c.Report(Issue{Resource: r, At: at, Message: fmt.Sprintf(format, args...)})
}

// IsDefault reports whether a value was left to the platform: absent, or
// filled in by the loader as the default.
func IsDefault(n *app.Node) bool { return n == nil || n.Origin == app.Default }

// once returns the value build makes, building it once per run: the
// indexes several rules of a family read (every IAM statement, every
// permission) are built by the first rule that asks.
func once[T any](c *Context, key string, build func() T) T {
	st := c.state()
	st.mu.Lock()
	m := st.memo[key]
	if m == nil {
		m = &memoEntry{}
		if st.memo == nil {
			st.memo = make(map[string]*memoEntry)
		}
		st.memo[key] = m
	}
	st.mu.Unlock()
	m.once.Do(func() { m.v = build() })
	return m.v.(T)
}
