package corpus

import (
	"fmt"
	"strings"
)

var services = []string{
	"orders", "payments", "invoicing", "shipping", "returns", "catalog", "search",
	"reviews", "loyalty", "notifications", "media", "reporting", "identity", "billing",
	"inventory", "pricing", "checkout", "analytics", "support", "subscriptions",
}

var nouns = []string{
	"Order", "Payment", "Invoice", "Shipment", "Refund", "Customer", "Product", "Review",
	"Coupon", "Cart", "Stock", "Price", "Image", "Report", "Audit", "Ledger", "Session",
	"Subscription", "Ticket", "Export", "Import", "Receipt", "Webhook", "Thumbnail",
	"Session", "Device", "Reading", "Alert", "Document", "Message",
}

var runtimes = []struct{ runtime, handler, ext string }{
	{"python3.12", "app.lambda_handler", "py"},
	{"python3.13", "app.handler", "py"},
	{"nodejs24.x", "index.handler", "mjs"},
	{"nodejs22.x", "index.handler", "mjs"},
	{"java21", "com.example.Handler::handleRequest", "java"},
	{"provided.al2023", "bootstrap", "go"},
}

// gen builds one template.
type gen struct {
	r       *rng
	service string
	sam     bool // AWS::Serverless-2016-10-31 transform
	json    bool
	globals bool // SAM Globals set runtime, memory, timeout
	maps    bool // Mappings section present
	runtime int  // index into runtimes for functions without their own

	res     mapping
	outputs mapping
	used    map[string]int
	tables  []string // logical ids of tables, for later groups to use
	buckets []string
	topics  []string
}

func newGen(r *rng) *gen {
	g := &gen{r: r, used: map[string]int{}}
	g.service = pick(r, services)
	g.json = r.chance(20)
	if g.json {
		g.sam = r.chance(40)
	} else {
		g.sam = r.chance(85)
	}
	g.globals = g.sam && r.chance(75)
	g.maps = r.chance(50)
	g.runtime = r.intn(len(runtimes))
	return g
}

// build adds resource groups until the rendered template reaches a random
// target size within [MinSize, MaxSize], dropping a group that would
// overshoot.
func (g *gen) build() []byte {
	target := MinSize + 300 + g.r.intn(MaxSize-MinSize-1300)
	groups := []func(string){
		g.apiGroup, g.queueGroup, g.streamGroup, g.topicGroup, g.bucketGroup,
		g.scheduleGroup, g.busGroup, g.stateMachineGroup, g.roleGroup, g.kinesisGroup,
		g.alarmGroup,
	}
	out := g.render()
	for tries := 0; tries < 60 && len(out) < target; tries++ {
		nRes, nOut := len(g.res), len(g.outputs)
		nT, nB, nTo := len(g.tables), len(g.buckets), len(g.topics)
		pick(g.r, groups)(g.noun())
		next := g.render()
		if len(next) > MaxSize {
			g.res, g.outputs = g.res[:nRes], g.outputs[:nOut]
			g.tables, g.buckets, g.topics = g.tables[:nT], g.buckets[:nB], g.topics[:nTo]
			if len(out) >= MinSize {
				break
			}
			continue
		}
		out = next
	}
	return out
}

func (g *gen) render() []byte {
	doc := mapping{{"AWSTemplateFormatVersion", "2010-09-09"}}
	if g.sam {
		doc = append(doc, pair{"Transform", "AWS::Serverless-2016-10-31"})
	}
	doc = append(doc, pair{"Description", fmt.Sprintf("%s service: APIs, workers, queues and storage (%s).", g.service, map[bool]string{true: "SAM", false: "CloudFormation"}[g.sam])})
	doc = append(doc, pair{"Parameters", g.parameters()})
	if g.maps {
		doc = append(doc, pair{"Mappings", mapping{{"StageSettings", mapping{
			{"dev", mapping{{"MemorySize", 256}, {"LogRetention", 7}, {"Concurrency", 5}}},
			{"staging", mapping{{"MemorySize", 512}, {"LogRetention", 14}, {"Concurrency", 10}}},
			{"prod", mapping{{"MemorySize", 1024}, {"LogRetention", 90}, {"Concurrency", 100}}},
		}}}})
	}
	doc = append(doc, pair{"Conditions", mapping{
		{"IsProd", equals(ref("Stage"), "prod")},
		{"IsNotProd", not(condition("IsProd"))},
		{"HasAlarmEmail", not(equals(ref("AlarmEmail"), ""))},
	}})
	if g.globals {
		doc = append(doc, pair{"Globals", g.globalsSection()})
	}
	doc = append(doc, pair{"Resources", g.res})
	if len(g.outputs) > 0 {
		doc = append(doc, pair{"Outputs", g.outputs})
	}
	if g.json {
		ind := "  "
		if !g.sam {
			ind = " " // the CDK's style
		}
		return renderJSON(doc, ind)
	}
	return renderYAML(doc)
}

func (g *gen) parameters() mapping {
	p := mapping{
		{"Stage", mapping{{"Type", "String"}, {"Default", "dev"}, {"AllowedValues", seq{"dev", "staging", "prod"}}}},
		{"AlarmEmail", mapping{{"Type", "String"}, {"Default", ""}}},
		{"LogRetentionDays", mapping{{"Type", "Number"}, {"Default", 30}}},
	}
	if !g.sam {
		p = append(p, pair{"ArtifactBucket", mapping{{"Type", "String"}, {"Description", "Bucket holding the function packages."}}})
	}
	return p
}

func (g *gen) globalsSection() mapping {
	rt := runtimes[g.runtime]
	var mem any = 512
	if g.maps {
		mem = findInMap("StageSettings", ref("Stage"), "MemorySize")
	}
	fnG := mapping{
		{"Runtime", rt.runtime},
		{"Handler", rt.handler},
		{"MemorySize", mem},
		{"Timeout", 30},
		{"Tracing", "Active"},
		{"Architectures", seq{"arm64"}},
		{"Environment", mapping{{"Variables", mapping{
			{"STAGE", ref("Stage")},
			{"LOG_LEVEL", ifThen("IsProd", "INFO", "DEBUG")},
			{"SERVICE", g.service},
		}}}},
		{"Tags", mapping{{"service", g.service}}},
	}
	return mapping{{"Function", fnG}}
}

// noun returns a fresh CamelCase name for a group.
func (g *gen) noun() string {
	n := pick(g.r, nouns)
	g.used[n]++
	if g.used[n] > 1 {
		return fmt.Sprintf("%s%d", n, g.used[n])
	}
	return n
}

// kebab turns CamelCase into kebab-case, keeping acronyms together
// (OrderDLQ is order-dlq).
func kebab(s string) string {
	var b strings.Builder
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if upper(c) {
			if i > 0 && (!upper(s[i-1]) || i+1 < len(s) && !upper(s[i+1])) {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (g *gen) add(id string, v mapping) { g.res = append(g.res, pair{id, v}) }

func (g *gen) output(id string, value any) {
	g.outputs = append(g.outputs, pair{id, mapping{
		{"Value", value},
		{"Export", mapping{{"Name", sub("${AWS::StackName}-" + id)}}},
	}})
}

// physical returns a resource name: plain, built with !Sub, or none.
func (g *gen) physical(name string) any {
	switch g.r.intn(3) {
	case 0:
		return sub("${AWS::StackName}-" + kebab(name))
	case 1:
		return g.service + "-" + kebab(name)
	}
	return nil
}

func props(kv ...any) mapping {
	m := make(mapping, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			continue
		}
		m = append(m, pair{kv[i].(string), kv[i+1]})
	}
	return m
}

// ---------------------------------------------------------------- functions

// policy is one grant, written as a SAM policy template or, in plain
// CloudFormation, as a role statement.
type policy struct {
	tmpl, key string
	val       any
	actions   seq
	resource  any
}

// event is a SAM event source; plain CloudFormation spells it out as
// separate resources.
type event struct {
	name, typ string
	props     mapping
	source    any    // the ARN the event comes from
	target    string // logical id of a bucket (S3) or topic (SNS)
}

type funcSpec struct {
	memory, timeout int
	env             mapping
	policies        []policy
	events          []event
	dlq             any
	condition       string
}

func (g *gen) function(id string, f funcSpec) {
	rt := runtimes[g.runtime]
	if !g.globals && g.r.chance(30) {
		rt = pick(g.r, runtimes)
	}
	code := "src/" + kebab(strings.TrimSuffix(id, "Function")) + "/"
	if g.sam {
		p := mapping{{"CodeUri", code}}
		if !g.globals || g.r.chance(20) {
			p = append(p, pair{"Runtime", rt.runtime}, pair{"Handler", rt.handler})
		}
		if f.memory > 0 && (!g.globals || g.r.chance(50)) {
			p = append(p, pair{"MemorySize", f.memory})
		}
		if f.timeout > 0 && (!g.globals || g.r.chance(60)) {
			p = append(p, pair{"Timeout", f.timeout})
		}
		if !g.globals {
			p = append(p, pair{"Tracing", "Active"})
		}
		if len(f.env) > 0 {
			p = append(p, pair{"Environment", mapping{{"Variables", f.env}}})
		}
		if f.dlq != nil {
			if g.r.chance(50) {
				p = append(p, pair{"DeadLetterQueue", mapping{{"Type", "SQS"}, {"TargetArn", f.dlq}}})
			} else {
				p = append(p, pair{"EventInvokeConfig", mapping{
					{"MaximumRetryAttempts", 1},
					{"MaximumEventAgeInSeconds", 3600},
					{"DestinationConfig", mapping{{"OnFailure", mapping{{"Type", "SQS"}, {"Destination", f.dlq}}}}},
				}})
			}
		}
		if len(f.policies) > 0 {
			var ps seq
			for _, pol := range f.policies {
				if pol.tmpl == "" || g.r.chance(15) {
					ps = append(ps, mapping{{"Statement", seq{statement(pol.actions, pol.resource)}}})
					continue
				}
				ps = append(ps, mapping{{pol.tmpl, mapping{{pol.key, pol.val}}}})
			}
			p = append(p, pair{"Policies", ps})
		}
		if len(f.events) > 0 {
			var evs mapping
			for _, e := range f.events {
				evs = append(evs, pair{e.name, mapping{{"Type", e.typ}, {"Properties", e.props}}})
			}
			p = append(p, pair{"Events", evs})
		}
		res := mapping{{"Type", "AWS::Serverless::Function"}}
		if f.condition != "" {
			res = append(res, pair{"Condition", f.condition})
		}
		g.add(id, append(res, pair{"Properties", p}))
		return
	}

	// Plain CloudFormation: function, role, and each event's resources.
	role := id + "Role"
	stmts := seq{}
	for _, pol := range f.policies {
		stmts = append(stmts, statement(pol.actions, pol.resource))
	}
	for _, e := range f.events {
		switch e.typ {
		case "SQS":
			stmts = append(stmts, statement(seq{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, e.source))
		case "DynamoDB", "Kinesis":
			svc := map[string]string{"DynamoDB": "dynamodb", "Kinesis": "kinesis"}[e.typ]
			stmts = append(stmts, statement(seq{svc + ":DescribeStream", svc + ":GetRecords", svc + ":GetShardIterator", svc + ":ListStreams"}, e.source))
		}
	}
	if f.dlq != nil {
		stmts = append(stmts, statement(seq{"sqs:SendMessage"}, f.dlq))
	}
	roleProps := mapping{
		{"AssumeRolePolicyDocument", mapping{
			{"Version", "2012-10-17"},
			{"Statement", seq{mapping{{"Effect", "Allow"}, {"Principal", mapping{{"Service", "lambda.amazonaws.com"}}}, {"Action", "sts:AssumeRole"}}}},
		}},
		{"ManagedPolicyArns", seq{
			sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
			sub("arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"),
		}},
	}
	if len(stmts) > 0 {
		roleProps = append(roleProps, pair{"Policies", seq{mapping{
			{"PolicyName", kebab(id)},
			{"PolicyDocument", mapping{{"Version", "2012-10-17"}, {"Statement", stmts}}},
		}}})
	}
	g.add(role, mapping{{"Type", "AWS::IAM::Role"}, {"Properties", roleProps}})
	mem := f.memory
	if mem == 0 {
		mem = 256
	}
	tmo := f.timeout
	if tmo == 0 {
		tmo = 30
	}
	p := mapping{
		{"Runtime", rt.runtime},
		{"Handler", rt.handler},
		{"Code", mapping{{"S3Bucket", ref("ArtifactBucket")}, {"S3Key", sub(g.service + "/${Stage}/" + kebab(id) + ".zip")}}},
		{"Role", getAtt(role, "Arn")},
		{"MemorySize", mem},
		{"Timeout", tmo},
		{"TracingConfig", mapping{{"Mode", "Active"}}},
		{"Environment", mapping{{"Variables", append(mapping{{"STAGE", ref("Stage")}}, f.env...)}}},
	}
	res := mapping{{"Type", "AWS::Lambda::Function"}}
	if f.condition != "" {
		res = append(res, pair{"Condition", f.condition})
	}
	g.add(id, append(res, pair{"Properties", p}))
	if f.dlq != nil {
		g.add(id+"AsyncConfig", mapping{{"Type", "AWS::Lambda::EventInvokeConfig"}, {"Properties", mapping{
			{"FunctionName", ref(id)},
			{"Qualifier", "$LATEST"},
			{"MaximumRetryAttempts", 1},
			{"DestinationConfig", mapping{{"OnFailure", mapping{{"Destination", f.dlq}}}}},
		}}})
	}
	for _, e := range f.events {
		g.cfnEvent(id, e)
	}
}

func statement(actions seq, resource any) mapping {
	var act any = actions
	if len(actions) == 1 {
		act = actions[0]
	}
	return mapping{{"Effect", "Allow"}, {"Action", act}, {"Resource", resource}}
}

func permission(fnID, principal string, source any) mapping {
	return mapping{{"Type", "AWS::Lambda::Permission"}, {"Properties", mapping{
		{"Action", "lambda:InvokeFunction"},
		{"FunctionName", ref(fnID)},
		{"Principal", principal},
		{"SourceArn", source},
	}}}
}

// cfnEvent writes the resources SAM would generate for e.
func (g *gen) cfnEvent(fnID string, e event) {
	id := fnID + e.name
	switch e.typ {
	case "SQS", "DynamoDB", "Kinesis":
		p := mapping{{"EventSourceArn", e.source}, {"FunctionName", ref(fnID)}}
		for _, kv := range e.props {
			switch kv.key {
			case "Queue", "Stream":
			case "DestinationConfig":
				// The mapping's destination has no Type; SAM's event has.
				var dest any
				for _, d := range kv.val.(mapping)[0].val.(mapping) {
					if d.key == "Destination" {
						dest = d.val
					}
				}
				p = append(p, pair{"DestinationConfig", mapping{{"OnFailure", mapping{{"Destination", dest}}}}})
			default:
				p = append(p, kv)
			}
		}
		g.add(id, mapping{{"Type", "AWS::Lambda::EventSourceMapping"}, {"Properties", p}})
	case "SNS":
		g.add(id, mapping{{"Type", "AWS::SNS::Subscription"}, {"Properties", mapping{
			{"TopicArn", e.source}, {"Protocol", "lambda"}, {"Endpoint", getAtt(fnID, "Arn")},
		}}})
		g.add(id+"Permission", permission(fnID, "sns.amazonaws.com", e.source))
	case "Schedule", "EventBridgeRule":
		p := mapping{{"State", "ENABLED"}}
		for _, kv := range e.props {
			switch kv.key {
			case "Schedule":
				p = append(p, pair{"ScheduleExpression", kv.val})
			case "Pattern":
				p = append(p, pair{"EventPattern", kv.val})
			case "EventBusName":
				p = append(p, kv)
			}
		}
		p = append(p, pair{"Targets", seq{mapping{{"Id", kebab(fnID)}, {"Arn", getAtt(fnID, "Arn")}}}})
		g.add(id, mapping{{"Type", "AWS::Events::Rule"}, {"Properties", p}})
		g.add(id+"Permission", permission(fnID, "events.amazonaws.com", getAtt(id, "Arn")))
	case "Api", "HttpApi":
		g.add(id+"Permission", permission(fnID, "apigateway.amazonaws.com",
			sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/*")))
	case "S3":
		g.add(id+"Permission", mapping{{"Type", "AWS::Lambda::Permission"}, {"Properties", mapping{
			{"Action", "lambda:InvokeFunction"},
			{"FunctionName", ref(fnID)},
			{"Principal", "s3.amazonaws.com"},
			{"SourceAccount", ref("AWS::AccountId")},
		}}})
		g.setProp(e.target, "NotificationConfiguration", mapping{{"LambdaConfigurations", seq{mapping{
			{"Event", "s3:ObjectCreated:*"},
			{"Function", getAtt(fnID, "Arn")},
		}}}})
	}
}

// setProp sets a property of an already added resource.
func (g *gen) setProp(id, key string, val any) {
	for i := range g.res {
		if g.res[i].key != id {
			continue
		}
		res := g.res[i].val.(mapping)
		for j := range res {
			if res[j].key == "Properties" {
				res[j].val = append(res[j].val.(mapping), pair{key, val})
				return
			}
		}
		g.res[i].val = append(res, pair{"Properties", mapping{{key, val}}})
		return
	}
}
