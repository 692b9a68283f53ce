package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// flowRules are the cross-resource rules: they read how resources are
// wired together (who triggers whom, where failures go, who may write
// where) rather than one resource's own settings.
func flowRules() []*Rule {
	return []*Rule{
		eventLoopRule(),
		sqsVisibilityRule(),
		sqsMaxReceiveRule(),
		sqsRedriveRule(),
		dlqRetentionRule(),
		asyncFailureRule(),
		streamFailureRule(),
		esmConcurrencyRule(),
		apiTimeoutRule(),
		batchItemFailuresRule(),
		downstreamCapacityRule(),
		sfnTaskTimeoutRule(),
		destinationPermissionRule(),
		unusedGrantRule(),
	}
}

// AWS defaults the flow rules fall back on when the loader left a value
// out altogether (it normally fills them in with Origin Default).
const (
	defaultFunctionTimeout   = 3      // s
	defaultVisibilityTimeout = 30     // s
	defaultRetention         = 345600 // s, 4 days
	accountConcurrency       = 1000   // default regional concurrency quota
)

// mapping is one event source mapping with its ends resolved.
type mapping struct {
	esm *app.Resource
	src *app.Resource // nil when the source is outside the graph
	fn  *app.Resource // nil when the function is outside the graph
	typ string        // sqs, kinesis, dynamodb, kafka, mq, docdb
}

// mappings returns the event source mappings whose function is in the
// graph, in graph order.
func mappings(c *Context) []mapping {
	var out []mapping
	for _, esm := range c.Resources(app.KindEventSourceMapping) {
		fn := c.Graph.Resource(esm.Text(app.AttrFunction))
		if fn == nil || fn.Kind != app.KindFunction {
			continue
		}
		m := mapping{esm: esm, fn: fn, src: c.Graph.Resource(esm.Text(app.AttrSource))}
		m.typ = strings.ToLower(esm.Text(app.AttrSourceType))
		if m.typ == "" && m.src != nil {
			switch m.src.Kind {
			case app.KindQueue:
				m.typ = "sqs"
			case app.KindStream:
				m.typ = "kinesis"
			case app.KindTable:
				m.typ = "dynamodb"
			}
		}
		out = append(out, m)
	}
	return out
}

// owner is the resource a finding about the mapping belongs to: the
// mapping when it is written in the template, the function when a
// transform generated the mapping from one of the function's events (SAM),
// since that is where the user reads and suppresses it.
func (m mapping) owner() *app.Resource {
	if m.esm.Implicit && m.fn != nil {
		return m.fn
	}
	return m.esm
}

// name is how messages refer to the mapping: the SAM event name when
// generated from one, else its id.
func (m mapping) name() string {
	if m.esm.Implicit && m.fn != nil {
		if ev, ok := strings.CutPrefix(m.esm.ID, m.fn.ID); ok && ev != "" {
			return "event " + ev + " of " + m.fn.ID
		}
	}
	return "mapping " + m.esm.ID
}

// related lists the ids of the mapping's resources.
func (m mapping) related() []string {
	out := []string{m.esm.ID}
	if m.fn != nil {
		out = append(out, m.fn.ID)
	}
	if m.src != nil {
		out = append(out, m.src.ID)
	}
	return out
}

// intAttr returns an integer attribute with def when the loader set
// nothing; ok is false when the value is written but not a known integer
// (an unresolved parameter), which rules skip.
func intAttr(r *app.Resource, name string, def int64) (v int64, n *app.Node, ok bool) {
	n = r.Attr(name)
	if n == nil {
		return def, nil, true
	}
	v, ok = n.Int64()
	return v, n, ok
}

// functionTimeout is a function's timeout in seconds, default included.
func functionTimeout(fn *app.Resource) (int64, *app.Node, bool) {
	return intAttr(fn, app.AttrTimeout, defaultFunctionTimeout)
}

// dflt is the note a message adds to a value nobody wrote.
func dflt(n *app.Node) string {
	if IsDefault(n) {
		return " (the default)"
	}
	return ""
}

// duration renders seconds for people: "345600 s (4 days)".
func duration(s int64) string {
	switch {
	case s >= 86400 && s%86400 == 0:
		d := s / 86400
		return fmt.Sprintf("%d s (%d day%s)", s, d, plural(d))
	case s >= 3600 && s%3600 == 0:
		h := s / 3600
		return fmt.Sprintf("%d s (%d hour%s)", s, h, plural(h))
	}
	return fmt.Sprintf("%d s", s)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// reportMilder records a finding one severity level below the rule's:
// rules whose findings come in two strengths (a hard failure and a
// recommendation) declare the stronger one as their severity, so that a
// configured override moves both.
func reportMilder(c *Context, is Issue) {
	c.Report(is)
	f := &c.findings[len(c.findings)-1]
	if f.Severity > app.SevInfo {
		f.Severity--
	}
}

// sqsConsumers indexes the SQS mappings by the queue they read, in graph
// order.
func sqsConsumers(ms []mapping) map[*app.Resource][]mapping {
	out := make(map[*app.Resource][]mapping)
	for _, m := range ms {
		if m.typ == "sqs" && m.src != nil {
			out[m.src] = append(out[m.src], m)
		}
	}
	return out
}

// roleStatements returns the IAM statements r holds itself and those of
// the roles it runs as (managed policies aside), and whether every one of
// those roles is in the graph (false when a role is imported or given as
// an ARN, so its permissions are unknown).
func roleStatements(c *Context, r *app.Resource) ([]app.Statement, bool) {
	out := append([]app.Statement(nil), r.Statements...)
	complete := true
	roles := c.Out(r, app.UsesRole)
	if len(roles) == 0 {
		complete = false
	}
	for _, e := range roles {
		role := c.Peer(r, e)
		if role == nil {
			complete = false
			continue
		}
		out = append(out, role.Statements...)
	}
	return out, complete
}

// actionMatches reports whether an IAM action pattern (with * and ?)
// covers action, case-insensitively as IAM compares them.
func actionMatches(pattern, action string) bool {
	return wildcard(strings.ToLower(pattern), strings.ToLower(action))
}

// allows reports whether s is an Allow statement that covers one of the
// actions.
func allows(s app.Statement, actions ...string) bool {
	if !strings.EqualFold(s.Effect, "Allow") {
		return false
	}
	for _, a := range actions {
		for _, p := range s.Actions {
			if actionMatches(p, a) {
				return true
			}
		}
		if len(s.NotActions) > 0 {
			excluded := false
			for _, p := range s.NotActions {
				if actionMatches(p, a) {
					excluded = true
				}
			}
			if !excluded {
				return true
			}
		}
	}
	return false
}

// refersTo reports whether an IAM resource node names the resource id:
// a Ref or GetAtt of it, or a Sub whose variables do. ok is false when the
// node is something else (a literal ARN, a wildcard), which the caller
// judges on its own terms.
func refersTo(n *app.Node, id string) (yes, ok bool) {
	// Templates name resources by their logical id; the graph's ids add
	// the file ("t.yaml#Queue") and nested-stack ("Parent/Queue") prefixes.
	id = logicalID(id)
	name, arg, isFn := n.Intrinsic()
	if !isFn {
		return false, false
	}
	switch name {
	case "Ref":
		return arg.Text() == id, true
	case "Fn::GetAtt":
		if arg.IsList() && len(arg.List) > 0 {
			return arg.List[0].Text() == id, true
		}
		s := arg.Text()
		return strings.HasPrefix(s, id+"."), true
	case "Fn::Sub":
		if arg.IsList() && len(arg.List) == 2 && arg.List[1].IsMap() {
			for _, v := range arg.List[1].Values {
				if y, k := refersTo(v, id); k && y {
					return true, true
				}
			}
		}
		tmpl := arg.Text()
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0].Text()
		}
		if strings.Contains(tmpl, "${"+id+"}") || strings.Contains(tmpl, "${"+id+".") {
			return true, true
		}
	}
	return false, false
}

// logicalID is a graph id's logical id as its template writes it: without
// the file and nested-stack prefixes, which logical ids cannot contain.
func logicalID(id string) string {
	if i := strings.LastIndexAny(id, "#/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// pattern renders an IAM resource node as a glob: literal text stays,
// whatever could not be resolved (Sub variables, Refs inside a Join)
// becomes "*". ok is false when nothing useful can be said.
func pattern(n *app.Node) (string, bool) {
	if s, ok := n.String(); ok {
		return s, true
	}
	name, arg, isFn := n.Intrinsic()
	if !isFn {
		return "", false
	}
	switch name {
	case "Fn::Sub":
		tmpl := arg.Text()
		var vars *app.Node
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0].Text()
			if len(arg.List) > 1 {
				vars = arg.List[1]
			}
		}
		if tmpl == "" {
			return "", false
		}
		return subWildcards(tmpl, vars), true
	case "Fn::Join":
		if !arg.IsList() || len(arg.List) != 2 {
			return "", false
		}
		var parts []string
		for _, it := range arg.List[1].Items() {
			if s, ok := it.String(); ok {
				parts = append(parts, s)
			} else {
				parts = append(parts, "*")
			}
		}
		return strings.Join(parts, arg.List[0].Text()), true
	}
	return "", false
}

// subWildcards replaces each ${...} of a Sub template by its value in
// vars when that is literal text, else by "*" (and ${!x} by the literal
// ${x}).
func subWildcards(tmpl string, vars *app.Node) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		switch name := tmpl[i+2 : i+j]; {
		case strings.HasPrefix(name, "!"):
			b.WriteString("${" + name[1:] + "}")
		case vars.Get(name).IsScalar():
			b.WriteString(vars.Get(name).Text())
		default:
			b.WriteString("*")
		}
		tmpl = tmpl[i+j+1:]
	}
}

// resourceIDs returns the ids of resources.
func resourceIDs(rs ...*app.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if r != nil {
			out = append(out, r.ID)
		}
	}
	return out
}
