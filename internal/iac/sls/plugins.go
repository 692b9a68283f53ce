package sls

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// canary compiles serverless-plugin-canary-deployments' deploymentSettings
// into the alias with a CodeDeploy update policy and the deployment group
// the plugin creates; events then target the alias.
func (c *compiler) canary(f *function) {
	ds := f.def.Get("deploymentSettings")
	if ds == nil {
		return
	}
	p := keyPos(f.def, "deploymentSettings")
	if !c.plugins["serverless-plugin-canary-deployments"] {
		c.diag(p, app.SevWarning, "function %s: deploymentSettings needs the serverless-plugin-canary-deployments plugin; without it the framework ignores them", f.key)
		return
	}
	if defaults := c.doc.Path("custom", "deploymentSettings"); defaults.IsMap() {
		ds = mergeMaps(defaults, ds)
	}
	g := c.mk(p)
	alias := ds.Get("alias").Text()
	if alias == "" {
		alias = "Live"
	}
	typ := ds.Get("type").Text()
	if typ == "" {
		c.diag(p, app.SevError, "function %s: deploymentSettings needs a type (Canary10Percent5Minutes, Linear10PercentEvery1Minute, AllAtOnce, ...)", f.key)
		return
	}
	app_ := alnum(c.service) + alnum(c.stage) + "DeploymentApplication"
	if c.byID[app_] == nil {
		c.add(app_, "AWS::CodeDeploy::Application", p, g.m("ComputePlatform", g.str("Lambda")))
		c.add("CodeDeployServiceRole", "AWS::IAM::Role", p, g.m(
			"AssumeRolePolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
				"Effect", g.str("Allow"), "Principal", g.m("Service", g.strs("codedeploy.amazonaws.com")), "Action", g.strs("sts:AssumeRole")))),
			"ManagedPolicyArns", g.strs("arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited")))
	}
	group := f.id + "DeploymentGroup"
	var alarms *app.Node
	if al := ds.Get("alarms"); al.Len() > 0 {
		l := g.list()
		for _, a := range al.Items() {
			name := a
			if refTarget(a) == "" && a.Text() != "" {
				name = g.ref(a.Text())
			}
			l.List = append(l.List, g.m("Name", name))
		}
		alarms = g.m("Alarms", l, "Enabled", g.boolean(true))
	}
	c.add(group, "AWS::CodeDeploy::DeploymentGroup", p, g.m("ApplicationName", g.ref(app_),
		"AutoRollbackConfiguration", g.m("Enabled", g.boolean(true), "Events", g.strs("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")),
		"DeploymentConfigName", c.mk(keyPos(ds, "type")).str("CodeDeployDefault.Lambda"+typ),
		"DeploymentStyle", g.m("DeploymentType", g.str("BLUE_GREEN"), "DeploymentOption", g.str("WITH_TRAFFIC_CONTROL")),
		"ServiceRoleArn", g.getAtt("CodeDeployServiceRole", "Arn"), "AlarmConfiguration", alarms))
	aliasID := f.id + "Alias" + alnum(alias)
	r := c.add(aliasID, "AWS::Lambda::Alias", p, g.m("FunctionName", g.ref(f.id), "FunctionVersion", c.versionRef(f, g),
		"Name", c.mk(keyPos(ds, "alias")).str(alias)))
	if r != nil {
		r.Node.Set("UpdatePolicy", g.m("CodeDeployLambdaAliasUpdate", g.m("ApplicationName", g.ref(app_),
			"DeploymentGroupName", g.ref(group),
			"BeforeAllowTrafficHook", c.hookRef(ds.Get("preTrafficHook")),
			"AfterAllowTrafficHook", c.hookRef(ds.Get("postTrafficHook")))))
	}
	if f.alias == "" {
		f.alias, f.aliasName = aliasID, alias
	}
}

func (c *compiler) hookRef(h *app.Node) *app.Node {
	if h == nil {
		return nil
	}
	if fn := c.fnByKey[h.Text()]; fn != nil {
		return c.mk(h.Pos).ref(fn.id)
	}
	return h
}

// liftDeclare turns the serverless-lift constructs that carry functions
// (a queue's worker) into functions before the functions are compiled.
func (c *compiler) liftDeclare() {
	cs := c.doc.Get("constructs")
	if !cs.IsMap() {
		return
	}
	if !c.plugins["serverless-lift"] {
		c.diag(keyPos(c.doc, "constructs"), app.SevWarning, "constructs need the serverless-lift plugin; without it the framework ignores them")
		return
	}
	for i, name := range cs.Keys {
		v, p := cs.Values[i], entryPos(cs, i)
		if v.Get("type").Text() != "queue" {
			continue
		}
		w := v.Get("worker")
		if !w.IsMap() {
			c.diag(p, app.SevError, "construct %s: a queue needs a worker", name)
			continue
		}
		g := c.mk(p)
		batch := v.Get("batchSize")
		if batch == nil {
			batch = g.num(1)
		}
		def := w.Clone()
		sqs := g.m("arn", g.getAtt(alnum(name)+"Queue", "Arn"), "batchSize", batch,
			"maximumBatchingWindow", v.Get("maxBatchingWindow"), "functionResponseType", g.str("ReportBatchItemFailures"))
		def.Set("events", g.list(append(def.Get("events").Items(), g.m("sqs", sqs))...))
		c.declare(name+"Worker", def, p)
	}
}

// lift compiles the simple serverless-lift constructs: queue (with its
// dead-letter queue, the worker declared by liftDeclare), storage (a
// private encrypted bucket) and webhook (reported, not modelled). Lift's
// own ids carry a CDK hash; fnops names them <Name>Queue, <Name>Dlq and
// <Name>Bucket.
func (c *compiler) lift() {
	cs := c.doc.Get("constructs")
	if !cs.IsMap() || !c.plugins["serverless-lift"] {
		return
	}
	for i, name := range cs.Keys {
		v, p := cs.Values[i], entryPos(cs, i)
		g := c.mk(p)
		id := alnum(name)
		switch t := v.Get("type").Text(); t {
		case "queue":
			w := c.fnByKey[name+"Worker"]
			if w == nil {
				continue
			}
			timeout := int64(6)
			if n, ok := w.props.Get("Timeout").Int64(); ok {
				timeout = n
			}
			retries := v.Get("maxRetries")
			if retries == nil {
				retries = g.num(3)
			}
			c.add(id+"Dlq", "AWS::SQS::Queue", p, g.m("MessageRetentionPeriod", g.num(1209600),
				"QueueName", g.str(c.service+"-"+c.stage+"-"+name+"-dlq")))
			props := g.m("QueueName", g.str(c.service+"-"+c.stage+"-"+name),
				"VisibilityTimeout", g.num(6*timeout), "MessageRetentionPeriod", g.num(345600),
				"RedrivePolicy", g.m("deadLetterTargetArn", g.getAtt(id+"Dlq", "Arn"), "maxReceiveCount", retries))
			if d := v.Get("delay"); d != nil {
				props.Set("DelaySeconds", d)
			}
			if v.Get("fifo").Text() == "true" {
				props.Set("FifoQueue", g.boolean(true))
			}
			c.add(id+"Queue", "AWS::SQS::Queue", p, props)
			if c.role != nil {
				c.role.add(g.allow([]string{"sqs:SendMessage"}, g.getAtt(id+"Queue", "Arn")))
			}
			c.outs.Set(id+"QueueUrl", g.m("Value", g.ref(id+"Queue")))
		case "storage":
			c.add(id+"Bucket", "AWS::S3::Bucket", p, g.m(
				"BucketEncryption", g.m("ServerSideEncryptionConfiguration", g.list(g.m("ServerSideEncryptionByDefault", g.m("SSEAlgorithm", g.str("AES256"))))),
				"PublicAccessBlockConfiguration", g.m("BlockPublicAcls", g.boolean(true), "BlockPublicPolicy", g.boolean(true),
					"IgnorePublicAcls", g.boolean(true), "RestrictPublicBuckets", g.boolean(true)),
				"VersioningConfiguration", g.m("Status", g.str("Enabled"))))
			if c.role != nil {
				c.role.add(g.allow([]string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket"},
					g.getAtt(id+"Bucket", "Arn"), g.join("", g.getAtt(id+"Bucket", "Arn"), "/*")))
			}
		default:
			c.diag(p, app.SevWarning, "construct %s: lift type %q is not modelled; its resources are missing", name, t)
		}
	}
}

// stepFunctions compiles serverless-step-functions' state machines: each
// with its role allowed to invoke the functions its states name, and the
// definition's references to functions by their key (!GetAtt hello.Arn)
// rewritten to the functions' logical ids, as the plugin does.
func (c *compiler) stepFunctions() {
	sms := c.doc.Path("stepFunctions", "stateMachines")
	if !sms.IsMap() {
		return
	}
	if !c.plugins["serverless-step-functions"] {
		c.diag(keyPos(c.doc, "stepFunctions"), app.SevWarning, "stepFunctions needs the serverless-step-functions plugin; without it the framework ignores it")
		return
	}
	for i, key := range sms.Keys {
		sm, p := sms.Values[i], entryPos(sms, i)
		if !sm.IsMap() {
			c.diag(p, app.SevError, "state machine %s is not a map", key)
			continue
		}
		g := c.mk(p)
		custom := sm.Get("id").Text()
		if custom == "" {
			custom = sm.Get("name").Text()
		}
		id := normalizedName(key) + "StepFunctionsStateMachine"
		roleID := normalizedName(key) + "Role"
		if custom != "" {
			id, roleID = normalizedName(custom), normalizedName(custom)+"Role"
		}
		var invoked []*app.Node
		def := c.rewriteFunctionRefs(sm.Get("definition"), &invoked)
		if def == nil {
			c.diag(p, app.SevError, "state machine %s has no definition", key)
		}
		props := g.m("Definition", def, "StateMachineName", sm.Get("name"))
		if t := sm.Get("type"); t != nil {
			props.Set("StateMachineType", c.mk(t.Pos).str(strings.ToUpper(t.Text())))
		}
		if tc := sm.Get("tracingConfig"); tc != nil {
			props.Set("TracingConfiguration", c.mk(tc.Pos).m("Enabled", tc.Get("enabled")))
		}
		if lc := sm.Get("loggingConfig"); lc.IsMap() {
			lg := c.mk(lc.Pos)
			dests := lg.list()
			for _, d := range lc.Get("destinations").Items() {
				dests.List = append(dests.List, lg.m("CloudWatchLogsLogGroup", lg.m("LogGroupArn", d)))
			}
			props.Set("LoggingConfiguration", lg.m("Level", lc.Get("level"), "IncludeExecutionData", lc.Get("includeExecutionData"),
				"Destinations", dests))
		}
		if r := sm.Get("role"); r != nil {
			props.Set("RoleArn", roleArn(r))
		} else {
			props.Set("RoleArn", g.getAtt(roleID, "Arn"))
			var stmts []*app.Node
			if len(invoked) > 0 {
				res := append([]*app.Node(nil), invoked...)
				for _, a := range invoked {
					res = append(res, g.join(":", a, "*"))
				}
				stmts = append(stmts, g.allow([]string{"lambda:InvokeFunction"}, res...))
			}
			if len(stmts) == 0 {
				stmts = append(stmts, g.m("Effect", g.str("Deny"), "Action", g.str("*"), "Resource", g.str("*")))
			}
			c.add(roleID, "AWS::IAM::Role", p, g.m(
				"AssumeRolePolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
					"Effect", g.str("Allow"), "Principal", g.m("Service", g.join("", "states.", g.region(), ".amazonaws.com")), "Action", g.str("sts:AssumeRole")))),
				"Policies", g.list(g.m("PolicyName", g.join("-", c.service, c.stage, "statemachine"),
					"PolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(stmts...))))))
		}
		c.add(id, "AWS::StepFunctions::StateMachine", p, props)
		for _, e := range sm.Get("events").Items() {
			c.diag(e.Pos, app.SevWarning, "state machine %s: events are not compiled by fnops; their resources are missing", key)
		}
	}
}

// rewriteFunctionRefs copies a definition with Fn::GetAtt/Ref naming a
// function key replaced by the function's logical id, collecting the ARNs
// of the functions it invokes.
func (c *compiler) rewriteFunctionRefs(n *app.Node, invoked *[]*app.Node) *app.Node {
	if n == nil {
		return nil
	}
	if name, _, ok := n.Intrinsic(); ok && (name == "Fn::GetAtt" || name == "Ref") {
		if f := c.fnByKey[refTarget(n)]; f != nil {
			g := c.mk(n.Pos)
			out := g.getAtt(f.id, "Arn")
			if name == "Ref" {
				out = g.ref(f.id)
			}
			*invoked = append(*invoked, g.getAtt(f.id, "Arn"))
			return out
		}
		if refTarget(n) != "" && c.byID[refTarget(n)] != nil && c.byID[refTarget(n)].Type == "AWS::Lambda::Function" {
			*invoked = append(*invoked, c.mk(n.Pos).getAtt(refTarget(n), "Arn"))
		}
		return n
	}
	if s := n.Text(); n.Kind == app.StringNode && strings.HasPrefix(s, "arn:") && strings.Contains(s, ":lambda:") && strings.Contains(s, ":function:") {
		*invoked = append(*invoked, n)
	}
	switch n.Kind {
	case app.ListNode:
		out := *n
		out.List = make([]*app.Node, len(n.List))
		for i, it := range n.List {
			out.List[i] = c.rewriteFunctionRefs(it, invoked)
		}
		return &out
	case app.MapNode:
		out := *n
		out.Values = make([]*app.Node, len(n.Values))
		for i, it := range n.Values {
			out.Values[i] = c.rewriteFunctionRefs(it, invoked)
		}
		return &out
	}
	return n
}
