package cfn

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// resolveTarget returns the global id of the resource n refers to, however
// the reference is written: Ref, Fn::GetAtt (also Stack.Outputs.X of an
// expanded nested stack), a Sub or Join naming one resource, an ARN or
// queue URL literal, or a physical name (or the same parameter / Sub
// expression) that a resource's name property has. ok is false when n names
// no single resource of the graph.
func (s *scope) resolveTarget(n *app.Node) (string, bool) {
	return s.resolveDepth(n, 0)
}

func (s *scope) resolveDepth(n *app.Node, depth int) (string, bool) {
	if n == nil || depth > 8 {
		return "", false
	}
	if str, ok := n.String(); ok {
		return s.resolveText(str, nil, depth)
	}
	name, arg, ok := n.Intrinsic()
	if !ok {
		return "", false
	}
	switch name {
	case "Ref":
		id := arg.Text()
		if s.res[id] != nil {
			return s.prefix + id, true
		}
		if p := s.params[id]; p != nil {
			switch {
			case p.value != nil:
				return s.resolveDepth(p.value, depth+1)
			case p.target != nil && s.parent != nil:
				return s.parent.resolveDepth(p.target, depth+1)
			}
		}
	case "Fn::GetAtt":
		res, attr, ok := s.getAttArgs(arg)
		if !ok {
			return "", false
		}
		return s.resolveAtt(res, attr.Text(), depth)
	case "Fn::Sub":
		tmpl, vars := arg, (*app.Node)(nil)
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0]
			if len(arg.List) > 1 {
				vars = arg.List[1]
			}
		}
		str, ok := tmpl.String()
		if !ok {
			return "", false
		}
		return s.resolveText(str, vars, depth)
	case "Fn::Join":
		if arg.IsList() && len(arg.List) == 2 {
			for _, it := range arg.List[1].Items() {
				if _, _, isFn := it.Intrinsic(); isFn {
					if id, ok := s.resolveDepth(it, depth+1); ok {
						return id, true
					}
				}
			}
			return s.resolveText(symbolicText(n), nil, depth)
		}
	case "Fn::If":
		if arg.IsList() && len(arg.List) == 3 {
			if id, ok := s.resolveDepth(arg.List[1], depth+1); ok {
				return id, true
			}
			return s.resolveDepth(arg.List[2], depth+1)
		}
	}
	return s.lookupName(s.nameKey(n))
}

// resolveVar resolves a Sub-style variable: "Res", "Res.Attr",
// "Stack.Outputs.X", a parameter passed a parent's resource, or an entry of
// vars.
func (s *scope) resolveVar(v string, vars *app.Node, depth int) (string, bool) {
	if x := vars.Get(v); x != nil {
		return s.resolveDepth(x, depth+1)
	}
	res, attr, _ := strings.Cut(v, ".")
	if s.res[res] == nil {
		if p := s.params[v]; p != nil && p.target != nil && s.parent != nil {
			return s.parent.resolveDepth(p.target, depth+1)
		}
		return "", false
	}
	return s.resolveAtt(res, attr, depth)
}

// resolveAtt resolves Res.Attr (attr may be ""): the resource itself, or
// for Stack.Outputs.X the resource the nested stack's output names.
func (s *scope) resolveAtt(res, attr string, depth int) (string, bool) {
	if s.res[res] == nil {
		return "", false
	}
	if out, ok := strings.CutPrefix(attr, "Outputs."); ok {
		if c := s.childScopeOf(res); c != nil {
			return c.resolveDepth(c.output(out), depth+1)
		}
	}
	return s.prefix + res, true
}

func (s *scope) childScopeOf(id string) *scope {
	if e := s.res[id]; e != nil {
		if ti := lookupType(e.src.Type); ti != nil && ti.kind == app.KindStack {
			return s.childScope(e)
		}
	}
	return nil
}

// resolveText resolves a string that may hold Sub variables: a variable
// naming a resource wins; otherwise the text is read as an ARN, a queue URL
// or a physical name, with unresolved pseudo parameters matching anything.
func (s *scope) resolveText(str string, vars *app.Node, depth int) (string, bool) {
	if strings.Contains(str, "${") {
		var found string
		subParts(str, func(text string, isVar bool) {
			if isVar && found == "" {
				if _, _, pseudo := s.pseudo(text); !pseudo {
					found, _ = s.resolveVar(text, vars, depth)
				}
			}
		})
		if found != "" {
			return found, true
		}
	}
	switch {
	case strings.HasPrefix(str, "arn:"):
		return s.resolveARN(str)
	case strings.HasPrefix(str, "https://sqs.") || strings.HasPrefix(str, "https://queue."):
		i := strings.LastIndexByte(str, '/')
		return s.lookupKind(app.KindQueue, str[i+1:])
	}
	if str == "" || strings.ContainsAny(str, "*?") {
		return "", false
	}
	if strings.Contains(str, "${") {
		return s.lookupName(s.prefix + "\x00" + str)
	}
	return s.lookupName(str)
}

// resolveARN finds the resource an ARN names. Wildcards in the resource
// part name no single resource; unknown region and account (a pseudo
// parameter left symbolic) match any.
func (s *scope) resolveARN(arn string) (string, bool) {
	parts := splitARN(arn)
	if len(parts) < 6 {
		return "", false
	}
	svc, region, account, res := parts[2], parts[3], parts[4], parts[5]
	if svc == "apigateway" {
		// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations
		if i := strings.Index(res, "/functions/"); i >= 0 {
			inner := strings.TrimSuffix(res[i+len("/functions/"):], "/invocations")
			return s.resolveText(inner, nil, 0)
		}
		return "", false
	}
	o := &s.a.opts
	if (o.Region != "" && region != "" && region != o.Region && !strings.Contains(region, "${")) ||
		(o.Account != "" && account != "" && account != o.Account && !strings.Contains(account, "${")) {
		return "", false
	}
	var kind app.Kind
	name := res
	switch svc {
	case "s3":
		kind = app.KindBucket
		name, _, _ = strings.Cut(res, "/")
	case "sqs":
		kind = app.KindQueue
	case "sns":
		kind = app.KindTopic
		name, _, _ = strings.Cut(res, ":")
	case "dynamodb":
		kind = app.KindTable
		name = segment(res, "table/", '/')
	case "kinesis":
		kind = app.KindStream
		name = segment(res, "stream/", '/')
	case "lambda":
		if strings.HasPrefix(res, "layer:") {
			kind = app.KindLayer
			name = segment(res, "layer:", ':')
		} else {
			kind = app.KindFunction
			name = segment(res, "function:", ':')
		}
	case "states":
		kind = app.KindStateMachine
		name = segment(res, "stateMachine:", ':')
	case "events":
		if strings.HasPrefix(res, "rule/") {
			kind = app.KindRule
			r := strings.TrimPrefix(res, "rule/")
			name = r[strings.LastIndexByte(r, '/')+1:]
		} else {
			kind = app.KindEventBus
			name = segment(res, "event-bus/", '/')
		}
	case "logs":
		kind = app.KindLogGroup
		name = segment(res, "log-group:", ':')
	case "secretsmanager":
		kind = app.KindSecret
		name = segment(res, "secret:", 0)
		if id, ok := s.lookupKind(kind, name); ok {
			return id, true
		}
		// Secret ARNs end with "-" and six random characters.
		if len(name) > 7 && name[len(name)-7] == '-' {
			name = name[:len(name)-7]
		}
	case "iam":
		switch {
		case strings.HasPrefix(res, "role/"):
			kind = app.KindRole
		case strings.HasPrefix(res, "policy/"):
			kind = app.KindPolicy
		default:
			return "", false
		}
		name = res[strings.LastIndexByte(res, '/')+1:]
	case "ssm":
		kind = app.KindParameter
		name = segment(res, "parameter", 0)
		if id, ok := s.lookupKind(kind, name); ok {
			return id, true
		}
		name = strings.TrimPrefix(name, "/")
	default:
		return "", false
	}
	if name == "" || strings.ContainsAny(name, "*?") {
		return "", false
	}
	return s.lookupKind(kind, name)
}

// splitARN splits an ARN into its six fields, the last one holding the
// rest; colons inside ${...} (${AWS::Region}) do not split.
func splitARN(arn string) []string {
	parts := make([]string, 0, 6)
	depth, start := 0, 0
	for i := 0; i < len(arn) && len(parts) < 5; i++ {
		switch {
		case arn[i] == '$' && i+1 < len(arn) && arn[i+1] == '{':
			depth++
		case arn[i] == '}' && depth > 0:
			depth--
		case arn[i] == ':' && depth == 0:
			parts = append(parts, arn[start:i])
			start = i + 1
		}
	}
	return append(parts, arn[start:])
}

// segment returns what follows prefix in res, up to stop (0: the end); ""
// when res does not start with prefix.
func segment(res, prefix string, stop byte) string {
	rest, ok := strings.CutPrefix(res, prefix)
	if !ok {
		return ""
	}
	if stop != 0 {
		if i := strings.IndexByte(rest, stop); i >= 0 {
			rest = rest[:i]
		}
	}
	return rest
}

func (s *scope) lookupKind(kind app.Kind, name string) (string, bool) {
	key := name
	if strings.Contains(name, "${") {
		key = s.prefix + "\x00" + name
	}
	id := s.a.byKind[kindName{kind, key}]
	return id, id != ""
}

// lookupName finds the one resource with the given name key; a name two
// resources share names neither.
func (s *scope) lookupName(key string) (string, bool) {
	if key == "" {
		return "", false
	}
	ids := s.a.byName[key]
	if len(ids) != 1 {
		return "", false
	}
	return ids[0], true
}

// functionOf follows an alias or version to its function.
func (a *adapter) functionOf(id string) string {
	for range 3 {
		e := a.all[id]
		if e == nil || (e.r.Kind != app.KindAlias && e.r.Kind != app.KindVersion) {
			return id
		}
		fn, ok := e.s.resolveTarget(e.props.Get("FunctionName"))
		if !ok {
			return id
		}
		id = fn
	}
	return id
}

// functionTarget resolves a FunctionName-style property (a name, a name
// with a qualifier, an ARN, a reference to a function, alias or version)
// to the function's id.
func (s *scope) functionTarget(n *app.Node) (string, bool) {
	id, ok := s.resolveTarget(n)
	if !ok {
		str, isStr := n.String()
		if !isStr || strings.HasPrefix(str, "arn:") {
			return "", false
		}
		name, _, found := strings.Cut(str, ":")
		if !found {
			return "", false
		}
		if id, ok = s.lookupKind(app.KindFunction, name); !ok {
			return "", false
		}
	}
	return s.a.functionOf(id), true
}

// functionRef sets the "function" attribute.
func (s *scope) functionRef(b *builder, n *app.Node) {
	if n == nil {
		return
	}
	if id, ok := s.functionTarget(n); ok {
		b.set(app.AttrFunction, app.Str(id, n.Pos))
		return
	}
	b.set(app.AttrFunction, n)
}

// target resolves n for an edge, following aliases and versions to their
// function, since rules reason about functions.
func (s *scope) target(n *app.Node) (string, bool) {
	id, ok := s.resolveTarget(n)
	if !ok {
		return "", false
	}
	return s.a.functionOf(id), true
}
