package sls

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// Service is a loaded Serverless Framework service: the CloudFormation
// the framework would deploy for it, and the inputs it was compiled with.
type Service struct {
	Template *cfn.Template
	Name     string
	Stage    string
	Region   string
	// Symbolic lists the variables that need AWS to resolve
	// (${ssm:...}, ${cf:...}, ${s3:...}, ${aws:accountId}); they are kept
	// as written.
	Symbolic []string
	// Plugins lists the plugins the service declares; Unknown those whose
	// effect fnops does not model.
	Plugins, Unknown []string
	// Files lists the files ${file(...)} read, so that a loader does not
	// load them again on their own.
	Files []string
}

// IsServiceFile reports whether a file name is a Serverless Framework
// service file that Load reads.
func IsServiceFile(name string) bool {
	switch strings.ToLower(filepath.Base(name)) {
	case "serverless.yml", "serverless.yaml", "serverless.json":
		return true
	}
	return false
}

// IsScriptServiceFile reports whether a file name is a service written in
// JavaScript or TypeScript, which fnops does not run.
func IsScriptServiceFile(name string) bool {
	switch strings.ToLower(filepath.Base(name)) {
	case "serverless.ts", "serverless.js", "serverless.cjs", "serverless.mjs":
		return true
	}
	return false
}

// PrintCommand is what a user runs to turn a serverless.ts/.js service
// into a serverless.yml fnops reads.
const PrintCommand = "npx serverless print --format yaml > serverless.yml"

// Load parses a serverless.yml (or .yaml/.json), resolves its variables
// and compiles it into the CloudFormation the framework generates, with
// the logical ids the framework gives (RenderLambdaFunction,
// IamRoleLambdaExecution, S3BucketInvoices, ...), so that resources in
// resources.Resources that refer to them resolve. A document that cannot
// be read is an app.Diag error; everything else is in Template.Diags.
func Load(file string, data []byte, in Inputs) (*Service, error) {
	root, diags, err := cfn.ParseDocument(file, data)
	if err != nil {
		return nil, err
	}
	if !root.IsMap() {
		return nil, app.Diag{Pos: root.Pos, Severity: app.SevError, Message: "serverless service is not a map"}
	}
	svc := &Service{}
	t := &cfn.Template{File: file, Format: "serverless", Diags: diags}
	svc.Template = t
	func() {
		defer func() {
			// A compiler bug on odd input is a diagnostic, never a crash.
			if r := recover(); r != nil {
				t.Diags = append(t.Diags, app.Diag{Pos: app.Pos{File: file}, Severity: app.SevError,
					Message: fmt.Sprintf("serverless: internal error: %v", r)})
			}
		}()
		res := newResolver(file, root, in)
		doc := res.resolve()
		t.Diags = append(t.Diags, res.diags...)
		svc.Stage, svc.Region, svc.Symbolic = res.stage, res.region, res.symbolicVars()
		for f := range res.files {
			svc.Files = append(svc.Files, f)
		}
		slices.Sort(svc.Files)
		for _, v := range svc.Symbolic {
			why := "needs AWS to resolve"
			if strings.HasPrefix(v, "${sls:instanceId") {
				why = "is random for each run of the framework"
			}
			t.Diags = append(t.Diags, app.Diag{Pos: res.symbolic[v], Severity: app.SevInfo,
				Message: fmt.Sprintf("variable %s %s; kept symbolic", v, why)})
		}
		c := newCompiler(t, doc, svc)
		c.run()
	}()
	if t.Root == nil {
		t.Root = &app.Node{Kind: app.MapNode, Pos: root.Pos}
	}
	return svc, nil
}

// compiler turns one resolved service into CloudFormation.
type compiler struct {
	t    *cfn.Template
	svc  *Service
	doc  *app.Node
	prov *app.Node
	// service and stage as the framework names things with them.
	service, stage string

	res  []*cfn.Resource
	byID map[string]*cfn.Resource
	outs *app.Node

	fns     []*function
	fnByKey map[string]*function
	role    *roleState // the shared IamRoleLambdaExecution, nil when not generated
	roles   []*roleState
	plugins map[string]bool

	slab nodeSlab // the generated nodes

	rest, httpAPI, ws bool // whether the APIs were created
	restMethods       []string
	restResources     map[string]string // path -> logical id
	wsRoutes          []string
}

func newCompiler(t *cfn.Template, doc *app.Node, svc *Service) *compiler {
	c := &compiler{t: t, svc: svc, doc: doc, prov: doc.Get("provider"), byID: map[string]*cfn.Resource{},
		fnByKey: map[string]*function{}, restResources: map[string]string{}, plugins: map[string]bool{}}
	c.service = doc.Get("service").Text()
	if c.service == "" {
		c.service = doc.Path("service", "name").Text()
	}
	if c.service == "" {
		c.diag(doc.Pos, app.SevError, "service has no name (top-level service:)")
		c.service = "service"
	}
	svc.Name = c.service
	c.stage = svc.Stage
	c.outs = &app.Node{Kind: app.MapNode, Pos: doc.Pos}
	c.section("Resources")
	return c
}

func (c *compiler) diag(p app.Pos, sev app.Severity, format string, args ...any) {
	if p.File == "" {
		p.File = c.t.File
	}
	c.t.Diags = append(c.t.Diags, app.Diag{Pos: p, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// add creates a generated resource; an id the service already has is
// reported and the first kept.
func (c *compiler) add(id, typ string, p app.Pos, props *app.Node, dependsOn ...string) *cfn.Resource {
	if old := c.byID[id]; old != nil {
		if old.Type == typ {
			return old
		}
		c.diag(p, app.SevError, "the framework generates %s (%s) but %s is already %s", id, typ, id, old.Type)
		return nil
	}
	g := c.mk(p)
	if props == nil {
		props = g.m()
	}
	// Room for the Properties, DependsOn and Condition assemble adds.
	node := g.a.node(app.MapNode, p)
	node.Keys, node.Values = make([]string, 1, 4), make([]*app.Node, 1, 4)
	node.Keys[0], node.Values[0] = "Type", g.str(typ)
	r := &cfn.Resource{ID: id, Type: typ, Implicit: true, Properties: props, Pos: p, DependsOn: dependsOn,
		Node: node}
	c.res = append(c.res, r)
	c.byID[id] = r
	return r
}

// providerOr returns the function's setting, else the provider's.
func (c *compiler) providerOr(fn *app.Node, key string) *app.Node {
	if v := fn.Get(key); v != nil && v.Kind != app.NullNode {
		return v
	}
	return c.prov.Get(key)
}

func (c *compiler) run() {
	if name := c.prov.Get("name").Text(); name != "" && name != "aws" {
		c.diag(keyPos(c.prov, "name"), app.SevError, "provider %q: fnops loads AWS services only", name)
		return
	}
	c.readPlugins()
	c.deploymentBucket()
	fns := c.doc.Get("functions")
	if fns != nil && !fns.IsMap() && fns.Kind != app.NullNode {
		c.diag(fns.Pos, app.SevError, "functions is not a map")
	}
	if fns.IsMap() {
		for i, k := range fns.Keys {
			c.declare(k, fns.Values[i], entryPos(fns, i))
		}
	}
	c.liftDeclare()
	c.sharedRole()
	for _, f := range c.fns {
		c.function(f)
	}
	for _, f := range c.fns {
		c.events(f)
	}
	c.lift()
	c.stepFunctions()
	c.apis()
	c.finishRoles()
	c.resources()
	c.outputs()
	c.assemble()
}

// readPlugins lists the declared plugins and reports the ones whose
// effect is not modelled.
func (c *compiler) readPlugins() {
	p := c.doc.Get("plugins")
	if p.IsMap() {
		p = p.Get("modules")
	}
	for _, it := range p.Items() {
		name := it.Text()
		if name == "" {
			continue
		}
		c.plugins[name] = true
		c.svc.Plugins = append(c.svc.Plugins, name)
		if !knownPlugins[name] {
			c.svc.Unknown = append(c.svc.Unknown, name)
			c.diag(it.Pos, app.SevInfo, "plugin %s: its effect on the stack is not modelled", name)
		}
	}
}

// knownPlugins are the plugins whose effect on the stack fnops models, or
// that have none (packaging, local emulation).
var knownPlugins = map[string]bool{
	"serverless-iam-roles-per-function": true, "serverless-step-functions": true,
	"serverless-plugin-canary-deployments": true, "serverless-lift": true,
	"serverless-offline": true, "serverless-webpack": true, "serverless-esbuild": true,
	"serverless-python-requirements": true, "serverless-plugin-typescript": true,
	"serverless-dotenv-plugin": true, "serverless-prune-plugin": true,
}

func (c *compiler) deploymentBucket() {
	db := c.prov.Get("deploymentBucket")
	if db.Text() != "" || db.Get("name") != nil {
		return
	}
	p := keyPos(c.doc, "provider")
	g := c.mk(p)
	enc := g.m("ServerSideEncryptionConfiguration", g.list(g.m("ServerSideEncryptionByDefault", g.m("SSEAlgorithm", g.str("AES256")))))
	c.add("ServerlessDeploymentBucket", "AWS::S3::Bucket", p, g.m("BucketEncryption", enc))
	arn := func(suffix string) *app.Node {
		return g.join("", "arn:", g.partition(), ":s3:::", g.ref("ServerlessDeploymentBucket"), suffix)
	}
	c.add("ServerlessDeploymentBucketPolicy", "AWS::S3::BucketPolicy", p, g.m(
		"Bucket", g.ref("ServerlessDeploymentBucket"),
		"PolicyDocument", g.m("Statement", g.list(g.m(
			"Action", g.str("s3:*"), "Effect", g.str("Deny"), "Principal", g.str("*"),
			"Resource", g.list(arn("/*"), arn("")),
			"Condition", g.m("Bool", g.m("aws:SecureTransport", g.boolean(false))))))))
	c.outs.Set("ServerlessDeploymentBucketName", g.m("Value", g.ref("ServerlessDeploymentBucket")))
}

// resources merges resources.Resources, Outputs, Conditions and
// extensions into the generated template, as the framework does: a
// resource with a generated id is merged into it (deeply), extensions are
// merged shallowly into generated resources' attributes.
func (c *compiler) resources() {
	rs := c.doc.Get("resources")
	for _, part := range rs.Items() {
		// resources may be a list of fragments, each like the map form
		// (often ${file(...)} includes).
		if !part.IsMap() {
			continue
		}
		if r := part.Get("Resources"); r.IsMap() {
			for i, id := range r.Keys {
				c.rawResource(id, r.Values[i], entryPos(r, i))
			}
		}
		if o := part.Get("Outputs"); o.IsMap() {
			for i, k := range o.Keys {
				c.outs.Set(k, o.Values[i])
			}
		}
		for _, sec := range []string{"Conditions", "Parameters", "Mappings"} {
			if s := part.Get(sec); s.IsMap() {
				c.section(sec).Keys = append(c.section(sec).Keys, s.Keys...)
				c.section(sec).Values = append(c.section(sec).Values, s.Values...)
			}
		}
		if ext := part.Get("extensions"); ext.IsMap() {
			for i, id := range ext.Keys {
				c.extend(id, ext.Values[i], entryPos(ext, i))
			}
		}
	}
}

func (c *compiler) section(name string) *app.Node {
	if c.t.Root == nil {
		c.t.Root = &app.Node{Kind: app.MapNode, Pos: c.doc.Pos}
	}
	s := c.t.Root.Get(name)
	if s == nil {
		s = &app.Node{Kind: app.MapNode, Pos: c.doc.Pos}
		c.t.Root.Set(name, s)
	}
	return s
}

// rawResource adds one resource of resources.Resources, or merges it into
// the generated resource of the same id.
func (c *compiler) rawResource(id string, n *app.Node, p app.Pos) {
	if !n.IsMap() {
		c.diag(p, app.SevError, "resource %s is not a map", id)
		return
	}
	if old := c.byID[id]; old != nil && old.Implicit {
		merged := mergeDeep(old.Node, n)
		old.Node = merged
		old.Properties = merged.Get("Properties")
		if t := n.Get("Type").Text(); t != "" {
			old.Type = t
		}
		old.Metadata = merged.Get("Metadata")
		old.Condition = merged.Get("Condition").Text()
		old.DependsOn = merged.Get("DependsOn").Strings()
		old.Implicit = false
		old.Pos = p
		return
	}
	typ := n.Get("Type").Text()
	if typ == "" {
		c.diag(p, app.SevError, "resource %s has no Type", id)
	}
	r := &cfn.Resource{ID: id, Type: typ, Properties: n.Get("Properties"), Metadata: n.Get("Metadata"),
		Condition: n.Get("Condition").Text(), DependsOn: n.Get("DependsOn").Strings(), Node: n, Pos: p}
	c.res = append(c.res, r)
	c.byID[id] = r
}

// extend applies one resources.extensions entry.
func (c *compiler) extend(id string, n *app.Node, p app.Pos) {
	r := c.byID[id]
	if r == nil {
		c.diag(p, app.SevError, "extensions.%s: no such resource", id)
		return
	}
	if !n.IsMap() {
		return
	}
	node := r.Node.Clone()
	// A generated resource keeps its Properties and DependsOn in the
	// fields until assemble writes them into the Node.
	if r.Properties != nil {
		node.Set("Properties", r.Properties.Clone())
	}
	if len(r.DependsOn) > 0 && node.Get("DependsOn") == nil {
		node.Set("DependsOn", c.mk(r.Pos).strs(r.DependsOn...))
	}
	for i, k := range n.Keys {
		v := n.Values[i]
		switch k {
		case "Properties", "Metadata", "CreationPolicy", "UpdatePolicy":
			cur := node.Get(k)
			if !cur.IsMap() {
				cur = &app.Node{Kind: app.MapNode, Pos: entryPos(n, i)}
			}
			for j, pk := range v.Keys {
				cur.Set(pk, v.Values[j])
			}
			node.Set(k, cur)
		case "DependsOn":
			cur := node.Get("DependsOn")
			l := &app.Node{Kind: app.ListNode, Pos: entryPos(n, i)}
			l.List = append(append(l.List, cur.Items()...), v.Items()...)
			node.Set(k, l)
		case "Condition", "DeletionPolicy", "UpdateReplacePolicy":
			node.Set(k, v)
		default:
			c.diag(entryPos(n, i), app.SevError, "extensions.%s.%s: only Properties, Metadata, CreationPolicy, UpdatePolicy, DependsOn, Condition, DeletionPolicy and UpdateReplacePolicy can be extended", id, k)
		}
	}
	r.Node = node
	r.Properties = node.Get("Properties")
	r.Metadata = node.Get("Metadata")
	r.Condition = node.Get("Condition").Text()
	r.DependsOn = node.Get("DependsOn").Strings()
}

// mergeDeep is lodash's merge of b into a: maps merge key by key, lists
// item by item, anything else b wins. Neither input is modified.
func mergeDeep(a, b *app.Node) *app.Node {
	switch {
	case a.IsMap() && b.IsMap():
		out := &app.Node{Kind: app.MapNode, Pos: b.Pos, Origin: b.Origin,
			Keys: slices.Clone(a.Keys), Values: slices.Clone(a.Values)}
		for i, k := range b.Keys {
			if cur := out.Get(k); cur != nil {
				out.Set(k, mergeDeep(cur, b.Values[i]))
			} else {
				out.Set(k, b.Values[i])
			}
		}
		return out
	case a.IsList() && b.IsList():
		out := &app.Node{Kind: app.ListNode, Pos: b.Pos, Origin: b.Origin, List: slices.Clone(a.List)}
		for i, it := range b.List {
			if i < len(out.List) {
				out.List[i] = mergeDeep(out.List[i], it)
			} else {
				out.List = append(out.List, it)
			}
		}
		return out
	}
	return b
}

func (c *compiler) outputs() {
	if c.outs.Len() > 0 {
		c.section("Outputs").Keys = append(c.section("Outputs").Keys, c.outs.Keys...)
		c.section("Outputs").Values = append(c.section("Outputs").Values, c.outs.Values...)
	}
}

// assemble writes the compiled resources into the template: the Resources
// section of Root and the Resources list, with each generated resource's
// Node agreeing with its fields.
func (c *compiler) assemble() {
	rs := c.section("Resources")
	rs.Keys = slices.Grow(rs.Keys, len(c.res))
	rs.Values = slices.Grow(rs.Values, len(c.res))
	rs.KeyPos = slices.Grow(rs.KeyPos, len(c.res))
	for _, r := range c.res {
		if r.Implicit {
			n := r.Node
			n.Set("Properties", r.Properties)
			if len(r.DependsOn) > 0 {
				n.Set("DependsOn", c.mk(r.Pos).strs(r.DependsOn...))
			}
			if r.Condition != "" {
				n.Set("Condition", c.mk(r.Pos).str(r.Condition))
			}
		}
		rs.Keys = append(rs.Keys, r.ID)
		rs.Values = append(rs.Values, r.Node)
		rs.KeyPos = append(rs.KeyPos, r.Pos)
	}
	c.t.Resources = c.res
}
