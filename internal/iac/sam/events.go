package sam

import (
	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// event is one entry of a resource's Events.
type event struct {
	name  string
	typ   string
	props *app.Node // the event's Properties ({} when absent)
	node  *app.Node // the whole entry
	pos   app.Pos   // the entry's key
}

// readEvents lists the Events of a function or state machine.
func (x *tx) readEvents(owner string, p *app.Node) []event {
	evs := p.Get("Events")
	if evs == nil || evs.Kind == app.NullNode {
		return nil
	}
	if !evs.IsMap() {
		x.diag(evs.Pos, app.SevError, "%s: Events is not a map", owner)
		return nil
	}
	out := make([]event, 0, len(evs.Keys))
	for i, name := range evs.Keys {
		v := evs.Values[i]
		pos := keyPos(evs, name)
		if !v.IsMap() {
			x.diag(pos, app.SevError, "%s: event %s is not a map", owner, name)
			continue
		}
		typ, ok := v.Get("Type").String()
		if !ok {
			x.diag(pos, app.SevError, "%s: event %s has no Type", owner, name)
			continue
		}
		props := v.Get("Properties")
		if !props.IsMap() {
			props = &app.Node{Kind: app.MapNode, Pos: pos}
		}
		if alnum(name) != name {
			x.diag(pos, app.SevError, "%s: event name %q must be alphanumeric", owner, name)
			continue
		}
		out = append(out, event{name: name, typ: typ, props: props, node: v, pos: pos})
	}
	return out
}

func (x *tx) functionEvents(f *function) {
	for _, e := range x.readEvents(f.r.ID, f.props) {
		switch e.typ {
		case "SQS", "Kinesis", "DynamoDB", "MSK", "MQ", "SelfManagedKafka", "DocumentDB":
			x.pullEvent(f, e)
		case "S3":
			x.s3Event(f, e)
		case "SNS":
			x.snsEvent(f, e)
		case "Schedule", "EventBridgeRule", "CloudWatchEvent":
			x.ruleEvent(f, e)
		case "ScheduleV2":
			x.scheduleV2(f.r, e, f.invokeArn(x.at(e.pos)), "lambda:InvokeFunction", "LambdaPolicy")
		case "CloudWatchLogs":
			x.logsEvent(f, e)
		case "IoTRule":
			x.iotEvent(f, e)
		case "Cognito":
			x.cognitoEvent(f, e)
		case "AlexaSkill":
			g := x.at(e.pos)
			x.add(f.r, f.r.ID+e.name+"Permission", "AWS::Lambda::Permission", e.pos, g.m(
				"Action", g.str("lambda:InvokeFunction"), "FunctionName", f.invokeRef(g),
				"Principal", g.str("alexa-appkit.amazon.com"), "EventSourceToken", e.props.Get("SkillId")))
		case "Api":
			x.apiEvent(f.r, e, f, false)
		case "HttpApi":
			x.apiEvent(f.r, e, f, true)
		default:
			x.diag(posOr(e.node.Get("Type"), e.pos), app.SevError, "%s: event %s has unsupported Type %q", f.r.ID, e.name, e.typ)
		}
	}
}

// permission generates a Lambda permission for an event.
func (x *tx) permission(f *function, id string, g gen, principal string, kv ...any) *cfn.Resource {
	props := g.m("Action", g.str("lambda:InvokeFunction"), "FunctionName", f.invokeRef(g), "Principal", g.str(principal))
	extra := g.m(kv...)
	for i, k := range extra.Keys {
		props.Set(k, extra.Values[i])
	}
	return x.add(f.r, id, "AWS::Lambda::Permission", g.p, props)
}

// Pull event sources: the key naming the source and the managed policy the
// translator attaches for polling it.
var pullSources = map[string]struct{ key, policy string }{
	"SQS":              {"Queue", "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"},
	"Kinesis":          {"Stream", "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"},
	"DynamoDB":         {"Stream", "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"},
	"MSK":              {"Stream", "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole"},
	"MQ":               {"Broker", ""},
	"SelfManagedKafka": {"", ""},
	"DocumentDB":       {"Cluster", ""},
}

// Event properties passed to AWS::Lambda::EventSourceMapping as written.
var esmPassThrough = [...]string{
	"BatchSize", "Enabled", "StartingPosition", "StartingPositionTimestamp",
	"MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "BisectBatchOnFunctionError",
	"MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds",
	"FunctionResponseTypes", "FilterCriteria", "ScalingConfig", "KmsKeyArn", "MetricsConfig",
	"ProvisionedPollerConfig", "Topics", "Queues", "SourceAccessConfigurations",
	"AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", "Tags",
}

// pullEvent generates <Id><Event>, an AWS::Lambda::EventSourceMapping.
func (x *tx) pullEvent(f *function, e event) {
	g := x.at(e.pos)
	src := pullSources[e.typ]
	props := g.m()
	if src.key != "" {
		arn := e.props.Get(src.key)
		if arn == nil {
			x.diag(e.pos, app.SevError, "%s: %s event %s has no %s", f.r.ID, e.typ, e.name, src.key)
			return
		}
		props.Set("EventSourceArn", arn)
	}
	props.Set("FunctionName", f.invokeRef(g))
	for _, k := range esmPassThrough {
		if v := e.props.Get(k); v != nil {
			props.Set(k, v)
		}
	}
	switch e.typ {
	case "SelfManagedKafka":
		if kb := e.props.Get("KafkaBootstrapServers"); kb != nil {
			props.Set("SelfManagedEventSource", g.m("Endpoints", g.m("KafkaBootstrapServers", kb)))
		}
		if cg := e.props.Get("ConsumerGroupId"); cg != nil {
			props.Set("SelfManagedKafkaEventSourceConfig", g.m("ConsumerGroupId", cg))
		}
	case "MSK":
		if cg := e.props.Get("ConsumerGroupId"); cg != nil {
			props.Set("AmazonManagedKafkaEventSourceConfig", g.m("ConsumerGroupId", cg))
		}
	case "DocumentDB":
		props.Set("DocumentDBEventSourceConfig", g.m("DatabaseName", e.props.Get("DatabaseName"),
			"CollectionName", e.props.Get("CollectionName"), "FullDocument", e.props.Get("FullDocument")))
	}
	esm := x.add(f.r, f.r.ID+e.name, "AWS::Lambda::EventSourceMapping", e.pos, props)
	if esm == nil {
		return
	}
	if f.alias != nil {
		x.dependOn(esm, f.aliasID)
	}
	if src.policy != "" {
		f.addManaged(g.str(src.policy))
	}
	x.pullPolicies(f, e, g)
	x.esmDestination(f, e, props, g)
}

// sourceURI returns the URI of the first SourceAccessConfigurations entry
// of one of the given types, nil when there is none.
func sourceURI(p *app.Node, types ...string) *app.Node {
	for _, c := range p.Get("SourceAccessConfigurations").Items() {
		for _, t := range types {
			if c.Get("Type").Text() == t {
				return c.Get("URI")
			}
		}
	}
	return nil
}

func hasSourceType(p *app.Node, t string) bool {
	for _, c := range p.Get("SourceAccessConfigurations").Items() {
		if c.Get("Type").Text() == t {
			return true
		}
	}
	return false
}

var vpcActions = []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
	"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"}

// pullPolicies adds the inline policies the translator gives the role of a
// function polling MSK with client certificates, MQ, self-managed Kafka or
// DocumentDB: access to the source's secret (and its KMS key), to the
// broker or cluster, and to the VPC when the poller runs in one.
func (x *tx) pullPolicies(f *function, e event, g gen) {
	p := e.props
	kms := func() *app.Node {
		k := p.Get("SecretsManagerKmsKeyId")
		if k == nil {
			return nil
		}
		var res *app.Node
		if s, ok := k.String(); ok {
			res = g.sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/" + s)
		} else {
			res = k
		}
		return g.allow(g.strs("kms:Decrypt"), res)
	}
	switch e.typ {
	case "MSK":
		if uri := sourceURI(p, "CLIENT_CERTIFICATE_TLS_AUTH"); uri != nil {
			f.addPolicy(g.inlinePolicy("MSKExecutionRolePolicy", g.allow(g.strs("secretsmanager:GetSecretValue"), uri)))
		}
	case "MQ":
		name := "SamAutoGeneratedAMQPolicy"
		if dyn, _ := p.Get("DynamicPolicyName").Truth(); dyn {
			name = f.r.ID + e.name + "AMQPolicy"
		}
		f.addPolicy(g.inlinePolicy(name,
			g.allow(g.strs("secretsmanager:GetSecretValue"), sourceURI(p, "BASIC_AUTH", "VIRTUAL_HOST")),
			g.allow(g.strs("mq:DescribeBroker"), p.Get("Broker")), kms()))
	case "SelfManagedKafka":
		stmts := g.list()
		if uri := sourceURI(p, "SASL_SCRAM_256_AUTH", "SASL_SCRAM_512_AUTH", "BASIC_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH"); uri != nil {
			stmts.List = append(stmts.List, g.allow(g.strs("secretsmanager:GetSecretValue"), uri))
		}
		if uri := sourceURI(p, "SERVER_ROOT_CA_CERTIFICATE"); uri != nil {
			stmts.List = append(stmts.List, g.allow(g.strs("secretsmanager:GetSecretValue"), uri))
		}
		if hasSourceType(p, "VPC_SUBNET") && hasSourceType(p, "VPC_SECURITY_GROUP") {
			stmts.List = append(stmts.List, g.allow(g.strs(vpcActions...), g.str("*")))
		}
		if k := kms(); k != nil {
			stmts.List = append(stmts.List, k)
		}
		f.addPolicy(g.m("PolicyDocument", g.m("Statement", stmts, "Version", g.str("2012-10-17")),
			"PolicyName", g.str("SelfManagedKafkaExecutionRolePolicy")))
	case "DocumentDB":
		f.addPolicy(g.inlinePolicy("SamAutoGeneratedDocumentDBPolicy",
			g.allow(g.strs("secretsmanager:GetSecretValue"), sourceURI(p, "BASIC_AUTH")),
			g.allow(g.strs("rds:DescribeDBClusterParameters"), g.sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster-pg:*")),
			g.allow(g.strs("rds:DescribeDBSubnetGroups"), g.sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:subgrp:*")),
			g.allow(g.strs("rds:DescribeDBClusters"), p.Get("Cluster")),
			g.allow(g.strs(vpcActions...), g.str("*")), kms()))
	}
}

// esmDestination rewrites the SAM form of an on-failure destination
// ({Type: SQS, Destination: arn}) to CloudFormation's and adds the role
// policy that lets Lambda send there.
func (x *tx) esmDestination(f *function, e event, props *app.Node, g gen) {
	dc := e.props.Get("DestinationConfig")
	of := dc.Get("OnFailure")
	if of == nil {
		return
	}
	dest := of.Get("Destination")
	if dest == nil {
		return
	}
	dg := x.at(keyPos(dc, "OnFailure"))
	props.Set("DestinationConfig", dg.m("OnFailure", dg.m("Destination", dest)))
	var action string
	typ := of.Get("Type").Text()
	switch typ {
	case "SQS":
		action = "sqs:SendMessage"
	case "SNS":
		action = "sns:publish"
	case "S3":
		action = "s3:PutObject"
	default:
		return
	}
	// Named <mapping id><Type>Policy, as the translator's IAMRolePolicies
	// name them.
	f.addPolicy(dg.inlinePolicy(f.r.ID+e.name+typ+"Policy", dg.allow(dg.str(action), dest)))
}

// s3Event adds the notification to the bucket (which must be in the same
// template, as the translator requires) and <Id><Event>Permission.
func (x *tx) s3Event(f *function, e event) {
	g := x.at(e.pos)
	bucketNode := e.props.Get("Bucket")
	bucketID := refTarget(bucketNode)
	bucket := x.byID[bucketID]
	if bucket == nil || bucket.Type != "AWS::S3::Bucket" {
		x.diag(posOr(bucketNode, e.pos), app.SevError, "%s: S3 event %s must name an AWS::S3::Bucket of this template with !Ref", f.r.ID, e.name)
		return
	}
	permID := f.r.ID + e.name + "Permission"
	perm := x.permission(f, permID, g, "s3.amazonaws.com", "SourceAccount", g.ref("AWS::AccountId"))
	if perm == nil {
		return
	}
	bp := x.own(bucket)
	nc := bp.Get("NotificationConfiguration")
	if nc == nil {
		nc = g.m()
		bp.Set("NotificationConfiguration", nc)
	}
	lc := nc.Get("LambdaConfigurations")
	if lc == nil {
		lc = g.list()
		nc.Set("LambdaConfigurations", lc)
	}
	for _, ev := range e.props.Get("Events").Items() {
		lc.List = append(lc.List, g.m("Event", ev, "Function", f.invokeArn(g), "Filter", e.props.Get("Filter")))
	}
	x.dependOn(bucket, permID)
}

// snsEvent subscribes the function (or, with SqsSubscription, a queue the
// function polls) to the topic.
func (x *tx) snsEvent(f *function, e event) {
	g := x.at(e.pos)
	topic := e.props.Get("Topic")
	if topic == nil {
		x.diag(e.pos, app.SevError, "%s: SNS event %s has no Topic", f.r.ID, e.name)
		return
	}
	id := f.r.ID + e.name
	sqsSub := e.props.Get("SqsSubscription")
	enabled, isBool := sqsSub.Truth()
	if sqsSub == nil || (isBool && !enabled) {
		x.add(f.r, id, "AWS::SNS::Subscription", e.pos, g.m(
			"Endpoint", f.invokeArn(g), "Protocol", g.str("lambda"), "TopicArn", topic,
			"Region", e.props.Get("Region"), "FilterPolicy", e.props.Get("FilterPolicy"),
			"FilterPolicyScope", e.props.Get("FilterPolicyScope"), "RedrivePolicy", e.props.Get("RedrivePolicy")))
		x.permission(f, id+"Permission", g, "sns.amazonaws.com", "SourceArn", topic)
		return
	}
	sg := x.at(keyPos(e.props, "SqsSubscription"))
	var queueArn, queueURL, batch, qEnabled, policyID *app.Node
	if sqsSub.IsMap() {
		queueArn, queueURL = sqsSub.Get("QueueArn"), sqsSub.Get("QueueUrl")
		batch, qEnabled = sqsSub.Get("BatchSize"), sqsSub.Get("Enabled")
		policyID = sqsSub.Get("QueuePolicyLogicalId")
	}
	if queueArn == nil {
		qid := id + "Queue"
		if x.add(f.r, qid, "AWS::SQS::Queue", sg.p, nil) == nil {
			return
		}
		queueArn, queueURL = sg.getAtt(qid, "Arn"), sg.ref(qid)
	}
	pid := id + "QueuePolicy"
	if s := policyID.Text(); s != "" {
		pid = s
	}
	x.add(f.r, pid, "AWS::SQS::QueuePolicy", sg.p, sg.m(
		"Queues", sg.list(queueURL),
		"PolicyDocument", sg.m("Version", sg.str("2012-10-17"), "Statement", sg.list(sg.m(
			"Action", sg.str("sqs:SendMessage"), "Resource", queueArn, "Effect", sg.str("Allow"),
			"Condition", sg.m("ArnEquals", sg.m("aws:SourceArn", topic)), "Principal", sg.str("*"))))))
	x.add(f.r, id, "AWS::SNS::Subscription", e.pos, g.m(
		"Endpoint", queueArn, "Protocol", g.str("sqs"), "TopicArn", topic,
		"Region", e.props.Get("Region"), "FilterPolicy", e.props.Get("FilterPolicy"),
		"FilterPolicyScope", e.props.Get("FilterPolicyScope"), "RedrivePolicy", e.props.Get("RedrivePolicy")))
	if batch == nil {
		batch = sg.num(10)
	}
	if qEnabled == nil {
		qEnabled = sg.boolean(true)
	}
	esm := x.add(f.r, id+"EventSourceMapping", "AWS::Lambda::EventSourceMapping", sg.p, sg.m(
		"BatchSize", batch, "Enabled", qEnabled, "EventSourceArn", queueArn, "FunctionName", f.invokeRef(sg)))
	if esm != nil && f.alias != nil {
		x.dependOn(esm, f.aliasID)
	}
	f.addManaged(sg.str(pullSources["SQS"].policy))
}

// ruleEvent generates <Id><Event>, an AWS::Events::Rule targeting the
// function, and its permission (Schedule, EventBridgeRule, CloudWatchEvent).
func (x *tx) ruleEvent(f *function, e event) {
	g := x.at(e.pos)
	id := f.r.ID + e.name
	target := g.m("Id", g.str(id+"LambdaTarget"), "Arn", f.invokeArn(g))
	props := x.ruleProps(f.r, e, id, target, g)
	rule := x.add(f.r, id, "AWS::Events::Rule", e.pos, props)
	if rule == nil {
		return
	}
	x.permission(f, id+"Permission", g, "events.amazonaws.com", "SourceArn", g.getAtt(id, "Arn"))
}

// ruleProps builds the Properties of a rule for a Schedule, EventBridgeRule
// or CloudWatchEvent event with the given target, adding the dead-letter
// queue the translator creates for DeadLetterConfig {Type: SQS}.
func (x *tx) ruleProps(owner *cfn.Resource, e event, id string, target *app.Node, g gen) *app.Node {
	p := e.props
	props := g.m()
	if e.typ == "Schedule" {
		props.Set("ScheduleExpression", p.Get("Schedule"))
	} else {
		props.Set("EventPattern", p.Get("Pattern"))
		props.Set("EventBusName", p.Get("EventBusName"))
	}
	for _, k := range [...]string{"Name", "Description", "RoleArn"} {
		if v := p.Get(k); v != nil {
			props.Set(k, v)
		}
	}
	if st := p.Get("State"); st != nil {
		props.Set("State", st)
	} else if en := p.Get("Enabled"); en != nil {
		if b, ok := en.Truth(); ok {
			s := "ENABLED"
			if !b {
				s = "DISABLED"
			}
			props.Set("State", x.at(posOr(en, g.p)).str(s))
		}
	}
	if t := p.Get("Target"); t != nil && t.Get("Id") != nil {
		target.Set("Id", t.Get("Id"))
	}
	for _, k := range [...]string{"Input", "InputPath", "InputTransformer", "RetryPolicy"} {
		if v := p.Get(k); v != nil {
			target.Set(k, v)
		}
	}
	if dlc := p.Get("DeadLetterConfig"); dlc.IsMap() {
		dg := x.at(keyPos(p, "DeadLetterConfig"))
		if arn := dlc.Get("Arn"); arn != nil {
			target.Set("DeadLetterConfig", dg.m("Arn", arn))
		} else if dlc.Get("Type").Text() == "SQS" {
			qid := id + "Queue"
			if s := dlc.Get("QueueLogicalId").Text(); s != "" {
				qid = s
			}
			if x.add(owner, qid, "AWS::SQS::Queue", dg.p, nil) != nil {
				x.add(owner, qid+"Policy", "AWS::SQS::QueuePolicy", dg.p, dg.m(
					"Queues", dg.list(dg.ref(qid)),
					"PolicyDocument", dg.m("Version", dg.str("2012-10-17"), "Statement", dg.list(dg.m(
						"Action", dg.str("sqs:SendMessage"), "Effect", dg.str("Allow"),
						"Principal", dg.m("Service", dg.str("events.amazonaws.com")),
						"Resource", dg.getAtt(qid, "Arn"),
						"Condition", dg.m("ArnEquals", dg.m("aws:SourceArn", dg.getAtt(id, "Arn"))))))))
				target.Set("DeadLetterConfig", dg.m("Arn", dg.getAtt(qid, "Arn")))
			}
		}
	}
	props.Set("Targets", g.list(target))
	return props
}

// scheduleV2 generates an AWS::Scheduler::Schedule and, unless RoleArn is
// given, the role the scheduler assumes to invoke the target.
func (x *tx) scheduleV2(owner *cfn.Resource, e event, targetArn *app.Node, action, policySuffix string) {
	g := x.at(e.pos)
	p := e.props
	id := owner.ID + e.name
	roleArn := p.Get("RoleArn")
	if roleArn == nil {
		roleID := id + "Role"
		role := x.add(owner, roleID, "AWS::IAM::Role", e.pos, g.m(
			"AssumeRolePolicyDocument", g.assumeRole("scheduler.amazonaws.com"),
			"Policies", g.list(g.inlinePolicy(id+policySuffix, g.allow(g.str(action), targetArn))),
			"PermissionsBoundary", p.Get("PermissionsBoundary")))
		if role != nil {
			roleArn = g.getAtt(roleID, "Arn")
		}
	}
	target := g.m("Arn", targetArn, "RoleArn", roleArn, "Input", p.Get("Input"),
		"RetryPolicy", p.Get("RetryPolicy"))
	if dlc := p.Get("DeadLetterConfig"); dlc.IsMap() {
		if arn := dlc.Get("Arn"); arn != nil {
			target.Set("DeadLetterConfig", g.m("Arn", arn))
		}
	}
	window := p.Get("FlexibleTimeWindow")
	if window == nil {
		window = g.m("Mode", g.str("OFF"))
	}
	props := g.m("ScheduleExpression", p.Get("ScheduleExpression"), "FlexibleTimeWindow", window,
		"Target", target)
	for _, k := range [...]string{"Name", "Description", "State", "GroupName", "StartDate", "EndDate",
		"ScheduleExpressionTimezone", "KmsKeyArn"} {
		if v := p.Get(k); v != nil {
			props.Set(k, v)
		}
	}
	if omit, _ := p.Get("OmitName").Truth(); !omit && props.Get("Name") == nil {
		// The translator names the schedule after its logical id.
		props.Set("Name", g.str(id))
	}
	x.add(owner, id, "AWS::Scheduler::Schedule", e.pos, props)
}

// logsEvent generates the log subscription filter and its permission.
func (x *tx) logsEvent(f *function, e event) {
	g := x.at(e.pos)
	id := f.r.ID + e.name
	group := e.props.Get("LogGroupName")
	perm := x.permission(f, id+"Permission", g, "logs.amazonaws.com", "SourceArn",
		g.subVars("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${__LogGroupName__}:*",
			"__LogGroupName__", group))
	sf := x.add(f.r, id, "AWS::Logs::SubscriptionFilter", e.pos, g.m(
		"DestinationArn", f.invokeArn(g), "FilterPattern", e.props.Get("FilterPattern"), "LogGroupName", group))
	if sf != nil && perm != nil {
		x.dependOn(sf, perm.ID)
	}
}

// iotEvent generates the IoT topic rule and its permission.
func (x *tx) iotEvent(f *function, e event) {
	g := x.at(e.pos)
	id := f.r.ID + e.name
	payload := g.m("AwsIotSqlVersion", e.props.Get("AwsIotSqlVersion"), "Sql", e.props.Get("Sql"),
		"RuleDisabled", g.boolean(false), "Actions", g.list(g.m("Lambda", g.m("FunctionArn", f.invokeArn(g)))))
	if x.add(f.r, id, "AWS::IoT::TopicRule", e.pos, g.m("TopicRulePayload", payload)) == nil {
		return
	}
	x.permission(f, id+"Permission", g, "iot.amazonaws.com",
		"SourceAccount", g.sub("${AWS::AccountId}"),
		"SourceArn", g.subVars("arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:rule/${RuleName}",
			"RuleName", g.ref(id)))
}

// cognitoEvent sets the trigger(s) on the user pool, which must be in the
// same template, and adds the permission.
func (x *tx) cognitoEvent(f *function, e event) {
	g := x.at(e.pos)
	poolNode := e.props.Get("UserPool")
	pool := x.byID[refTarget(poolNode)]
	if pool == nil || pool.Type != "AWS::Cognito::UserPool" {
		x.diag(posOr(poolNode, e.pos), app.SevError, "%s: Cognito event %s must name an AWS::Cognito::UserPool of this template with !Ref", f.r.ID, e.name)
		return
	}
	// Several Cognito events of one function share one permission.
	if permID := f.r.ID + "CognitoPermission"; x.byID[permID] == nil {
		perm := x.permission(f, permID, g, "cognito-idp.amazonaws.com", "EventSourceToken", g.ref(pool.ID))
		if perm != nil {
			// The translator's spelling.
			perm.Properties.Set("Action", g.str("lambda:invokeFunction"))
		}
	}
	pp := x.own(pool)
	lc := pp.Get("LambdaConfig")
	if lc == nil {
		lc = g.m()
		pp.Set("LambdaConfig", lc)
	}
	for _, t := range e.props.Get("Trigger").Items() {
		if s, ok := t.String(); ok {
			lc.Set(s, f.invokeArn(x.at(posOr(t, g.p))))
		}
	}
}
