package sam

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// TransformName is the Transform value that turns a template into SAM.
const TransformName = "AWS::Serverless-2016-10-31"

// Serverless resource types.
const (
	typeFunction     = "AWS::Serverless::Function"
	typeAPI          = "AWS::Serverless::Api"
	typeHTTPAPI      = "AWS::Serverless::HttpApi"
	typeSimpleTable  = "AWS::Serverless::SimpleTable"
	typeStateMachine = "AWS::Serverless::StateMachine"
	typeLayer        = "AWS::Serverless::LayerVersion"
	typeApplication  = "AWS::Serverless::Application"
	typeConnector    = "AWS::Serverless::Connector"
)

// Applies reports whether t declares the SAM transform.
func Applies(t *cfn.Template) bool {
	if t == nil || t.Root == nil {
		return false
	}
	for _, s := range t.Transforms() {
		if s == TransformName {
			return true
		}
	}
	return false
}

// Transform expands the AWS::Serverless-2016-10-31 transform of t in place,
// the way the SAM translator does: serverless resources become the
// CloudFormation resources they deploy as, with the logical ids the
// translator gives them. It never fails: problems are appended to t.Diags
// with positions. It is a no-op for templates without the transform.
//
// Converted resources keep their logical id and Pos and get WrittenType set
// to the serverless type; generated resources are Implicit, positioned at
// what produced them, and placed right after their owner. Values the user
// wrote (in the resource or in Globals) are kept as the nodes they wrote;
// invented values are Derived. t.Root is left as written (but for the
// NOT<condition> entries the translator adds to Conditions for conditional
// invoke destinations): t.Resources is the transformed view. Output is
// deterministic.
func Transform(t *cfn.Template) {
	if !Applies(t) {
		return
	}
	t.Format = "sam"
	x := newTx(t)
	defer func() {
		// The transform must never take a load down: a bug on some odd
		// input becomes a diagnostic, not a crash.
		if r := recover(); r != nil {
			t.Diags = append(t.Diags, app.Diag{Pos: app.Pos{File: t.File}, Severity: app.SevError,
				Message: fmt.Sprintf("SAM transform: internal error: %v", r)})
		}
	}()
	x.run()
}

// tx is one run of the transform.
type tx struct {
	t       *cfn.Template
	byID    map[string]*cfn.Resource
	after   map[string][]*cfn.Resource // generated resources, by owner id
	touched map[*cfn.Resource]bool     // resources whose Node must be rebuilt
	owned   map[*cfn.Resource]bool     // written resources whose Properties were cloned
	globals map[string]*app.Node

	fns  map[string]*function // converted functions, by id
	apis map[string]*apiState // REST and HTTP APIs that events attach to
	// apiOrder keeps API creation deterministic.
	apiOrder []string
	// refs maps "Id.Alias"-style property references to logical ids.
	refs map[string]string

	deployApp  *cfn.Resource
	deployRole *cfn.Resource
	// sharedPlan is the ApiStages list of the SHARED usage plan, once made.
	sharedPlan *app.Node

	arena arena
}

func newTx(t *cfn.Template) *tx {
	x := &tx{t: t, byID: make(map[string]*cfn.Resource, len(t.Resources)),
		after: map[string][]*cfn.Resource{}, touched: map[*cfn.Resource]bool{},
		owned: map[*cfn.Resource]bool{}, fns: map[string]*function{}, apis: map[string]*apiState{},
		refs: map[string]string{}}
	for _, r := range t.Resources {
		x.byID[r.ID] = r
	}
	return x
}

func (x *tx) run() {
	x.readGlobals()
	// Embedded connectors belong to any resource; take them out first so the
	// property does not reach CloudFormation.
	var embedded []*cfn.Resource
	for _, r := range x.t.Resources {
		embedded = append(embedded, x.embeddedConnectors(r)...)
	}
	// Explicit APIs are registered before functions so that events naming
	// them (RestApiId: !Ref MyApi) find them; they are built after, when
	// every event has added its path.
	for _, r := range x.t.Resources {
		switch r.Type {
		case typeAPI, typeHTTPAPI:
			x.registerAPI(r)
		}
	}
	for _, r := range x.t.Resources {
		switch r.Type {
		case typeFunction:
			x.function(r)
		case typeStateMachine:
			x.stateMachine(r)
		}
	}
	for _, r := range x.t.Resources {
		switch r.Type {
		case typeSimpleTable:
			x.simpleTable(r)
		case typeLayer:
			x.layer(r)
		case typeApplication:
			x.application(r)
		case typeFunction, typeStateMachine, typeAPI, typeHTTPAPI, typeConnector:
		default:
			if strings.HasPrefix(r.Type, "AWS::Serverless::") {
				x.diag(keyPos(r.Node, "Type"), app.SevWarning, "%s: %s is not expanded by fnops; its resources are missing from the model", r.ID, r.Type)
			}
		}
	}
	x.buildAPIs()
	for _, r := range x.t.Resources {
		if r.Type == typeConnector {
			x.connector(r, r)
		}
	}
	for _, c := range embedded {
		x.connector(c, x.byID[c.ID])
	}
	x.assemble()
	x.resolvePropertyRefs()
}

// convert turns r into a resource of type typ with the given properties.
func (x *tx) convert(r *cfn.Resource, typ string, props *app.Node) {
	r.WrittenType = r.Type
	r.Type = typ
	r.Properties = props
	x.touched[r] = true
}

// props returns r's Properties as a map ("" map when absent), reporting a
// non-map value.
func (x *tx) props(r *cfn.Resource) *app.Node {
	p := r.Properties
	if p == nil || p.Kind == app.NullNode {
		return &app.Node{Kind: app.MapNode, Pos: r.Pos}
	}
	if !p.IsMap() {
		x.diag(p.Pos, app.SevError, "%s: Properties is not a map", r.ID)
		return &app.Node{Kind: app.MapNode, Pos: r.Pos}
	}
	return p
}

// own makes r's Properties safe to modify: written resources share their
// Properties with t.Root, which stays as written.
func (x *tx) own(r *cfn.Resource) *app.Node {
	if r.Implicit || r.WrittenType != "" {
		if r.Properties == nil {
			r.Properties = x.at(r.Pos).m()
		}
		return r.Properties
	}
	if !x.owned[r] {
		x.owned[r] = true
		x.touched[r] = true
		if r.Properties.IsMap() {
			r.Properties = r.Properties.Clone()
		} else {
			r.Properties = x.at(r.Pos).m()
		}
	}
	return r.Properties
}

// add creates a generated resource after owner. It returns nil (and reports)
// when the id is taken: the translator refuses such templates too.
func (x *tx) add(owner *cfn.Resource, id, typ string, p app.Pos, props *app.Node) *cfn.Resource {
	if old, ok := x.byID[id]; ok {
		x.diag(p, app.SevError, "SAM generates resource %s (%s) but the template already has one (%s at line %d)",
			id, typ, old.Type, old.Pos.Line)
		return nil
	}
	g := x.at(p)
	if props == nil {
		props = g.m()
	}
	r := &cfn.Resource{ID: id, Type: typ, Implicit: true, Properties: props, Pos: p,
		Node: g.m("Type", g.str(typ))}
	if owner != nil {
		// The translator copies these resource attributes of the owner to
		// what it generates for it.
		r.Condition = owner.Condition
		for _, k := range [...]string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if v := owner.Node.Get(k); v != nil {
				r.Node.Set(k, v)
			}
		}
		x.after[owner.ID] = append(x.after[owner.ID], r)
	}
	x.byID[id] = r
	x.touched[r] = true
	return r
}

// dependOn adds a DependsOn entry to r.
func (x *tx) dependOn(r *cfn.Resource, id string) {
	for _, d := range r.DependsOn {
		if d == id {
			return
		}
	}
	r.DependsOn = append(r.DependsOn, id)
	x.touched[r] = true
}

func (x *tx) diag(p app.Pos, sev app.Severity, format string, args ...any) {
	if p.File == "" {
		p.File = x.t.File
	}
	x.t.Diags = append(x.t.Diags, app.Diag{Pos: p, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// assemble puts generated resources after their owners, drops resources the
// transform consumed (connectors) and rebuilds the Node of every resource it
// changed.
func (x *tx) assemble() {
	out := make([]*cfn.Resource, 0, len(x.t.Resources)+len(x.byID))
	var place func(r *cfn.Resource)
	place = func(r *cfn.Resource) {
		out = append(out, r)
		for _, g := range x.after[r.ID] {
			if g != r {
				place(g)
			}
		}
	}
	for _, r := range x.t.Resources {
		if r.Type == typeConnector && r.WrittenType == "" {
			// A connector deploys as what it generated; the resource
			// itself does not exist in the stack.
			for _, g := range x.after[r.ID] {
				place(g)
			}
			continue
		}
		place(r)
	}
	for _, r := range out {
		if x.touched[r] {
			x.rebuildNode(r)
		}
	}
	x.t.Resources = out
}

// rebuildNode makes r.Node agree with the fields of r, without touching the
// written document.
func (x *tx) rebuildNode(r *cfn.Resource) {
	old := r.Node
	n := &app.Node{Kind: app.MapNode, Pos: r.Pos}
	if r.Implicit && old.IsMap() {
		// Built by the transform: nothing of the written document to
		// protect.
		n = old
	} else if old.IsMap() {
		n.Pos = old.Pos
		n.Origin = old.Origin
		n.Keys = append([]string(nil), old.Keys...)
		n.Values = append([]*app.Node(nil), old.Values...)
		if old.KeyPos != nil {
			n.KeyPos = append([]app.Pos(nil), old.KeyPos...)
		}
	}
	g := x.at(r.Pos)
	if t := n.Get("Type"); t == nil || t.Text() != r.Type {
		tn := g.str(r.Type)
		if t != nil {
			tn.Pos = t.Pos
		}
		n.Set("Type", tn)
	}
	if r.Properties != nil {
		n.Set("Properties", r.Properties)
	}
	if len(r.DependsOn) > 0 {
		if d := n.Get("DependsOn"); d == nil || len(d.Strings()) != len(r.DependsOn) {
			n.Set("DependsOn", g.strs(r.DependsOn...))
		}
	}
	if r.Condition != "" && n.Get("Condition") == nil {
		n.Set("Condition", g.str(r.Condition))
	}
	r.Node = n
}

// resolvePropertyRefs rewrites the translator's property references
// ({"Ref": "MyFunction.Alias"}, "MyApi.Stage", "MyFunction.DestinationQueue"
// ...) to the logical ids it generated. Nodes are copied on the way to a
// rewritten reference, never edited: they may belong to the written
// document.
func (x *tx) resolvePropertyRefs() {
	if len(x.refs) == 0 {
		return
	}
	for _, r := range x.t.Resources {
		if p := x.rewritten(r.Properties); p != r.Properties {
			r.Properties = p
			x.touched[r] = true
		}
	}
}

// rewritten returns n with property references replaced, n itself when it
// holds none.
func (x *tx) rewritten(n *app.Node) *app.Node {
	if n == nil {
		return nil
	}
	if name, arg, ok := n.Intrinsic(); ok && name == "Ref" {
		if id, found := x.refs[arg.Text()]; found {
			c := *n
			c.Values = []*app.Node{{Kind: app.StringNode, Scalar: id, Pos: arg.Pos, Origin: app.Derived}}
			return &c
		}
		return n
	}
	var out *app.Node
	for i, c := range n.List {
		if r := x.rewritten(c); r != c {
			if out == nil {
				cp := *n
				cp.List = append([]*app.Node(nil), n.List...)
				out = &cp
			}
			out.List[i] = r
		}
	}
	copied := false
	for i, c := range n.Values {
		if r := x.rewritten(c); r != c {
			if out == nil {
				cp := *n
				out = &cp
			}
			if !copied {
				out.Values = append([]*app.Node(nil), n.Values...)
				copied = true
			}
			out.Values[i] = r
		}
	}
	if out == nil {
		return n
	}
	return out
}

// tagList turns a SAM tag map into CloudFormation's list of Key/Value, the
// translator's own tag (createdByKey: SAM) first when createdByKey is set.
func tagList(g gen, tags *app.Node, createdByKey string) *app.Node {
	l := g.list()
	if createdByKey != "" {
		l.List = append(l.List, g.m("Key", g.str(createdByKey), "Value", g.str("SAM")))
	}
	if tags.IsMap() {
		for i, k := range tags.Keys {
			kp := tags.Pos
			if i < len(tags.KeyPos) {
				kp = tags.KeyPos[i]
			}
			kn := &app.Node{Kind: app.StringNode, Scalar: k, Pos: kp}
			l.List = append(l.List, g.m("Key", kn, "Value", tags.Values[i]))
		}
	} else if tags.IsList() {
		// Already CloudFormation's Key/Value list.
		l.List = append(l.List, tags.List...)
	} else if tags != nil && tags.Kind != app.NullNode && createdByKey == "" {
		// An intrinsic: CloudFormation gets it as written.
		return tags
	}
	return l
}
