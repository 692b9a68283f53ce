package sls

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// roleState is a role the framework (or serverless-iam-roles-per-function)
// generates: IamRoleLambdaExecution, or <Name>IamRoleLambdaExecution.
type roleState struct {
	id      string
	pos     app.Pos
	fns     []*function
	logs    []*app.Node // the log statements, first
	custom  []*app.Node // statements the user wrote
	events  []*app.Node // statements events and destinations need, merged by actions
	byActs  map[string]*app.Node
	managed []*app.Node
	props   *app.Node
	vpc     bool
	xray    bool
}

// add merges an event statement into the one with the same actions, as
// the framework does (one sqs:ReceiveMessage statement for every queue).
func (r *roleState) add(s *app.Node) {
	key := strings.Join(s.Get("Action").Strings(), ",")
	if cur := r.byActs[key]; cur != nil {
		res := cur.Get("Resource")
		for _, it := range s.Get("Resource").Items() {
			if !hasNode(res.List, it) {
				res.List = append(res.List, it)
			}
		}
		return
	}
	r.byActs[key] = s
	r.events = append(r.events, s)
}

func hasNode(list []*app.Node, n *app.Node) bool {
	t := toText(n)
	for _, it := range list {
		if toText(it) == t {
			return true
		}
	}
	return false
}

// providerRole returns the role every function without its own uses when
// the provider names one (provider.iam.role as a name or ARN, or the
// older provider.role), nil when the framework generates it.
func (c *compiler) providerRole() *app.Node {
	r := c.prov.Path("iam", "role")
	if r == nil {
		r = c.prov.Get("role")
	}
	if r == nil || (r.IsMap() && !isIntrinsic(r)) {
		return nil
	}
	return r
}

func isIntrinsic(n *app.Node) bool { _, _, ok := n.Intrinsic(); return ok }

// roleArn turns a role setting (a logical id of resources, an ARN, an
// intrinsic) into the Role property.
func roleArn(r *app.Node) *app.Node {
	if s, ok := r.String(); ok && !strings.HasPrefix(s, "arn:") {
		return mk{p: r.Pos}.getAtt(s, "Arn")
	}
	return r
}

// sharedRole creates IamRoleLambdaExecution when some function needs it.
func (c *compiler) sharedRole() {
	need := false
	for _, f := range c.fns {
		if f.def.Get("role") == nil && c.providerRole() == nil && !c.ownRole(f) {
			need = true
		}
	}
	if !need {
		return
	}
	p := keyPos(c.doc, "provider")
	if rp := c.prov.Path("iam", "role"); rp != nil {
		p = keyPos(c.prov.Get("iam"), "role")
	}
	c.role = c.newRole("IamRoleLambdaExecution", p)
	g := c.mk(p)
	prefix := "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/" + c.service + "-" + c.stage
	c.role.logs = []*app.Node{
		g.allow([]string{"logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"}, g.sub(prefix+"*:*")),
		g.allow([]string{"logs:PutLogEvents"}, g.sub(prefix+"*:*:*")),
	}
	c.role.custom = c.providerStatements()
	c.role.managed = c.providerManaged()
	name := c.prov.Path("iam", "role", "name")
	if name == nil {
		name = g.join("-", c.service, c.stage, g.region(), "lambdaRole")
	}
	c.role.props.Set("RoleName", name)
	if pb := c.prov.Path("iam", "role", "permissionsBoundary"); pb != nil {
		c.role.props.Set("PermissionsBoundary", pb)
	} else if pb := c.prov.Get("rolePermissionsBoundary"); pb != nil {
		c.role.props.Set("PermissionsBoundary", pb)
	}
}

func (c *compiler) newRole(id string, p app.Pos) *roleState {
	g := c.mk(p)
	r := &roleState{id: id, pos: p, byActs: map[string]*app.Node{}}
	r.props = g.m("AssumeRolePolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
		"Effect", g.str("Allow"), "Principal", g.m("Service", g.strs("lambda.amazonaws.com")),
		"Action", g.strs("sts:AssumeRole")))))
	c.roles = append(c.roles, r)
	return r
}

// providerStatements are provider.iam.role.statements, or the older
// provider.iamRoleStatements.
func (c *compiler) providerStatements() []*app.Node {
	s := c.prov.Path("iam", "role", "statements")
	if s == nil {
		s = c.prov.Get("iamRoleStatements")
	}
	return s.Items()
}

func (c *compiler) providerManaged() []*app.Node {
	s := c.prov.Path("iam", "role", "managedPolicies")
	if s == nil {
		s = c.prov.Get("iamManagedPolicies")
	}
	return append([]*app.Node(nil), s.Items()...)
}

// ownRole reports whether serverless-iam-roles-per-function gives f a
// role of its own.
func (c *compiler) ownRole(f *function) bool {
	if !c.plugins["serverless-iam-roles-per-function"] {
		return false
	}
	return f.def.Get("iamRoleStatements") != nil || f.def.Get("iamRoleStatementsName") != nil
}

// assignRole sets the role f runs with.
func (c *compiler) assignRole(f *function) {
	if r := f.def.Get("role"); r != nil {
		f.props.Set("Role", roleArn(r))
		return
	}
	if c.ownRole(f) {
		p := keyPos(f.def, "iamRoleStatements")
		f.role = c.newRole(f.norm+"IamRoleLambdaExecution", p)
		g := c.mk(p)
		arn := "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/" + f.name
		f.role.logs = []*app.Node{
			g.allow([]string{"logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"}, g.sub(arn+":*")),
			g.allow([]string{"logs:PutLogEvents"}, g.sub(arn+":*:*")),
		}
		f.role.custom = f.def.Get("iamRoleStatements").Items()
		inherit, ok := f.def.Get("iamRoleStatementsInherit").Truth()
		if !ok {
			inherit, _ = c.doc.Path("custom", "serverless-iam-roles-per-function", "defaultInherit").Truth()
		}
		if inherit {
			f.role.custom = append(c.providerStatements(), f.role.custom...)
			f.role.managed = c.providerManaged()
		}
		name := f.def.Get("iamRoleStatementsName")
		if name == nil {
			name = g.join("-", c.service, c.stage, f.key, g.region(), "lambdaRole")
		}
		f.role.props.Set("RoleName", name)
		f.role.fns = append(f.role.fns, f)
		f.role.vpc = f.props.Get("VpcConfig") != nil
		f.role.xray = f.props.Get("TracingConfig") != nil
		return
	}
	if f.def.Get("iamRoleStatements") != nil {
		c.diag(keyPos(f.def, "iamRoleStatements"), app.SevWarning,
			"function %s: iamRoleStatements on a function needs the serverless-iam-roles-per-function plugin; without it the framework ignores them", f.key)
	}
	if r := c.providerRole(); r != nil {
		f.props.Set("Role", roleArn(r))
		return
	}
	f.role = c.role
	if f.role != nil {
		f.role.fns = append(f.role.fns, f)
		if f.props.Get("VpcConfig") != nil {
			f.role.vpc = true
		}
		if f.props.Get("TracingConfig") != nil {
			f.role.xray = true
		}
	}
}

// finishRoles writes each generated role's policy.
func (c *compiler) finishRoles() {
	for _, r := range c.roles {
		if len(r.fns) == 0 && r != c.role {
			continue
		}
		if r == c.role && len(r.fns) == 0 {
			continue
		}
		g := c.mk(r.pos)
		stmts := append(append([]*app.Node(nil), r.logs...), r.custom...)
		if r.xray {
			stmts = append(stmts, g.allow([]string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, g.str("*")))
		}
		stmts = append(stmts, r.events...)
		policyName := g.join("-", c.service, c.stage, "lambda")
		if r != c.role {
			policyName = g.join("-", c.service, c.stage, r.fns[0].key, "lambda")
		}
		r.props.Set("Policies", g.list(g.m("PolicyName", policyName,
			"PolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(stmts...)))))
		r.props.Set("Path", g.str("/"))
		managed := r.managed
		if r.vpc {
			managed = append(managed, g.join("", "arn:", g.partition(), ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"))
		}
		if len(managed) > 0 {
			r.props.Set("ManagedPolicyArns", g.list(managed...))
		}
		c.addRole(r)
	}
}

// addRole places the role before its first function, as the framework
// lists it, so the template reads in dependency order.
func (c *compiler) addRole(r *roleState) {
	res := &cfn.Resource{ID: r.id, Type: "AWS::IAM::Role", Implicit: true, Properties: r.props, Pos: r.pos,
		Node: c.mk(r.pos).m("Type", c.mk(r.pos).str("AWS::IAM::Role"))}
	if old := c.byID[r.id]; old != nil {
		c.diag(r.pos, app.SevError, "the framework generates %s but the service already has it", r.id)
		return
	}
	at := len(c.res)
	for i, x := range c.res {
		if x.ID == r.fns[0].id {
			at = i
			break
		}
	}
	c.res = append(c.res[:at], append([]*cfn.Resource{res}, c.res[at:]...)...)
	c.byID[r.id] = res
}
