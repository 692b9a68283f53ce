package sam

import (
	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// roleAcc collects the policies of a generated role other than a
// function's.
type roleAcc struct {
	role     *cfn.Resource
	managed  []*app.Node
	policies []*app.Node
}

func (ra *roleAcc) addManaged(n *app.Node) {
	if ra.role != nil {
		ra.managed = append(ra.managed, n)
	}
}

func (ra *roleAcc) addPolicy(n *app.Node) {
	if ra.role != nil {
		ra.policies = append(ra.policies, n)
	}
}

// Properties of a Serverless::StateMachine that are renamed on the way to
// AWS::StepFunctions::StateMachine.
var stateMachineRenamed = map[string]string{
	"Name": "StateMachineName", "Type": "StateMachineType", "Logging": "LoggingConfiguration",
	"Tracing": "TracingConfiguration", "Role": "RoleArn",
}

var stateMachineSAMOnly = map[string]bool{
	"DefinitionUri": true, "Policies": true, "Events": true, "PermissionsBoundary": true, "RolePath": true,
	"Tags": true, "AutoPublishAlias": true, "DeploymentPreference": true, "UseAliasAsEventTarget": true,
	"Connectors": true, "PropagateTags": true,
}

// stateMachine converts an AWS::Serverless::StateMachine. An inline
// Definition is kept as the Definition property (CloudFormation accepts the
// object form) rather than serialised into DefinitionString as the
// translator does: the adapter reads the states either way, and positions
// inside the definition survive.
func (x *tx) stateMachine(r *cfn.Resource) {
	p := x.withGlobals(r, typeStateMachine)
	g := x.at(r.Pos)
	out := g.m()
	for i, k := range p.Keys {
		v := p.Values[i]
		switch {
		case k == "DefinitionUri":
			out.Set("DefinitionS3Location", s3Location(x.at(keyPos(p, k)), v, "Bucket", "Key", "Version"))
		case stateMachineRenamed[k] != "":
			out.Set(stateMachineRenamed[k], v)
		case stateMachineSAMOnly[k]:
		default:
			out.Set(k, v)
		}
	}
	out.Set("Tags", tagList(x.at(keyPos(p, "Tags")), p.Get("Tags"), "stateMachine:createdBy"))
	ra := &roleAcc{}
	if p.Get("Role") == nil {
		roleID := r.ID + "Role"
		out.Set("RoleArn", g.getAtt(roleID, "Arn"))
		ra.role = x.add(r, roleID, "AWS::IAM::Role", r.Pos, nil)
		x.rolePolicies(ra, p.Get("Policies"), roleID)
	}
	x.convert(r, "AWS::StepFunctions::StateMachine", out)

	for _, e := range x.readEvents(r.ID, p) {
		eg := x.at(e.pos)
		id := r.ID + e.name
		switch e.typ {
		case "Schedule", "EventBridgeRule", "CloudWatchEvent":
			roleID := id + "Role"
			target := eg.m("Id", eg.str(id+"StepFunctionsTarget"), "Arn", eg.ref(r.ID), "RoleArn", eg.getAtt(roleID, "Arn"))
			if x.add(r, id, "AWS::Events::Rule", e.pos, x.ruleProps(r, e, id, target, eg)) == nil {
				continue
			}
			x.startExecutionRole(r, roleID, "events.amazonaws.com", eg)
		case "ScheduleV2":
			x.scheduleV2(r, e, eg.ref(r.ID), "states:StartExecution", "StartExecutionPolicy")
		case "Api":
			roleID := id + "Role"
			input := `$util.escapeJavaScript($input.json('$'))`
			if u, _ := e.props.Get("UnescapeMappingTemplate").Truth(); u {
				input += `.replaceAll("\\'","'")`
			}
			integ := eg.m("type", eg.str("aws"), "httpMethod", eg.str("POST"),
				"uri", eg.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"),
				"credentials", eg.getAtt(roleID, "Arn"),
				"requestTemplates", eg.m("application/json", eg.sub(
					`{"input": "`+input+`", "stateMachineArn": "${`+r.ID+`}"}`)),
				"responses", eg.m("200", eg.m("statusCode", eg.str("200")), "400", eg.m("statusCode", eg.str("400"))))
			x.apiEventWith(r, e, nil, false, integ, eg.m(
				"200", eg.m("description", eg.str("OK")), "400", eg.m("description", eg.str("Bad Request"))))
			x.startExecutionRole(r, roleID, "apigateway.amazonaws.com", eg)
		default:
			x.diag(posOr(e.node.Get("Type"), e.pos), app.SevError, "%s: event %s has unsupported Type %q", r.ID, e.name, e.typ)
		}
	}

	if ra.role != nil {
		rp := g.m("AssumeRolePolicyDocument", g.assumeRole("states.amazonaws.com"))
		if len(ra.managed) > 0 {
			rp.Set("ManagedPolicyArns", g.list(ra.managed...))
		}
		if len(ra.policies) > 0 {
			rp.Set("Policies", g.list(ra.policies...))
		}
		if b := p.Get("PermissionsBoundary"); b != nil {
			rp.Set("PermissionsBoundary", b)
		}
		if rpath := p.Get("RolePath"); rpath != nil {
			rp.Set("Path", rpath)
		}
		rp.Set("Tags", tagList(x.at(keyPos(p, "Tags")), p.Get("Tags"), "stateMachine:createdBy"))
		ra.role.Properties = rp
	}
}

// startExecutionRole is the role an event source assumes to start the
// state machine.
func (x *tx) startExecutionRole(sm *cfn.Resource, roleID, service string, g gen) {
	x.add(sm, roleID, "AWS::IAM::Role", g.p, g.m(
		"AssumeRolePolicyDocument", g.assumeRole(service),
		"Policies", g.list(g.inlinePolicy(roleID+"StartExecutionPolicy",
			g.allow(g.str("states:StartExecution"), g.ref(sm.ID))))))
}
