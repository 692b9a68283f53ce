package rules

import (
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// Resource policies (bucket, queue, topic and event bus policies) are read
// the way IAM Access Analyzer and S3's "public" test read them: a
// statement that allows everyone ("*") is public unless a condition pins
// it to fixed accounts, organizations, networks or source resources.

// restrictingKeys are the condition keys that make an Allow to "*" not
// public, when their value is not itself a wildcard (lower case).
var restrictingKeys = []string{
	"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
	"aws:sourceip", "aws:principalarn", "aws:principalaccount", "aws:principalorgid",
	"aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths", "aws:userid",
	"aws:vpcsourceip", "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "events:source",
	"sns:endpoint",
}

// policyStatements returns the resource-policy statements attached to r
// (by a bucket, queue or topic policy resource), leaving out the
// identity-policy statements some resources also carry.
func policyStatements(c *Context, r *app.Resource) []app.Statement {
	var out []app.Statement
	for _, s := range r.Statements {
		p := c.Graph.Resource(s.Policy)
		if p == nil && scope(r) != "" {
			p = c.Graph.Resource(scope(r) + s.Policy)
		}
		if p != nil && p.Kind == app.KindPolicy && p.ID != r.ID {
			switch p.Type {
			case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SQS::QueueInlinePolicy",
				"AWS::SNS::TopicPolicy", "AWS::SNS::TopicInlinePolicy":
				out = append(out, s)
			}
		}
	}
	return out
}

// everyone reports whether a principal map grants to anyone at all.
func everyone(ps map[string][]string) bool {
	for _, typ := range []string{"*", "AWS"} {
		if slices.Contains(ps[typ], "*") {
			return true
		}
	}
	return false
}

// publicStatement reports whether s allows anyone in without a condition
// that restricts who. A condition that cannot be read (an unresolved
// intrinsic) counts as restricting: not ours to judge.
func publicStatement(s app.Statement) bool {
	if !isAllowStatement(s) || !everyone(s.Principals) {
		return false
	}
	return !restricted(s.Condition)
}

func isAllowStatement(s app.Statement) bool { return strings.EqualFold(s.Effect, "Allow") }

// restricted reports whether a Condition block pins the caller or the
// source with one of restrictingKeys to something other than a wildcard.
func restricted(cond *app.Node) bool {
	if cond == nil {
		return false
	}
	if !cond.IsMap() {
		return true
	}
	if _, _, ok := cond.Intrinsic(); ok {
		return true
	}
	for _, op := range cond.Values {
		if !op.IsMap() {
			return true
		}
		if _, _, ok := op.Intrinsic(); ok {
			return true
		}
		for i, k := range op.Keys {
			if !slices.Contains(restrictingKeys, strings.ToLower(k)) {
				continue
			}
			for _, v := range op.Values[i].Items() {
				s, ok := v.String()
				if !ok || (s != "*" && s != "0.0.0.0/0" && s != "::/0" && s != "") {
					return true
				}
			}
		}
	}
	return false
}

// denyInsecureTransport reports whether one of ss denies requests that do
// not use TLS (aws:SecureTransport false, or s3:TlsVersion below 1.2).
func denyInsecureTransport(ss []app.Statement) bool {
	for _, s := range ss {
		if !strings.EqualFold(s.Effect, "Deny") || !s.Condition.IsMap() {
			continue
		}
		for i, op := range s.Condition.Keys {
			vals := s.Condition.Values[i]
			for j, k := range vals.Keys {
				v := vals.Values[j]
				switch strings.ToLower(k) {
				case "aws:securetransport":
					if strings.HasPrefix(strings.ToLower(op), "bool") {
						if on, ok := firstItem(v).Truth(); ok && !on {
							return true
						}
					}
				case "s3:tlsversion":
					if strings.HasPrefix(op, "NumericLessThan") {
						return true
					}
				}
			}
		}
	}
	return false
}

func firstItem(n *app.Node) *app.Node {
	if items := n.Items(); len(items) > 0 {
		return items[0]
	}
	return nil
}

// serviceWide reports whether an action pattern allows every action of
// the service (or of all services): "*", "sqs:*".
func serviceWide(action string) bool {
	_, op, ok := strings.Cut(action, ":")
	return action == "*" || (ok && op == "*")
}

// nodeStatements reads the statements of a policy document written as a
// node (for resources whose policies the loader does not normalize, such
// as event bus policies): a Statement list or a single statement.
func nodeStatements(doc *app.Node) []app.Statement {
	var out []app.Statement
	for _, st := range doc.Get("Statement").Items() {
		if st.IsMap() {
			out = append(out, nodeStatement(st))
		}
	}
	return out
}

// nodeStatement normalizes one statement node.
func nodeStatement(st *app.Node) app.Statement {
	return app.Statement{
		Sid:           st.Get("Sid").Text(),
		Effect:        st.Get("Effect").Text(),
		Actions:       st.Get("Action").Strings(),
		NotActions:    st.Get("NotAction").Strings(),
		Resources:     st.Get("Resource").Items(),
		Principals:    nodePrincipals(st.Get("Principal")),
		NotPrincipals: nodePrincipals(st.Get("NotPrincipal")),
		Condition:     st.Get("Condition"),
		Pos:           st.Pos,
	}
}

// nodePrincipals reads a Principal: "*" or a map of type to values.
// Values that did not resolve are left out: they are not "*".
func nodePrincipals(n *app.Node) map[string][]string {
	if s, ok := n.String(); ok {
		return map[string][]string{"*": {s}}
	}
	if !n.IsMap() {
		return nil
	}
	if _, _, ok := n.Intrinsic(); ok {
		return nil
	}
	out := make(map[string][]string, len(n.Keys))
	for i, k := range n.Keys {
		out[k] = n.Values[i].Strings()
	}
	return out
}

// refID returns the logical id a Ref, Fn::GetAtt or plain-variable
// Fn::Sub ("${Queue.Arn}") names, or "".
func refID(n *app.Node) string {
	name, arg, ok := n.Intrinsic()
	if !ok {
		return ""
	}
	switch name {
	case "Ref":
		return arg.Text()
	case "Fn::GetAtt":
		if arg.IsList() && len(arg.List) > 0 {
			return arg.List[0].Text()
		}
		id, _, _ := strings.Cut(arg.Text(), ".")
		return id
	case "Fn::Sub":
		t := arg.Text()
		if strings.HasPrefix(t, "${") && strings.HasSuffix(t, "}") && strings.Count(t, "${") == 1 {
			id, _, _ := strings.Cut(t[2:len(t)-1], ".")
			return id
		}
	}
	return ""
}

// scope is the prefix the loader gives the ids of one template's
// resources: "Parent/" inside a nested stack, "file.yaml#" when two
// templates share logical ids, "" otherwise. Logical ids hold neither
// character.
func scope(r *app.Resource) string {
	return r.ID[:strings.LastIndexAny(r.ID, "/#")+1]
}

// localID is a resource's logical id inside its own template, the id its
// template's references use.
func localID(r *app.Resource) string { return logicalID(r.ID) }

// targetOf returns the graph resource n, written in from's template,
// refers to: by reference (to a resource of the same template), or by a
// literal that is a resource's id (the loader's resolved form).
func targetOf(c *Context, from *app.Resource, n *app.Node) *app.Resource {
	id := refID(n)
	if id == "" {
		s, ok := n.String()
		if !ok || s == "" {
			return nil
		}
		id = s
	}
	if from != nil && scope(from) != "" {
		if r := c.Graph.Resource(scope(from) + id); r != nil {
			return r
		}
	}
	return c.Graph.Resource(id)
}

// mentions reports whether n refers to the resource id anywhere inside
// it: a Ref or GetAtt, a Sub variable, or the id as a whole string.
func mentions(n *app.Node, id string) bool {
	if n == nil || id == "" {
		return false
	}
	if refID(n) == id {
		return true
	}
	if s, ok := n.String(); ok {
		return s == id || strings.Contains(s, "${"+id+"}") || strings.Contains(s, "${"+id+".")
	}
	for _, it := range n.List {
		if mentions(it, id) {
			return true
		}
	}
	for _, v := range n.Values {
		if mentions(v, id) {
			return true
		}
	}
	return false
}

// mentionedIDs calls fn with every logical id n refers to: Refs,
// GetAtts, Sub variables ("${Id}", "${Id.Arn}") and whole strings (the
// loader's resolved form). Callers index with it where mentions per pair
// would be quadratic.
func mentionedIDs(n *app.Node, fn func(id string)) {
	if n == nil {
		return
	}
	if id := refID(n); id != "" {
		fn(id)
	}
	if s, ok := n.String(); ok {
		fn(s)
		for rest := s; ; {
			i := strings.Index(rest, "${")
			if i < 0 {
				break
			}
			j := strings.IndexByte(rest[i:], '}')
			if j < 0 {
				break
			}
			id, _, _ := strings.Cut(rest[i+2:i+j], ".")
			fn(id)
			rest = rest[i+j+1:]
		}
		return
	}
	for _, it := range n.List {
		mentionedIDs(it, fn)
	}
	for _, v := range n.Values {
		mentionedIDs(v, fn)
	}
}

// reportedOn is the resource a finding about a generated resource belongs to:
// the written resource it was made from when known, else r itself.
func reportedOn(r, from *app.Resource) *app.Resource {
	if r.Implicit && from != nil && !from.Implicit {
		return from
	}
	return r
}

// actionList renders a statement's actions for a message.
func actionList(s app.Statement) string {
	if len(s.Actions) == 0 {
		if len(s.NotActions) > 0 {
			return "every action but " + strings.Join(s.NotActions, ", ")
		}
		return "no action"
	}
	return strings.Join(s.Actions, ", ")
}

// ofType returns the resources of the given CloudFormation types.
func ofType(c *Context, types ...string) []*app.Resource {
	var out []*app.Resource
	for _, r := range c.Resources() {
		if slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// label is how messages name a resource: its physical name when that is
// plain text, else its logical id (a name like
// "${AWS::StackName}-uploads" says less than UploadsBucket).
func label(r *app.Resource) string {
	if r.Name == "" || strings.Contains(r.Name, "${") {
		return r.ID
	}
	return r.Name
}
