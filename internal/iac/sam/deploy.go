package sam

import (
	"github.com/fnops/fnops/internal/app"
)

// autoPublish generates <Id>Version<hash> and <Id>Alias<Name> for
// AutoPublishAlias. The hash is over the function's CloudFormation
// properties, so a changed function gets a new version resource, as with
// the translator (whose hash differs: see contentHash).
func (x *tx) autoPublish(f *function) {
	a := f.props.Get("AutoPublishAlias")
	if a == nil {
		if pc := f.props.Get("ProvisionedConcurrencyConfig"); pc != nil {
			x.diag(keyPos(f.props, "ProvisionedConcurrencyConfig"), app.SevError,
				"%s: ProvisionedConcurrencyConfig needs AutoPublishAlias", f.r.ID)
		}
		return
	}
	name, ok := a.String()
	if !ok || alnum(name) == "" {
		x.diag(posOr(a, f.r.Pos), app.SevError, "%s: AutoPublishAlias must be a plain alias name", f.r.ID)
		return
	}
	r := f.r
	g := x.at(keyPos(f.props, "AutoPublishAlias"))
	versionID := r.ID + "Version" + contentHash(r.Properties, f.props.Get("AutoPublishCodeSha256"))[:10]
	version := x.add(r, versionID, "AWS::Lambda::Version", g.p, g.m(
		"FunctionName", g.ref(r.ID), "Description", f.props.Get("VersionDescription")))
	if version == nil {
		return
	}
	del := f.props.Get("VersionDeletionPolicy")
	if del == nil {
		del = g.str("Retain")
	}
	version.Node.Set("DeletionPolicy", del)
	aliasID := r.ID + "Alias" + alnum(name)
	alias := x.add(r, aliasID, "AWS::Lambda::Alias", g.p, g.m(
		"Name", a, "FunctionName", g.ref(r.ID), "FunctionVersion", g.getAtt(versionID, "Version"),
		"ProvisionedConcurrencyConfig", f.props.Get("ProvisionedConcurrencyConfig")))
	if alias == nil {
		return
	}
	f.aliasID, f.alias = aliasID, alias
	x.refs[r.ID+".Alias"] = aliasID
	x.refs[r.ID+".Version"] = versionID
}

// deploymentPreference generates the CodeDeploy application (once per
// template), the CodeDeploy service role (once, unless a Role is given),
// <Id>DeploymentGroup and the alias UpdatePolicy that makes CloudFormation
// shift traffic through CodeDeploy.
func (x *tx) deploymentPreference(f *function) {
	dp := f.props.Get("DeploymentPreference")
	if dp == nil || !dp.IsMap() {
		return
	}
	if en, ok := dp.Get("Enabled").Truth(); ok && !en {
		return
	}
	g := x.at(keyPos(f.props, "DeploymentPreference"))
	if f.alias == nil {
		x.diag(g.p, app.SevError, "%s: DeploymentPreference needs AutoPublishAlias", f.r.ID)
		return
	}
	r := f.r
	if x.deployApp == nil {
		x.deployApp = x.add(r, "ServerlessDeploymentApplication", "AWS::CodeDeploy::Application", g.p,
			g.m("ComputePlatform", g.str("Lambda")))
		if x.deployApp != nil {
			// One application serves every function of the stack: it must
			// not inherit one function's condition.
			x.deployApp.Condition = ""
		}
	}
	serviceRole := dp.Get("Role")
	if serviceRole == nil {
		if x.deployRole == nil {
			x.deployRole = x.add(r, "CodeDeployServiceRole", "AWS::IAM::Role", g.p, g.m(
				"AssumeRolePolicyDocument", g.assumeRole("codedeploy.amazonaws.com"),
				"ManagedPolicyArns", g.strs("arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda")))
			if x.deployRole != nil {
				x.deployRole.Condition = ""
			}
		}
		serviceRole = g.getAtt("CodeDeployServiceRole", "Arn")
	}
	typ := dp.Get("Type")
	configName := typ
	if s, ok := typ.String(); ok && isPredefinedDeployment(s) {
		configName = g.subVars("CodeDeployDefault.Lambda${ConfigName}", "ConfigName", typ)
	}
	alarms := g.list()
	for _, a := range dp.Get("Alarms").Items() {
		alarms.List = append(alarms.List, x.at(posOr(a, g.p)).m("Name", a))
	}
	groupID := r.ID + "DeploymentGroup"
	group := x.add(r, groupID, "AWS::CodeDeploy::DeploymentGroup", g.p, g.m(
		"AlarmConfiguration", g.m("Enabled", g.boolean(len(alarms.List) > 0), "Alarms", alarms),
		"ApplicationName", g.ref("ServerlessDeploymentApplication"),
		"AutoRollbackConfiguration", g.m("Enabled", g.boolean(true), "Events",
			g.strs("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")),
		"ServiceRoleArn", serviceRole,
		"DeploymentConfigName", configName,
		"DeploymentStyle", g.m("DeploymentType", g.str("BLUE_GREEN"), "DeploymentOption", g.str("WITH_TRAFFIC_CONTROL")),
		"TriggerConfigurations", dp.Get("TriggerConfigurations")))
	if group == nil {
		return
	}
	hooks := dp.Get("Hooks")
	update := g.m("ApplicationName", g.ref("ServerlessDeploymentApplication"),
		"DeploymentGroupName", g.ref(groupID),
		"BeforeAllowTrafficHook", hooks.Get("PreTraffic"),
		"AfterAllowTrafficHook", hooks.Get("PostTraffic"))
	f.alias.Node.Set("UpdatePolicy", g.m("CodeDeployLambdaAliasUpdate", update))
}

func isPredefinedDeployment(s string) bool {
	switch s {
	case "Canary10Percent30Minutes", "Canary10Percent5Minutes", "Canary10Percent10Minutes",
		"Canary10Percent15Minutes", "Linear10PercentEvery10Minutes", "Linear10PercentEvery1Minute",
		"Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes", "AllAtOnce":
		return true
	}
	return false
}
