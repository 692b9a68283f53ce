package cfn

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// Options are the inputs a template cannot supply itself.
type Options struct {
	Params    map[string]string // --param Key=Value overrides of Parameters
	Region    string            // AWS::Region; "" keeps it symbolic
	Account   string            // AWS::AccountId; "" keeps it symbolic
	Partition string            // default "aws"
	StackName string            // AWS::StackName; "" symbolic
	// LoadChild loads (parses and transforms) a nested stack's template given the
	// parent's file and the location as written (TemplateURL / Location). nil: nested
	// stacks are kept as stack resources and not expanded.
	LoadChild func(parentFile, location string) (*Template, error)
}

// Adapt builds the graph of t. It never fails: problems become g.Diags with positions.
//
// Intrinsic functions in Properties are evaluated as far as the template,
// its parameters and opts allow; what cannot be resolved stays symbolic.
// A resource whose Condition is false is kept with Disabled set, and no
// edge touches it. Nested stacks are expanded through opts.LoadChild with
// ids "Stack/Child". The graph is sorted and g.Files lists t.File and every
// nested template.
//
// Edges, and the choices made where a template does not say:
//   - an event source mapping's source triggers the function (Via: the
//     mapping); its on-failure destination leaves the function;
//   - a Lambda permission with a service principal gives a triggers edge
//     from the resource its SourceArn names, unless a notification,
//     subscription, rule target or integration already wires the two;
//   - IAM grants of a function's or state machine's role give writes,
//     reads and invokes edges (Via "iam:<action>", Detail "actions", and
//     "wildcard" when a "*" or a name pattern matched); Deny, NotAction and
//     NotResource are not subtracted;
//   - an environment variable naming a queue, topic, bus, stream, table or
//     bucket gives writes, or reads when the role grants only reads; naming
//     a function or state machine, invokes; a secret or parameter, reads.
//
// Adapt runs in three passes: build every resource (evaluating Properties,
// expanding nested stacks, indexing names), then attributes and policies
// (which resolve references to any resource), then edges.
func Adapt(t *Template, opts Options) *app.Graph {
	if opts.Partition == "" {
		opts.Partition = "aws"
	}
	a := &adapter{
		g:      app.New(),
		opts:   opts,
		byName: make(map[string][]string),
		byKind: make(map[kindName]string),
	}
	if t == nil {
		return a.g
	}
	// Overrides naming no parameter are not reported here: one --param
	// list serves every template of a load, and the CLI sees them all.
	root := a.newScope(t, "", "", nil, nil)
	root.setParams(nil, opts.Params)
	root.build()
	// A nested stack whose condition is false deploys none of its
	// resources. Parents come before their children in a.scopes.
	for _, s := range a.scopes {
		if st := a.g.Resource(s.stack); st != nil && st.Disabled {
			for _, e := range s.order {
				e.r.Disabled = true
			}
		}
	}
	for _, pass := range []func(*scope){(*scope).attrs, (*scope).policies, (*scope).edges, (*scope).iamEdges, (*scope).lateEdges} {
		for _, s := range a.scopes {
			pass(s)
		}
	}
	a.markInvocations()
	a.g.Sort()
	return a.g
}

// adapter holds what is shared by a root template and its nested stacks.
type adapter struct {
	g      *app.Graph
	opts   Options
	scopes []*scope
	// byName maps physical names (and, per scope, symbolic name keys) to
	// the ids of the resources that have them; byKind narrows by kind for
	// ARNs, which name their service.
	byName map[string][]string
	byKind map[kindName]string
	all    map[string]*entry // every resource by global id
	// flow summarises the edges before lateEdges (see flows); kinds
	// indexes resources by kind (see ofKind).
	flow  map[[2]string]uint8
	kinds map[app.Kind][]*app.Resource
	// slab hands out default-value nodes without one allocation each.
	slab []app.Node
}

type kindName struct {
	kind app.Kind
	name string
}

// node returns a new scalar node from the adapter's slab.
func (a *adapter) node(kind app.NodeKind, text string) *app.Node {
	if len(a.slab) == 0 {
		a.slab = make([]app.Node, 128)
	}
	n := &a.slab[0]
	a.slab = a.slab[1:]
	n.Kind, n.Scalar = kind, text
	return n
}

// attrCap is the number of attributes a resource of each kind usually
// gets, so its map is allocated once.
var attrCap = map[app.Kind]int{app.KindFunction: 24, app.KindQueue: 10, app.KindEventSourceMapping: 16, app.KindTable: 8, app.KindStream: 6}

// scope is one template being adapted: the root or a nested stack.
type scope struct {
	a      *adapter
	t      *Template
	prefix string // prepended to logical ids: "" or "Parent/"
	stack  string // the global id of the stack resource this template is nested in
	files  []string
	params map[string]*param
	conds  map[string]tri
	res    map[string]*entry // by logical id
	order  []*entry
	// outputs are evaluated on demand, for GetAtt Stack.Outputs.X.
	outputs map[string]*app.Node
	parent  *scope
}

// param is a template parameter's value: nil when unknown. target holds,
// for a nested stack, the parent's expression passed for it, which may name
// a resource of the parent.
type param struct {
	value  *app.Node
	target *app.Node
}

// entry is one resource during adaptation.
type entry struct {
	src    *Resource
	r      *app.Resource
	info   *typeInfo
	props  *app.Node // evaluated Properties, nil until evaluated
	busy   bool
	child  *scope // an expanded nested stack
	loaded bool   // LoadChild was called
	def    *sfnDef
	s      *scope
}

func (a *adapter) newScope(t *Template, prefix, stack string, files []string, parent *scope) *scope {
	s := &scope{a: a, t: t, prefix: prefix, stack: stack, parent: parent,
		params: make(map[string]*param), conds: make(map[string]tri), res: make(map[string]*entry, len(t.Resources)),
		outputs: make(map[string]*app.Node), files: append(files[:len(files):len(files)], filepath.Clean(t.File))}
	a.scopes = append(a.scopes, s)
	a.g.Files = append(a.g.Files, t.File)
	a.g.Diags = append(a.g.Diags, t.Diags...)
	entries := make([]entry, len(t.Resources))
	s.order = make([]*entry, len(t.Resources))
	for i, r := range t.Resources {
		e := &entries[i]
		e.src, e.s = r, s
		s.res[r.ID] = e
		s.order[i] = e
	}
	return s
}

// setParams reads the Parameters section: overrides first, then defaults.
// given holds the values passed by a parent stack (evaluated in the parent)
// or nil at the root.
func (s *scope) setParams(given *app.Node, overrides map[string]string) {
	sec := s.t.Section("Parameters")
	if !sec.IsMap() {
		return
	}
	for i, name := range sec.Keys {
		decl := sec.Values[i]
		typ := decl.Get("Type").Text()
		p := &param{}
		s.params[name] = p
		var v *app.Node
		if ov, ok := overrides[name]; ok {
			v = app.Str(ov, decl.Pos)
		} else if g := given.Get(name); g != nil {
			if !g.IsScalar() && !g.IsList() || hasIntrinsic(g) {
				p.target = g
				continue
			}
			v = g
		} else {
			v = decl.Get("Default")
		}
		if v == nil || strings.HasPrefix(typ, "AWS::SSM::Parameter::Value") {
			// The real value is read from SSM at deploy time.
			continue
		}
		if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
			if str, ok := v.String(); ok {
				parts := strings.Split(str, ",")
				l := &app.Node{Kind: app.ListNode, Pos: v.Pos, List: make([]*app.Node, len(parts))}
				for j, part := range parts {
					l.List[j] = app.Str(strings.TrimSpace(part), v.Pos)
				}
				v = l
			}
		}
		p.value = v
	}
}

// build creates every resource of the scope (and of nested stacks) with its
// evaluated properties, kind and name, and indexes names.
func (s *scope) build() {
	for _, e := range s.order {
		s.props(e)
	}
	for _, e := range s.order {
		s.create(e)
	}
	for _, e := range s.order {
		if e.info != nil && e.info.kind == app.KindStack {
			s.childScope(e)
		}
	}
	// Conditions and Outputs nothing uses are still checked for
	// references to missing resources.
	if conds := s.t.Section("Conditions"); conds.IsMap() {
		for i, name := range conds.Keys {
			s.condition(name, conds.Values[i].Pos)
		}
	}
	if outs := s.t.Section("Outputs"); outs.IsMap() {
		for _, name := range outs.Keys {
			s.output(name)
		}
	}
}

// props evaluates a resource's Properties once.
func (s *scope) props(e *entry) *app.Node {
	if e.props != nil || e.busy {
		return e.props
	}
	e.busy = true
	e.props = s.eval(e.src.Properties)
	if e.props == noValue {
		e.props = nil
	}
	e.busy = false
	return e.props
}

func (s *scope) create(e *entry) {
	src := e.src
	typ := src.Type
	written := typ
	if src.WrittenType != "" {
		written = src.WrittenType
	}
	format := s.t.Format
	if format == "" {
		format = "cloudformation"
	}
	r := &app.Resource{ID: s.prefix + src.ID, Type: written, Pos: src.Pos, Format: format, Stack: s.stack,
		Implicit: src.Implicit, Condition: src.Condition, Props: e.props, Metadata: src.Metadata}
	e.r = r
	e.info = lookupType(typ)
	if e.info != nil && attrCap[e.info.kind] > 0 {
		r.Attrs = make(map[string]*app.Node, attrCap[e.info.kind])
	}
	if e.info == nil {
		r.Kind = app.KindOther
		if msg := checkType(typ); msg != "" {
			s.a.g.Diag(typePos(src), app.SevWarning, msg)
		}
	} else {
		r.Kind = e.info.kind
	}
	if src.Condition != "" && s.condition(src.Condition, condPos(src)) == no {
		r.Disabled = true
	}
	s.checkDependsOn(src)
	// Physical name, else CDK's construct path as a display name.
	if e.info != nil && e.info.name != "" {
		if n := e.props.Get(e.info.name); n != nil {
			if key := s.nameKey(n); key != "" {
				s.a.index(key, r)
				if str, ok := n.String(); ok {
					r.Name = str
				} else {
					r.Name = symbolicText(n)
				}
			}
		}
	}
	if r.Name == "" {
		r.Name = src.Metadata.Get("aws:cdk:path").Text()
	}
	r.Tags = tags(e.props.Get("Tags"))
	if s.a.all == nil {
		s.a.all = make(map[string]*entry)
	}
	s.a.all[r.ID] = e
	s.a.g.Add(r)
}

func typePos(r *Resource) app.Pos {
	if t := r.Node.Get("Type"); t != nil {
		return t.Pos
	}
	return r.Pos
}

func condPos(r *Resource) app.Pos {
	if t := r.Node.Get("Condition"); t != nil {
		return t.Pos
	}
	return r.Pos
}

func (s *scope) checkDependsOn(r *Resource) {
	for _, d := range r.Node.Get("DependsOn").Items() {
		if id, ok := d.String(); ok && s.res[id] == nil {
			s.unknownRef(id, d.Pos)
		}
	}
}

// index records a resource under a name key. Scalar names are global
// (physical names are unique per account and region); symbolic keys carry
// their scope's prefix.
func (a *adapter) index(key string, r *app.Resource) {
	a.byName[key] = append(a.byName[key], r.ID)
	k := kindName{r.Kind, key}
	if _, dup := a.byKind[k]; dup {
		a.byKind[k] = "" // ambiguous
	} else {
		a.byKind[k] = r.ID
	}
}

// nameKey is the key a name node is indexed and looked up under: the text
// of a scalar; for a value that stays symbolic, its canonical rendering
// prefixed with the scope, so that two properties written as the same
// expression (!Sub "${AWS::StackName}-orders", !Ref QueueNameParam) match.
func (s *scope) nameKey(n *app.Node) string {
	if str, ok := n.String(); ok {
		return str
	}
	if _, _, ok := n.Intrinsic(); !ok {
		return ""
	}
	return s.prefix + "\x00" + symbolicText(n)
}

// symbolicText renders an unresolved value as a CloudFormation-like
// template string: ${Param}, ${Res.Attr}, Sub templates and joins.
func symbolicText(n *app.Node) string {
	if str, ok := n.String(); ok {
		return str
	}
	name, arg, ok := n.Intrinsic()
	if !ok {
		return toJSON(n)
	}
	switch name {
	case "Ref":
		return "${" + arg.Text() + "}"
	case "Fn::GetAtt":
		if str, ok := arg.String(); ok {
			return "${" + str + "}"
		}
		if arg.IsList() && len(arg.List) == 2 {
			return "${" + arg.List[0].Text() + "." + symbolicText(arg.List[1]) + "}"
		}
	case "Fn::Sub":
		if arg.IsList() && len(arg.List) > 0 {
			return arg.List[0].Text()
		}
		return arg.Text()
	case "Fn::Join":
		if arg.IsList() && len(arg.List) == 2 && arg.List[1].IsList() {
			parts := make([]string, len(arg.List[1].List))
			for i, it := range arg.List[1].List {
				parts[i] = symbolicText(it)
			}
			return strings.Join(parts, arg.List[0].Text())
		}
	}
	return toJSON(n)
}

// tags reads Tags in the list form ([{Key, Value}]) or the map form.
func tags(n *app.Node) map[string]string {
	if n == nil {
		return nil
	}
	out := make(map[string]string)
	switch n.Kind {
	case app.ListNode:
		for _, it := range n.List {
			k, ok1 := it.Get("Key").String()
			v, ok2 := it.Get("Value").String()
			if ok1 && ok2 {
				out[k] = v
			}
		}
	case app.MapNode:
		for i, k := range n.Keys {
			if v, ok := n.Values[i].String(); ok {
				out[k] = v
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// childScope expands a nested stack through Options.LoadChild, once.
func (s *scope) childScope(e *entry) *scope {
	if e.child != nil || e.busy || e.loaded || s.a.opts.LoadChild == nil {
		return e.child
	}
	props := s.props(e)
	loc := props.Get("TemplateURL")
	if loc == nil && e.src.Type == "AWS::Serverless::Application" {
		loc = props.Get("Location")
	}
	where, ok := loc.String()
	if !ok || strings.Contains(where, "://") || strings.HasPrefix(where, "https:") {
		// The CDK uploads nested templates as assets and names the local
		// file in the resource's metadata.
		md := e.src.Metadata
		if md.Get("aws:asset:property").Text() != "TemplateURL" || md.Get("aws:asset:path").Text() == "" {
			// Remote (S3, the Serverless Application Repository) or
			// computed: kept as a stack resource.
			return nil
		}
		loc = md.Get("aws:asset:path")
		where = loc.Text()
	}
	e.busy = true
	defer func() { e.busy = false }()
	e.loaded = true
	t, err := s.a.opts.LoadChild(s.t.File, where)
	if err != nil {
		s.a.g.Diag(loc.Pos, app.SevError, fmt.Sprintf("nested stack %s: %v", e.src.ID, err))
		return nil
	}
	if t == nil {
		return nil
	}
	clean := filepath.Clean(t.File)
	for _, f := range s.files {
		if f == clean {
			s.a.g.Diag(loc.Pos, app.SevError, fmt.Sprintf("nested stack %s: %s includes itself (stack loop)", e.src.ID, t.File))
			return nil
		}
	}
	id := s.prefix + e.src.ID
	c := s.a.newScope(t, id+"/", id, s.files, s)
	c.setParams(props.Get("Parameters"), nil)
	e.child = c
	c.build()
	return c
}

// childOutput returns the evaluated Value of output name of the nested stack
// resource id, or nil.
func (s *scope) childOutput(id, name string) *app.Node {
	e := s.res[id]
	if e == nil {
		return nil
	}
	if ti := lookupType(e.src.Type); ti == nil || ti.kind != app.KindStack {
		return nil
	}
	c := s.childScope(e)
	if c == nil {
		return nil
	}
	return c.output(name)
}

func (s *scope) output(name string) *app.Node {
	if v, ok := s.outputs[name]; ok {
		return v
	}
	s.outputs[name] = nil // a loop of outputs stays unresolved
	v := s.eval(s.t.Section("Outputs").Path(name, "Value"))
	s.outputs[name] = v
	return v
}

// attrs reads every resource's attributes, then copies what other
// resources configure onto the functions they configure (async settings of
// an EventInvokeConfig, a URL's auth type, an alias's provisioned
// concurrency) before the functions' async defaults.
func (s *scope) attrs() {
	for _, e := range s.order {
		if fn := typeAttrs[e.src.Type]; fn != nil {
			fn(&builder{s: s, e: e, r: e.r, p: e.props})
		}
	}
	g := s.a.g
	for _, e := range s.order {
		var copied []string
		switch e.r.Kind {
		case app.KindEventInvokeConfig:
			copied = []string{app.AttrAsyncMaxRetries, app.AttrAsyncMaxEventAge, app.AttrOnFailure, app.AttrOnSuccess}
		case app.KindURL:
			copied = []string{app.AttrURLAuth}
		case app.KindAlias, app.KindVersion:
			copied = []string{app.AttrProvisioned}
		default:
			continue
		}
		fn := g.Resource(e.r.Text(app.AttrFunction))
		if fn == nil || fn.Kind != app.KindFunction || e.r.Disabled {
			continue
		}
		for _, name := range copied {
			if v := e.r.Attr(name); v != nil {
				fn.SetAttr(name, v)
			}
		}
		if e.r.Kind == app.KindAlias && e.src.Implicit {
			s.samAlias(e, fn)
		}
	}
	s.stageAttrs()
	for _, e := range s.order {
		if e.r.Kind == app.KindFunction {
			e.r.Default(app.AttrAsyncMaxRetries, app.Int(2, app.Pos{}))
			e.r.Default(app.AttrAsyncMaxEventAge, app.Int(21600, app.Pos{}))
		}
	}
}

// samAlias gives a function the SAM settings its transform turned into an
// alias: AutoPublishAlias (the alias name) and DeploymentPreference (the
// CodeDeploy configuration of the deployment group in the alias's
// UpdatePolicy).
func (s *scope) samAlias(e *entry, fn *app.Resource) {
	if fn.Attr(app.AttrAutoPublishAlias) == nil {
		if n := e.props.Get("Name"); n != nil {
			fn.SetAttr(app.AttrAutoPublishAlias, n)
		}
	}
	group := e.src.Node.Path("UpdatePolicy", "CodeDeployLambdaAliasUpdate", "DeploymentGroupName")
	if id, ok := s.resolveTarget(group); ok && fn.Attr(app.AttrDeploymentPref) == nil {
		if ge := s.a.all[id]; ge != nil {
			if cfg := ge.props.Get("DeploymentConfigName"); cfg != nil {
				fn.SetAttr(app.AttrDeploymentPref, cfg)
			}
		}
	}
}

// stageAttrs copies the settings of an API's stage (access log, tracing,
// throttling, name) onto the API when it has exactly one stage, as SAM's
// APIs do, so rules can read them on the API. With several stages the API
// is left alone: the stages (routes edges from the API) differ.
func (s *scope) stageAttrs() {
	stages := make(map[string][]*entry)
	for _, e := range s.order {
		switch e.src.Type {
		case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage":
			if api, ok := s.resolveTarget(apiRef(e.props)); ok && !e.r.Disabled {
				stages[api] = append(stages[api], e)
			}
		}
	}
	for api, list := range stages {
		a := s.a.g.Resource(api)
		if len(list) != 1 || a == nil || a.Kind != app.KindAPI {
			continue
		}
		for _, name := range []string{app.AttrStage, app.AttrAccessLog, app.AttrTracing, app.AttrThrottleRate} {
			if v := list[0].r.Attr(name); v != nil && a.Attr(name) == nil {
				a.SetAttr(name, v)
			}
		}
	}
}
