package sam

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// function is an AWS::Serverless::Function being converted.
type function struct {
	r     *cfn.Resource
	props *app.Node // SAM properties merged with Globals
	g     gen       // positioned at the resource
	// role is the generated execution role, nil when Role is given.
	role *cfn.Resource
	// roleID is the logical id of the execution role when it is known: the
	// generated one, or the one a written Role: !GetAtt X.Arn names.
	roleID   string
	managed  []*app.Node // role ManagedPolicyArns
	policies []*app.Node // role Policies
	// aliasID is the generated alias when AutoPublishAlias is set: events
	// then invoke the alias.
	aliasID string
	alias   *cfn.Resource
}

// invokeRef is what a FunctionName property of a permission, mapping or
// invoke config names: the alias when there is one.
func (f *function) invokeRef(g gen) *app.Node {
	if f.aliasID != "" {
		return g.ref(f.aliasID)
	}
	return g.ref(f.r.ID)
}

// invokeArn is the ARN targets (rules, subscriptions, notifications) invoke.
func (f *function) invokeArn(g gen) *app.Node {
	if f.aliasID != "" {
		return g.ref(f.aliasID)
	}
	return g.getAtt(f.r.ID, "Arn")
}

// addManaged adds a managed policy ARN to the generated role once.
func (f *function) addManaged(n *app.Node) {
	if f.role == nil {
		return
	}
	if s, ok := n.String(); ok {
		for _, m := range f.managed {
			if m.Text() == s {
				return
			}
		}
	}
	f.managed = append(f.managed, n)
}

// addPolicy adds an inline policy to the generated role.
func (f *function) addPolicy(p *app.Node) {
	if f.role != nil {
		f.policies = append(f.policies, p)
	}
}

// Properties of a Serverless::Function that the translator consumes rather
// than passing to AWS::Lambda::Function.
var functionSAMOnly = map[string]bool{
	"CodeUri": true, "InlineCode": true, "ImageUri": true, "Policies": true, "Events": true,
	"AutoPublishAlias": true, "AutoPublishAliasAllProperties": true, "AutoPublishCodeSha256": true,
	"DeploymentPreference": true, "EventInvokeConfig": true, "FunctionUrlConfig": true,
	"ProvisionedConcurrencyConfig": true, "PermissionsBoundary": true, "RolePath": true,
	"AssumeRolePolicyDocument": true, "VersionDescription": true, "VersionDeletionPolicy": true,
	"DeadLetterQueue": true, "Tracing": true, "Tags": true, "Connectors": true, "PropagateTags": true,
	"SourceKMSKeyArn": true,
}

func (x *tx) function(r *cfn.Resource) {
	p := x.withGlobals(r, typeFunction)
	f := &function{r: r, props: p, g: x.at(r.Pos)}
	x.fns[r.ID] = f
	g := f.g
	out := g.m()
	code := x.functionCode(r, p)
	if code != nil {
		out.Set("Code", code)
	}
	for i, k := range p.Keys {
		v := p.Values[i]
		switch {
		case k == "Tracing":
			out.Set("TracingConfig", x.at(keyPos(p, k)).m("Mode", v))
		case k == "DeadLetterQueue":
			if t := v.Get("TargetArn"); t != nil {
				out.Set("DeadLetterConfig", x.at(keyPos(p, k)).m("TargetArn", t))
			}
		case functionSAMOnly[k]:
		default:
			out.Set(k, v)
		}
	}
	// The translator always tags functions it creates.
	out.Set("Tags", tagList(x.at(keyPos(p, "Tags")), p.Get("Tags"), "lambda:createdBy"))

	if role := p.Get("Role"); role != nil {
		f.roleID = refTarget(role)
	} else {
		roleID := r.ID + "Role"
		out.Set("Role", g.getAtt(roleID, "Arn"))
		f.role = x.add(r, roleID, "AWS::IAM::Role", r.Pos, nil)
		if f.role != nil {
			f.roleID = roleID
		}
	}
	x.convert(r, "AWS::Lambda::Function", out)

	if f.role != nil {
		f.managed = append(f.managed, g.str("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
		if t := p.Get("Tracing"); t.Text() == "Active" {
			f.addManaged(x.at(posOr(t, r.Pos)).str("arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"))
		}
		if v := p.Get("VpcConfig"); v != nil {
			f.addManaged(x.at(posOr(v, r.Pos)).str("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"))
		}
		x.rolePolicies(f, p.Get("Policies"), r.ID+"Role")
	} else if pol := p.Get("Policies"); pol != nil && p.Get("Role") != nil {
		x.diag(posOr(pol, r.Pos), app.SevWarning, "%s: Policies are ignored because Role is set", r.ID)
	}

	x.autoPublish(f)
	x.functionEvents(f)
	x.deadLetterQueue(f)
	x.eventInvokeConfig(f)
	x.functionURL(f)
	x.deploymentPreference(f)

	if f.role != nil {
		rg := x.at(r.Pos)
		rp := rg.m("AssumeRolePolicyDocument", p.Get("AssumeRolePolicyDocument"))
		if rp.Get("AssumeRolePolicyDocument") == nil {
			rp.Set("AssumeRolePolicyDocument", rg.assumeRole("lambda.amazonaws.com"))
		}
		rp.Set("ManagedPolicyArns", rg.list(f.managed...))
		if len(f.policies) > 0 {
			rp.Set("Policies", rg.list(f.policies...))
		}
		if b := p.Get("PermissionsBoundary"); b != nil {
			rp.Set("PermissionsBoundary", b)
		}
		if rpath := p.Get("RolePath"); rpath != nil {
			rp.Set("Path", rpath)
		}
		rp.Set("Tags", tagList(x.at(keyPos(p, "Tags")), p.Get("Tags"), "lambda:createdBy"))
		f.role.Properties = rp
	}
}

// functionCode maps CodeUri / InlineCode / ImageUri to Lambda's Code.
func (x *tx) functionCode(r *cfn.Resource, p *app.Node) *app.Node {
	if v := p.Get("InlineCode"); v != nil {
		return x.at(keyPos(p, "InlineCode")).m("ZipFile", v)
	}
	if v := p.Get("ImageUri"); v != nil {
		return x.at(keyPos(p, "ImageUri")).m("ImageUri", v)
	}
	if v := p.Get("CodeUri"); v != nil {
		return s3Location(x.at(keyPos(p, "CodeUri")), v, "S3Bucket", "S3Key", "S3ObjectVersion")
	}
	if p.Get("PackageType").Text() == "Image" || p.Get("ImageConfig") != nil {
		return nil
	}
	x.diag(r.Pos, app.SevWarning, "%s: function has no CodeUri, InlineCode or ImageUri", r.ID)
	return nil
}

// s3Location turns a SAM code location (an s3:// URI, a {Bucket, Key,
// Version} map, or a local path that `sam package` has not yet uploaded)
// into CloudFormation's three keys.
func s3Location(g gen, v *app.Node, bucketKey, keyKey, versionKey string) *app.Node {
	if v.IsMap() {
		if _, _, ok := v.Intrinsic(); ok {
			return g.m(bucketKey, v)
		}
		return g.m(bucketKey, v.Get("Bucket"), keyKey, v.Get("Key"), versionKey, v.Get("Version"))
	}
	s, ok := v.String()
	if !ok {
		return g.m(keyKey, v)
	}
	vg := g.at(posOr(v, g.p))
	rest, isS3 := strings.CutPrefix(s, "s3://")
	if !isS3 {
		// A local path: the packaging step would upload it. Keep it as
		// the key so the location is still visible.
		return g.m(keyKey, v)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	key, query, _ := strings.Cut(key, "?")
	out := g.m(bucketKey, vg.str(bucket), keyKey, vg.str(key))
	if version, ok := strings.CutPrefix(query, "versionId="); ok {
		out.Set(versionKey, vg.str(version))
	}
	return out
}

// Managed policies whose ARNs sit under service-role/.
var serviceRolePolicies = map[string]bool{
	"AWSLambdaBasicExecutionRole": true, "AWSLambdaVPCAccessExecutionRole": true,
	"AWSLambdaKinesisExecutionRole": true, "AWSLambdaDynamoDBExecutionRole": true,
	"AWSLambdaSQSQueueExecutionRole": true, "AWSLambdaMSKExecutionRole": true,
	"AWSLambdaRole": true, "AWSLambdaENIManagementAccess": true, "AWSCodeDeployRoleForLambda": true,
	"AWSLambdaReplicator": true, "AWSIoTRuleActions": true, "AWSIoTLogging": true,
	"AWSConfigRulesExecutionRole": true, "AWSBatchServiceRole": true, "AWSGlueServiceRole": true,
	"AmazonAPIGatewayPushToCloudWatchLogs": true, "AWSLambdaSQSExecutionRole": true,
	"AmazonEC2ContainerServiceRole": true, "AWSCodeDeployRole": true, "AWSTransferLoggingAccess": true,
}

func managedArn(g gen, name string) *app.Node {
	if strings.HasPrefix(name, "arn:") {
		return nil
	}
	if serviceRolePolicies[name] {
		return g.str("arn:aws:iam::aws:policy/service-role/" + name)
	}
	return g.str("arn:aws:iam::aws:policy/" + name)
}

// rolePolicies expands a SAM Policies value (a managed policy name or ARN, a
// policy document, a policy template, or a list of those) onto a generated
// role. Inline documents are named <roleID>Policy<index>, the index being
// the item's place in the list, as the translator names them.
func (x *tx) rolePolicies(f interface {
	addManaged(*app.Node)
	addPolicy(*app.Node)
}, pol *app.Node, roleID string) {
	if pol == nil || pol.Kind == app.NullNode {
		return
	}
	items := pol.Items()
	if pol.IsMap() {
		if _, _, ok := pol.Intrinsic(); !ok && pol.Get("Statement") == nil && len(pol.Keys) > 1 {
			// A map of several policy templates.
			items = nil
			for i, k := range pol.Keys {
				items = append(items, &app.Node{Kind: app.MapNode, Pos: keyPos(pol, k),
					Keys: []string{k}, Values: []*app.Node{pol.Values[i]}, KeyPos: []app.Pos{keyPos(pol, k)}})
			}
		}
	}
	for i, it := range items {
		g := x.at(posOr(it, pol.Pos))
		name := name0(roleID, i)
		if s, ok := it.String(); ok {
			if arn := managedArn(g, s); arn != nil {
				f.addManaged(arn)
			} else {
				f.addManaged(it)
			}
			continue
		}
		if !it.IsMap() {
			x.diag(g.p, app.SevError, "%s: Policies item is neither a name, a document nor a policy template", roleID)
			continue
		}
		if name, arg, ok := it.Intrinsic(); ok {
			if name == "Fn::If" && arg.Len() == 3 && (isDocument(arg.List[1]) || isDocument(arg.List[2])) {
				// Conditional statements or templates: each branch
				// expanded, the condition kept for the adapter.
				branches := g.list(arg.List[0])
				for _, b := range arg.List[1:] {
					branches.List = append(branches.List, x.policyDocument(b, roleID))
				}
				f.addPolicy(g.m("PolicyName", g.str(name0(roleID, i)), "PolicyDocument", g.m("Fn::If", branches)))
				continue
			}
			if name == "Fn::If" && arg.Len() == 3 {
				// Conditional managed policies: names become ARNs.
				branches := g.list(arg.List[0])
				for _, b := range arg.List[1:] {
					if s, ok := b.String(); ok {
						if arn := managedArn(x.at(posOr(b, g.p)), s); arn != nil {
							b = arn
						}
					}
					branches.List = append(branches.List, b)
				}
				f.addManaged(g.m("Fn::If", branches))
				continue
			}
			f.addManaged(it)
			continue
		}
		if doc := x.policyDocument(it, roleID); doc != nil {
			f.addPolicy(g.m("PolicyName", g.str(name), "PolicyDocument", doc))
		}
	}
}

func name0(roleID string, i int) string { return roleID + "Policy" + itoa(i) }

// isDocument reports a policy document or a policy template invocation.
func isDocument(n *app.Node) bool {
	if _, _, ok := n.Intrinsic(); ok || !n.IsMap() {
		return false
	}
	return n.Get("Statement") != nil || len(n.Keys) == 1
}

// policyDocument returns the document of a Policies item that is a
// statement document (as written) or a policy template (expanded); other
// values (AWS::NoValue in an Fn::If branch) are returned as they are.
func (x *tx) policyDocument(it *app.Node, roleID string) *app.Node {
	if _, _, ok := it.Intrinsic(); ok || !it.IsMap() {
		return it
	}
	if it.Get("Statement") != nil {
		return it
	}
	if len(it.Keys) != 1 {
		x.diag(it.Pos, app.SevError, "%s: Policies item is not a policy document or a single policy template", roleID)
		return nil
	}
	return x.expandTemplate(it.Keys[0], it.Values[0], x.at(keyPos(it, it.Keys[0])))
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// deadLetterQueue adds the role policy that lets the function send to its
// DLQ (DeadLetterConfig itself is set in function).
func (x *tx) deadLetterQueue(f *function) {
	dlq := f.props.Get("DeadLetterQueue")
	if dlq == nil {
		return
	}
	g := x.at(keyPos(f.props, "DeadLetterQueue"))
	target := dlq.Get("TargetArn")
	var action string
	switch dlq.Get("Type").Text() {
	case "SQS":
		action = "sqs:SendMessage"
	case "SNS":
		action = "sns:Publish"
	default:
		x.diag(posOr(dlq.Get("Type"), g.p), app.SevError, "%s: DeadLetterQueue Type must be SQS or SNS", f.r.ID)
		return
	}
	if target == nil {
		x.diag(g.p, app.SevError, "%s: DeadLetterQueue has no TargetArn", f.r.ID)
		return
	}
	f.addPolicy(g.m("PolicyName", g.str("DeadLetterQueuePolicy"), "PolicyDocument",
		g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.allow(g.str(action), target)))))
}

// eventInvokeConfig generates <Id>EventInvokeConfig and, for destinations
// given only by Type, the queue or topic the translator creates, with the
// role policies for every destination.
func (x *tx) eventInvokeConfig(f *function) {
	eic := f.props.Get("EventInvokeConfig")
	if eic == nil || !eic.IsMap() {
		return
	}
	r := f.r
	g := x.at(keyPos(f.props, "EventInvokeConfig"))
	id := r.ID + "EventInvokeConfig"
	qualifier := g.str("$LATEST")
	if f.aliasID != "" {
		qualifier = f.props.Get("AutoPublishAlias")
	}
	props := g.m("FunctionName", g.ref(r.ID), "Qualifier", qualifier,
		"MaximumEventAgeInSeconds", eic.Get("MaximumEventAgeInSeconds"),
		"MaximumRetryAttempts", eic.Get("MaximumRetryAttempts"))
	ic := x.add(r, id, "AWS::Lambda::EventInvokeConfig", g.p, props)
	if ic == nil {
		return
	}
	if f.alias != nil {
		x.dependOn(ic, f.aliasID)
	}
	dc := eic.Get("DestinationConfig")
	if !dc.IsMap() {
		return
	}
	outDC := g.m()
	for _, which := range [...]string{"OnSuccess", "OnFailure"} {
		d := dc.Get(which)
		if d == nil {
			continue
		}
		dg := x.at(keyPos(dc, which))
		typ := d.Get("Type").Text()
		dest := d.Get("Destination")
		if dest == nil || isNoValueIf(dest) {
			created := x.destinationResource(f, ic, which, typ, dest, dg)
			if created == nil {
				continue
			}
			dest = created
		}
		outDC.Set(which, dg.m("Destination", dest))
		var action string
		switch typ {
		case "SQS":
			action = "sqs:SendMessage"
		case "SNS":
			action = "sns:publish"
		case "Lambda":
			action = "lambda:InvokeFunction"
		case "EventBridge":
			action = "events:PutEvents"
		case "S3Bucket":
			action = "s3:PutObject"
		default:
			if typ != "" {
				x.diag(posOr(d.Get("Type"), dg.p), app.SevError, "%s: %s Type %q is not SQS, SNS, Lambda, EventBridge or S3Bucket", r.ID, which, typ)
			}
			continue
		}
		f.addPolicy(dg.inlinePolicy(id+which+typ+"Policy", dg.allow(dg.str(action), dest)))
	}
	props.Set("DestinationConfig", outDC)
}

// isNoValueIf reports an Fn::If with AWS::NoValue in one branch, which the
// translator reads as "create the destination when that branch is taken".
func isNoValueIf(n *app.Node) bool {
	name, arg, ok := n.Intrinsic()
	if !ok || name != "Fn::If" || arg.Len() != 3 {
		return false
	}
	return isNoValue(arg.List[1]) || isNoValue(arg.List[2])
}

func isNoValue(n *app.Node) bool {
	name, arg, ok := n.Intrinsic()
	return ok && name == "Ref" && arg.Text() == "AWS::NoValue"
}

// destinationResource creates the queue or topic for a destination written
// with only its Type (or an Fn::If with a NoValue branch), returning the
// node that names it.
func (x *tx) destinationResource(f *function, owner *cfn.Resource, which, typ string, dest *app.Node, g gen) *app.Node {
	var id, rtype, attr, refKey string
	switch typ {
	case "SQS":
		id, rtype, attr, refKey = owner.ID+which+"Queue", "AWS::SQS::Queue", "Arn", ".DestinationQueue"
	case "SNS":
		id, rtype, refKey = owner.ID+which+"Topic", "AWS::SNS::Topic", ".DestinationTopic"
	default:
		x.diag(g.p, app.SevError, "%s: %s needs a Destination for Type %q", f.r.ID, which, typ)
		return nil
	}
	res := x.add(f.r, id, rtype, g.p, nil)
	if res == nil {
		return nil
	}
	x.refs[f.r.ID+refKey] = id
	var named *app.Node
	if attr != "" {
		named = g.getAtt(id, attr)
	} else {
		named = g.ref(id)
	}
	if dest == nil {
		return named
	}
	// Fn::If [cond, NoValue, X]: create under cond; [cond, X, NoValue]:
	// create under the negation, which the translator adds as a new
	// condition.
	_, arg, _ := dest.Intrinsic()
	cond := arg.List[0].Text()
	other := arg.List[2]
	if isNoValue(arg.List[2]) {
		other = arg.List[1]
		cond = x.notCondition(cond, g)
	}
	res.Condition = cond
	return g.m("Fn::If", g.list(g.str(cond), named, other))
}

// notCondition adds (once) the condition NOT<cond><hash> = Fn::Not [cond] to
// the template's Conditions, as the translator does.
func (x *tx) notCondition(cond string, g gen) string {
	name := "NOT" + cond + contentHash(g.str(cond))[:10]
	conds := x.t.Root.Get("Conditions")
	if conds == nil {
		conds = g.m()
		x.t.Root.Set("Conditions", conds)
	}
	if conds.IsMap() && conds.Get(name) == nil {
		conds.Set(name, g.m("Fn::Not", g.list(g.m("Condition", g.str(cond)))))
	}
	return name
}

// functionURL generates <Id>Url and, for AuthType NONE, the public
// permission the translator adds.
func (x *tx) functionURL(f *function) {
	u := f.props.Get("FunctionUrlConfig")
	if u == nil || !u.IsMap() {
		return
	}
	r := f.r
	g := x.at(keyPos(f.props, "FunctionUrlConfig"))
	target := g.ref(r.ID)
	var qualifier *app.Node
	if f.aliasID != "" {
		qualifier = f.props.Get("AutoPublishAlias")
	}
	url := x.add(r, r.ID+"Url", "AWS::Lambda::Url", g.p, g.m("TargetFunctionArn", target,
		"Qualifier", qualifier, "AuthType", u.Get("AuthType"), "Cors", u.Get("Cors"), "InvokeMode", u.Get("InvokeMode")))
	if url == nil {
		return
	}
	if f.alias != nil {
		x.dependOn(url, f.aliasID)
	}
	if u.Get("AuthType").Text() == "NONE" {
		fn := g.ref(r.ID)
		if f.aliasID != "" {
			fn = g.ref(f.aliasID)
		}
		x.add(r, r.ID+"UrlPublicPermissions", "AWS::Lambda::Permission", g.p, g.m(
			"Action", g.str("lambda:InvokeFunctionUrl"), "FunctionName", fn,
			"FunctionUrlAuthType", g.str("NONE"), "Principal", g.str("*")))
	}
}
