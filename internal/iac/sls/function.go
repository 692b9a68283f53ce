package sls

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// function is one entry of functions: being compiled.
type function struct {
	key      string    // the name under functions:
	id       string    // <Name>LambdaFunction
	norm     string    // the normalized name ids start with
	def      *app.Node // the resolved definition
	pos      app.Pos   // the key's position
	name     string    // the deployed FunctionName when it is a plain string
	nameNode *app.Node

	res   *cfn.Resource
	props *app.Node
	role  *roleState // the generated role it uses; nil for a named role
	// alias is the provisioned-concurrency (or canary) alias events then
	// target; "" targets the function.
	alias, aliasName string
	versionID        string
}

// arn is what event sources invoke: the function's ARN, or its alias.
func (f *function) arn(g mk) *app.Node {
	if f.alias != "" {
		return g.join(":", g.getAtt(f.id, "Arn"), f.aliasName)
	}
	return g.getAtt(f.id, "Arn")
}

// statement adds an event-derived statement to the function's role.
func (f *function) statement(s *app.Node) {
	if f.role != nil {
		f.role.add(s)
	}
}

func (c *compiler) declare(key string, def *app.Node, p app.Pos) {
	if def.Kind == app.NullNode {
		def = &app.Node{Kind: app.MapNode, Pos: p}
	}
	if !def.IsMap() {
		c.diag(p, app.SevError, "function %s is not a map", key)
		return
	}
	f := &function{key: key, def: def, pos: p, norm: normalizedName(key)}
	f.id = f.norm + "LambdaFunction"
	f.nameNode = def.Get("name")
	if f.nameNode == nil {
		f.nameNode = c.mk(p).str(c.service + "-" + c.stage + "-" + key)
	}
	f.name = f.nameNode.Text()
	c.fns = append(c.fns, f)
	c.fnByKey[key] = f
}

// localFunction returns the ARN a destination naming a function of this
// service means, and whether it names one.
func (c *compiler) localFunction(n *app.Node, g mk) (*app.Node, bool) {
	if f := c.fnByKey[n.Text()]; f != nil {
		return g.getAtt(f.id, "Arn"), true
	}
	return nil, false
}

func (c *compiler) function(f *function) {
	d, p := f.def, f.pos
	g := c.mk(p)
	props := g.m()
	f.props = props

	if img := d.Get("image"); img != nil {
		props.Set("PackageType", g.str("Image"))
		props.Set("Code", g.m("ImageUri", img))
	} else {
		props.Set("Code", g.m("S3Bucket", g.ref("ServerlessDeploymentBucket"),
			"S3Key", g.str("serverless/"+c.service+"/"+c.stage+"/"+c.service+".zip")))
		if h := d.Get("handler"); h != nil {
			props.Set("Handler", h)
		} else {
			c.diag(p, app.SevError, "function %s has no handler (or image)", f.key)
		}
		if rt := c.providerOr(d, "runtime"); rt != nil {
			props.Set("Runtime", rt)
		} else {
			props.Set("Runtime", g.str("nodejs16.x").AsDefault())
		}
	}
	props.Set("FunctionName", f.nameNode)
	// The framework always writes these two, with its own defaults (not
	// Lambda's 128 MB / 3 s): they are marked Default so rules tell them
	// from a chosen value.
	if v := c.providerOr(d, "memorySize"); v != nil {
		props.Set("MemorySize", v)
	} else {
		props.Set("MemorySize", g.num(1024).AsDefault())
	}
	if v := c.providerOr(d, "timeout"); v != nil {
		props.Set("Timeout", v)
	} else {
		props.Set("Timeout", g.num(6).AsDefault())
	}
	if v := d.Get("description"); v != nil {
		props.Set("Description", v)
	}
	if v := c.providerOr(d, "architecture"); v != nil {
		props.Set("Architectures", c.mk(v.Pos).list(v))
	}
	if v := c.providerOr(d, "ephemeralStorageSize"); v != nil {
		props.Set("EphemeralStorage", c.mk(v.Pos).m("Size", v))
	}
	if env := mergeMaps(c.prov.Get("environment"), d.Get("environment")); env.Len() > 0 {
		props.Set("Environment", c.mk(env.Pos).m("Variables", env))
	}
	if v := c.tracing(d); v != nil {
		props.Set("TracingConfig", c.mk(v.Pos).m("Mode", v))
	}
	if vpc := c.providerOr(d, "vpc"); vpc.IsMap() {
		vg := c.mk(vpc.Pos)
		props.Set("VpcConfig", vg.m("SecurityGroupIds", vpc.Get("securityGroupIds"), "SubnetIds", vpc.Get("subnetIds"),
			"Ipv6AllowedForDualStack", vpc.Get("ipv6AllowedForDualStack")))
	}
	if v := d.Get("reservedConcurrency"); v != nil {
		props.Set("ReservedConcurrentExecutions", v)
	}
	if v := c.providerOr(d, "kmsKeyArn"); v != nil {
		props.Set("KmsKeyArn", v)
	} else if v := c.providerOr(d, "awsKmsKeyArn"); v != nil {
		props.Set("KmsKeyArn", v)
	}
	if v := c.providerOr(d, "layers"); v != nil {
		props.Set("Layers", v)
	}
	if v := d.Get("snapStart"); v != nil {
		if b, _ := v.Truth(); b {
			props.Set("SnapStart", c.mk(v.Pos).m("ApplyOn", c.mk(v.Pos).str("PublishedVersions")))
		}
	}
	if v := d.Get("onError"); v != nil {
		props.Set("DeadLetterConfig", c.mk(v.Pos).m("TargetArn", v))
	}
	if tags := mergeMaps(c.prov.Get("tags"), d.Get("tags")); tags.Len() > 0 {
		props.Set("Tags", tagList(tags))
	}

	deps := []string{}
	if !c.disableLogs(d) {
		lgID := f.norm + "LogGroup"
		lg := g.m("LogGroupName", g.str("/aws/lambda/"+f.name))
		if f.name == "" {
			lg.Set("LogGroupName", g.join("", "/aws/lambda/", f.nameNode))
		}
		if v := c.providerOr(d, "logRetentionInDays"); v != nil {
			lg.Set("RetentionInDays", v)
		}
		if v := c.prov.Path("logs", "lambda", "logRetentionInDays"); v != nil && lg.Get("RetentionInDays") == nil {
			lg.Set("RetentionInDays", v)
		}
		c.add(lgID, "AWS::Logs::LogGroup", p, lg)
		deps = append(deps, lgID)
	}
	c.assignRole(f)
	if f.role != nil {
		props.Set("Role", g.getAtt(f.role.id, "Arn"))
		deps = append(deps, f.role.id)
	}
	f.res = c.add(f.id, "AWS::Lambda::Function", p, props, deps...)

	if c.versioned(d) {
		f.versionID = f.norm + "LambdaVersion" + hashNode(props, c.service, f.key)
		c.add(f.versionID, "AWS::Lambda::Version", p, g.m("FunctionName", g.ref(f.id),
			"CodeSha256", g.str(hash(f.key, "code")), "Description", d.Get("description")))
		c.outs.Set(f.id+"QualifiedArn", g.m("Description", g.str("Current Lambda function version"), "Value", g.ref(f.versionID)))
	}
	if pc := d.Get("provisionedConcurrency"); pc != nil {
		pg := c.mk(keyPos(d, "provisionedConcurrency"))
		f.alias, f.aliasName = f.norm+"ProvConcLambdaAlias", "provisioned"
		c.add(f.alias, "AWS::Lambda::Alias", pg.p, pg.m(
			"FunctionName", pg.ref(f.id), "FunctionVersion", c.versionRef(f, pg), "Name", pg.str(f.aliasName),
			"ProvisionedConcurrencyConfig", pg.m("ProvisionedConcurrentExecutions", pc)))
	}
	c.invokeConfig(f)
	c.functionURL(f)
	c.canary(f)
}

func (c *compiler) versionRef(f *function, g mk) *app.Node {
	if f.versionID == "" {
		return g.str("$LATEST")
	}
	return g.getAtt(f.versionID, "Version")
}

func (c *compiler) versioned(d *app.Node) bool {
	v := d.Get("versionFunction")
	if v == nil {
		v = c.prov.Get("versionFunctions")
	}
	if b, ok := v.Truth(); ok {
		return b
	}
	return true
}

func (c *compiler) disableLogs(d *app.Node) bool {
	b, _ := d.Get("disableLogs").Truth()
	return b
}

// tracing returns the TracingConfig mode: the function's tracing, else
// provider.tracing.lambda (true means Active).
func (c *compiler) tracing(d *app.Node) *app.Node {
	v := d.Get("tracing")
	if v == nil {
		v = c.prov.Path("tracing", "lambda")
	}
	if v == nil {
		return nil
	}
	if b, ok := v.Truth(); ok && v.Kind == app.BoolNode {
		if !b {
			return nil
		}
		return c.mk(v.Pos).str("Active")
	}
	if strings.EqualFold(v.Text(), "true") {
		return c.mk(v.Pos).str("Active")
	}
	return v
}

// invokeConfig compiles destinations, maximumRetryAttempts and
// maximumEventAge into <Name>LambdaEvConf.
func (c *compiler) invokeConfig(f *function) {
	d := f.def
	dest := d.Get("destinations")
	retries, age := d.Get("maximumRetryAttempts"), d.Get("maximumEventAge")
	if dest == nil && retries == nil && age == nil {
		return
	}
	g := c.mk(f.pos)
	if dest != nil {
		g = c.mk(keyPos(d, "destinations"))
	}
	dc := g.m()
	for _, k := range []string{"onSuccess", "onFailure"} {
		v := dest.Get(k)
		if v == nil {
			continue
		}
		arn, typ := c.destination(v, c.mk(v.Pos))
		if arn == nil {
			continue
		}
		dc.Set(upperFirst(k), c.mk(v.Pos).m("Destination", arn))
		if a := destinationAction(typ); a != "" {
			f.statement(c.mk(v.Pos).allow([]string{a}, arn))
		}
	}
	props := g.m("FunctionName", g.ref(f.id), "Qualifier", g.str("$LATEST"),
		"MaximumEventAgeInSeconds", age, "MaximumRetryAttempts", retries)
	if dc.Len() > 0 {
		props.Set("DestinationConfig", dc)
	}
	c.add(f.norm+"LambdaEvConf", "AWS::Lambda::EventInvokeConfig", g.p, props)
}

// destination reads a destination: a function of the service, an ARN, or
// {type, arn}. typ is lambda, sqs, sns or eventBus when known.
func (c *compiler) destination(v *app.Node, g mk) (arn *app.Node, typ string) {
	if v.IsMap() && v.Get("arn") != nil {
		arn, typ = v.Get("arn"), v.Get("type").Text()
		if typ == "function" {
			typ = "lambda"
		}
		return arn, typ
	}
	if a, ok := c.localFunction(v, g); ok {
		return a, "lambda"
	}
	s := v.Text()
	switch {
	case strings.Contains(s, ":sqs:"):
		typ = "sqs"
	case strings.Contains(s, ":sns:"):
		typ = "sns"
	case strings.Contains(s, ":lambda:"):
		typ = "lambda"
	case strings.Contains(s, ":events:"):
		typ = "eventBus"
	case s != "" && !strings.HasPrefix(s, "arn:"):
		c.diag(v.Pos, app.SevError, "destination %q is neither a function of this service nor an ARN", s)
		return nil, ""
	}
	return v, typ
}

func destinationAction(typ string) string {
	switch typ {
	case "lambda":
		return "lambda:InvokeFunction"
	case "sqs":
		return "sqs:SendMessage"
	case "sns":
		return "sns:Publish"
	case "eventBus":
		return "events:PutEvents"
	}
	return ""
}

// functionURL compiles url: true / {authorizer: aws_iam, cors}.
func (c *compiler) functionURL(f *function) {
	u := f.def.Get("url")
	if u == nil {
		return
	}
	if b, ok := u.Truth(); ok && !b {
		return
	}
	g := c.mk(keyPos(f.def, "url"))
	auth := "NONE"
	if u.Get("authorizer").Text() == "aws_iam" {
		auth = "AWS_IAM"
	}
	props := g.m("AuthType", g.str(auth), "TargetFunctionArn", f.arn(g))
	if cors := u.Get("cors"); cors != nil {
		props.Set("Cors", g.m("AllowOrigins", g.strs("*")))
	}
	c.add(f.norm+"LambdaFunctionUrl", "AWS::Lambda::Url", g.p, props)
	if auth == "NONE" {
		c.add(f.norm+"LambdaPermissionFnUrl", "AWS::Lambda::Permission", g.p, g.m(
			"FunctionName", f.arn(g), "Action", g.str("lambda:InvokeFunctionUrl"), "Principal", g.str("*"),
			"FunctionUrlAuthType", g.str("NONE")))
	}
	c.outs.Set(f.norm+"LambdaFunctionUrl", g.m("Value", g.getAtt(f.norm+"LambdaFunctionUrl", "FunctionUrl")))
}

// permission adds an AWS::Lambda::Permission for a service principal.
func (c *compiler) permission(f *function, id string, g mk, principal, sourceArn *app.Node, extra ...any) {
	props := g.m("FunctionName", f.arn(g), "Action", g.str("lambda:InvokeFunction"), "Principal", principal,
		"SourceArn", sourceArn)
	for i := 0; i+1 < len(extra); i += 2 {
		if v, _ := extra[i+1].(*app.Node); v != nil {
			props.Set(extra[i].(string), v)
		}
	}
	c.add(id, "AWS::Lambda::Permission", g.p, props)
}

// mergeMaps is a shallow merge of b over a (function settings over the
// provider's). Either may be nil.
func mergeMaps(a, b *app.Node) *app.Node {
	if !a.IsMap() {
		if b.IsMap() {
			return b
		}
		return nil
	}
	if !b.IsMap() {
		return a
	}
	out := &app.Node{Kind: app.MapNode, Pos: b.Pos, Keys: append([]string(nil), a.Keys...),
		Values: append([]*app.Node(nil), a.Values...)}
	if a.KeyPos != nil {
		out.KeyPos = append([]app.Pos(nil), a.KeyPos...)
	}
	for len(out.KeyPos) < len(out.Keys) {
		out.KeyPos = append(out.KeyPos, a.Pos)
	}
	for i, k := range b.Keys {
		kp := entryPos(b, i)
		if j := indexOf(out.Keys, k); j >= 0 {
			out.Values[j], out.KeyPos[j] = b.Values[i], kp
			continue
		}
		out.Keys = append(out.Keys, k)
		out.Values = append(out.Values, b.Values[i])
		out.KeyPos = append(out.KeyPos, kp)
	}
	return out
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// tagList turns a tag map into CloudFormation's Key/Value list.
func tagList(tags *app.Node) *app.Node {
	g := mk{p: tags.Pos}
	l := g.list()
	for i, k := range tags.Keys {
		kp := entryPos(tags, i)
		l.List = append(l.List, g.m("Key", &app.Node{Kind: app.StringNode, Scalar: k, Pos: kp}, "Value", tags.Values[i]))
	}
	return l
}

// toText renders a node for hashing.
func toText(n *app.Node) string {
	var b strings.Builder
	var walk func(n *app.Node)
	walk = func(n *app.Node) {
		if n == nil {
			return
		}
		b.WriteString(n.Scalar)
		for _, it := range n.List {
			walk(it)
		}
		for i, k := range n.Keys {
			b.WriteString(k)
			walk(n.Values[i])
		}
	}
	walk(n)
	return b.String()
}
