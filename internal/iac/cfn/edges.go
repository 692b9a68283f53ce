package cfn

import (
	"maps"
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// connect adds an edge between two global ids. Empty ends are skipped, and
// so are resources whose condition is false: they are not deployed, so
// nothing flows through them.
func (s *scope) connect(from, to string, kind app.EdgeKind, via string, p app.Pos, detail map[string]string) {
	if from == "" || to == "" {
		return
	}
	if f, t := s.a.g.Resource(from), s.a.g.Resource(to); (f != nil && f.Disabled) || (t != nil && t.Disabled) {
		return
	}
	s.a.g.Connect(app.Edge{From: from, To: to, Kind: kind, Via: via, Pos: p, Detail: detail})
}

// link resolves n and, when it names a resource, adds from -> it.
func (s *scope) link(from string, n *app.Node, kind app.EdgeKind, via string, detail map[string]string) {
	if to, ok := s.target(n); ok {
		s.connect(from, to, kind, via, n.Pos, detail)
	}
}

// named resolves n to a resource of kind k, also when n is a plain name
// that resources of other kinds share.
func (s *scope) named(n *app.Node, k app.Kind) (string, bool) {
	if id, ok := s.target(n); ok {
		if s.a.g.Resource(id).Kind == k {
			return id, true
		}
		return "", false
	}
	if name, ok := n.String(); ok {
		return s.lookupKind(k, name)
	}
	return s.lookupKind(k, s.nameKey(n))
}

// useRole adds a uses-role edge when n names a role; via is the property.
func (s *scope) useRole(from string, n *app.Node, via string) {
	if id, ok := s.resolveTarget(n); ok && s.a.g.Resource(id).Kind == app.KindRole {
		s.connect(from, id, app.UsesRole, via, n.Pos, nil)
	}
}

// roleProps are the properties through which a resource names the role it
// runs as.
var roleProps = []string{"Role", "RoleArn", "ExecutionRoleArn", "ServiceRoleArn", "ServiceRole"}

// edges adds the edges written in the scope's resources. A resource whose
// condition is false wires nothing.
func (s *scope) edges() {
	for _, e := range s.order {
		r, p := e.r, e.props
		if r.Disabled {
			continue
		}
		id := r.ID
		for _, rp := range roleProps {
			if n := p.Get(rp); n != nil {
				s.useRole(id, n, rp)
			}
		}
		switch r.Kind {
		case app.KindFunction:
			s.link(id, p.Path("DeadLetterConfig", "TargetArn"), app.DeadLetter, "DeadLetterConfig", nil)
		case app.KindEventSourceMapping:
			fn, ok := s.functionTarget(p.Get("FunctionName"))
			if !ok {
				break
			}
			if src, ok := s.target(p.Get("EventSourceArn")); ok {
				d := map[string]string{}
				if st := r.Text(app.AttrSourceType); st != "" {
					d["source_type"] = st
				}
				s.connect(src, fn, app.Triggers, id, r.Pos, d)
			}
			// Records the mapping could not process go to the destination;
			// the edge leaves the function, whose failures they are.
			s.link(fn, p.Path("DestinationConfig", "OnFailure", "Destination"), app.OnFailure, id, nil)
		case app.KindEventInvokeConfig:
			if fn, ok := s.functionTarget(p.Get("FunctionName")); ok {
				s.link(fn, p.Path("DestinationConfig", "OnFailure", "Destination"), app.OnFailure, id, nil)
				s.link(fn, p.Path("DestinationConfig", "OnSuccess", "Destination"), app.OnSuccess, id, nil)
			}
		case app.KindAlias, app.KindVersion:
			if fn, ok := s.functionTarget(p.Get("FunctionName")); ok && fn != id {
				s.connect(id, fn, app.Contains, "", r.Pos, nil)
			}
		case app.KindQueue:
			if rp := s.redrive(p.Get("RedrivePolicy")); rp != nil {
				s.link(id, rp.Get("deadLetterTargetArn"), app.DeadLetter, "RedrivePolicy", nil)
			}
		case app.KindBucket:
			s.bucketNotifications(id, p.Get("NotificationConfiguration"))
		case app.KindTopic:
			for i, sub := range p.Get("Subscription").Items() {
				d := map[string]string{"protocol": sub.Get("Protocol").Text()}
				s.link(id, sub.Get("Endpoint"), app.Subscribes, "Subscription["+strconv.Itoa(i)+"]", d)
			}
		case app.KindSubscription:
			topic, ok := s.target(p.Get("TopicArn"))
			if ok {
				d := map[string]string{"protocol": p.Get("Protocol").Text()}
				if fp := p.Get("FilterPolicy"); fp != nil {
					d["filter_policy"] = toJSON(fp)
				}
				s.link(topic, p.Get("Endpoint"), app.Subscribes, id, d)
			}
			if rp := s.redrive(p.Get("RedrivePolicy")); rp != nil {
				s.link(id, rp.Get("deadLetterTargetArn"), app.DeadLetter, "RedrivePolicy", nil)
			}
		case app.KindRule:
			s.ruleEdges(e)
		case app.KindSchedule:
			t := p.Get("Target")
			d := map[string]string{}
			if x := p.Get("ScheduleExpression").Text(); x != "" {
				d["schedule"] = x
			}
			s.link(id, t.Get("Arn"), app.Triggers, "Target", d)
			s.link(id, t.Path("DeadLetterConfig", "Arn"), app.DeadLetter, "Target", nil)
			s.useRole(id, t.Get("RoleArn"), "Target")
		case app.KindAPI:
			body := p.Get("Body")
			if body == nil {
				body = p.Get("DefinitionBody")
			}
			s.openAPIEdges(id, body)
		case app.KindStateMachine:
			s.stateMachineEdges(e)
		case app.KindLogSubscription:
			from := id
			if lg, ok := s.named(p.Get("LogGroupName"), app.KindLogGroup); ok {
				from = lg
			}
			s.link(from, p.Get("DestinationArn"), app.Triggers, id, nil)
		case app.KindUserPool:
			lc := p.Get("LambdaConfig")
			if !lc.IsMap() {
				break
			}
			for i, k := range lc.Keys {
				v := lc.Values[i]
				if v.IsMap() && v.Get("LambdaArn") != nil {
					v = v.Get("LambdaArn") // CustomSMSSender, CustomEmailSender
				}
				s.link(id, v, app.Triggers, "LambdaConfig."+k, nil)
			}
		case app.KindIoTRule:
			s.iotEdges(id, p.Get("TopicRulePayload"))
		case app.KindStack:
			for _, c := range s.a.scopes {
				if c.stack == id {
					for _, ce := range c.order {
						s.connect(id, ce.r.ID, app.Contains, "", ce.r.Pos, nil)
					}
				}
			}
		}
		switch e.src.Type {
		case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route":
			if api, ok := s.named(apiRef(p), app.KindAPI); ok {
				s.connect(api, id, app.Routes, id, r.Pos, nil)
			}
		}
		switch e.src.Type {
		case "AWS::ApiGateway::Method":
			if api, ok := s.resolveTarget(p.Get("RestApiId")); ok {
				s.link(api, p.Path("Integration", "Uri"), app.Triggers, id, nil)
			}
		case "AWS::ApiGatewayV2::Integration":
			if api, ok := s.resolveTarget(p.Get("ApiId")); ok {
				s.link(api, p.Get("IntegrationUri"), app.Triggers, id, nil)
			}
		}
	}
}

// apiRef is the property through which an API part names its API.
func apiRef(p *app.Node) *app.Node {
	if n := p.Get("RestApiId"); n != nil {
		return n
	}
	return p.Get("ApiId")
}

func (s *scope) bucketNotifications(id string, nc *app.Node) {
	for _, kind := range [...]struct{ list, key string }{
		{"LambdaConfigurations", "Function"}, {"QueueConfigurations", "Queue"}, {"TopicConfigurations", "Topic"},
	} {
		for i, c := range nc.Get(kind.list).Items() {
			d := map[string]string{}
			if ev := c.Get("Event").Text(); ev != "" {
				d["events"] = ev
			}
			for _, rule := range c.Path("Filter", "S3Key", "Rules").Items() {
				name := strings.ToLower(rule.Get("Name").Text())
				if v, ok := rule.Get("Value").String(); ok && (name == "prefix" || name == "suffix") {
					d[name] = v
				}
			}
			s.link(id, c.Get(kind.key), app.Triggers, kind.list+"["+strconv.Itoa(i)+"]", d)
		}
	}
}

func (s *scope) ruleEdges(e *entry) {
	id, p := e.r.ID, e.props
	if bus, ok := s.named(p.Get("EventBusName"), app.KindEventBus); ok {
		s.connect(bus, id, app.Routes, id, p.Get("EventBusName").Pos, nil)
	}
	d := map[string]string{}
	if pat := p.Get("EventPattern"); pat != nil {
		if str, ok := pat.String(); ok {
			d["pattern"] = str
		} else {
			d["pattern"] = toJSON(pat)
		}
	}
	if x := p.Get("ScheduleExpression").Text(); x != "" {
		d["schedule"] = x
	}
	for i, t := range p.Get("Targets").Items() {
		via := "target:" + t.Get("Id").Text()
		if t.Get("Id").Text() == "" {
			via = "Targets[" + strconv.Itoa(i) + "]"
		}
		s.link(id, t.Get("Arn"), app.Triggers, via, maps.Clone(d))
		s.link(id, t.Path("DeadLetterConfig", "Arn"), app.DeadLetter, via, nil)
		s.useRole(id, t.Get("RoleArn"), via)
	}
}

// openAPIEdges finds the Lambda integrations of an OpenAPI body.
func (s *scope) openAPIEdges(id string, body *app.Node) {
	paths := body.Get("paths")
	if !paths.IsMap() {
		return
	}
	for i, path := range paths.Keys {
		ops := paths.Values[i]
		if !ops.IsMap() {
			continue
		}
		for j, method := range ops.Keys {
			uri := ops.Values[j].Path("x-amazon-apigateway-integration", "uri")
			if uri == nil {
				continue
			}
			m := strings.ToUpper(method)
			if m == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				m = "ANY"
			}
			s.link(id, uri, app.Triggers, m+" "+path, nil)
		}
	}
}

func (s *scope) iotEdges(id string, payload *app.Node) {
	each := func(a *app.Node, dead bool) {
		for _, t := range [...]struct {
			path []string
			kind app.EdgeKind
			res  app.Kind
		}{
			{[]string{"Lambda", "FunctionArn"}, app.Triggers, app.KindFunction},
			{[]string{"Sqs", "QueueUrl"}, app.Triggers, app.KindQueue},
			{[]string{"Sns", "TargetArn"}, app.Triggers, app.KindTopic},
			{[]string{"Kinesis", "StreamName"}, app.Triggers, app.KindStream},
			{[]string{"StepFunctions", "StateMachineName"}, app.Triggers, app.KindStateMachine},
			{[]string{"DynamoDBv2", "PutItem", "TableName"}, app.Writes, app.KindTable},
			{[]string{"S3", "BucketName"}, app.Writes, app.KindBucket},
		} {
			if n := a.Path(t.path...); n != nil {
				kind := t.kind
				if dead {
					kind = app.DeadLetter
				}
				if to, ok := s.named(n, t.res); ok {
					s.connect(id, to, kind, t.path[0], n.Pos, nil)
				}
			}
		}
	}
	for _, a := range payload.Get("Actions").Items() {
		each(a, false)
	}
	if ea := payload.Get("ErrorAction"); ea != nil {
		each(ea, true)
	}
}

// sfnDef is a state machine's definition as a document, with the
// DefinitionSubstitutions that did not resolve to text.
type sfnDef struct {
	node *app.Node
	subs *app.Node
}

// definition reads a state machine's definition from Definition,
// DefinitionString (parsed; unresolved Sub variables kept as ${...} text)
// or DefinitionBody, applying DefinitionSubstitutions that resolved. An S3
// location is returned as written.
func (s *scope) definition(e *entry) *sfnDef {
	if e.def != nil {
		return e.def
	}
	p := e.props
	d := &sfnDef{subs: p.Get("DefinitionSubstitutions")}
	e.def = d
	def := p.Get("Definition")
	if def == nil {
		def = p.Get("DefinitionBody")
	}
	if def == nil {
		if str := p.Get("DefinitionString"); str != nil {
			text, ok := str.String()
			if !ok {
				// A Sub left symbolic: what CloudFormation would pass on,
				// "${!X}" unescaped to "${X}" for DefinitionSubstitutions,
				// unresolved variables kept as ${Res.Attr} for defTarget.
				text = unescapeSub(symbolicText(str))
			}
			doc, _, err := ParseDocument(str.Pos.File, []byte(text))
			if err == nil {
				reposition(doc, str.Pos)
				def = doc
			} else {
				def = str
			}
		}
	}
	if def == nil {
		if def = p.Get("DefinitionS3Location"); def == nil {
			def = p.Get("DefinitionUri")
		}
		d.node = def
		return d
	}
	if d.subs.IsMap() {
		def = substitute(def, d.subs)
	}
	d.node = def
	return d
}

// unescapeSub renders a Sub template with "${!X}" as "${X}" and
// variables as they are.
func unescapeSub(tmpl string) string {
	var b strings.Builder
	subParts(tmpl, func(text string, isVar bool) {
		if isVar {
			b.WriteString("${" + text + "}")
		} else {
			b.WriteString(text)
		}
	})
	return b.String()
}

// substitute replaces ${Key} in the strings of n with the substitutions
// that are text, copying only what changes.
func substitute(n *app.Node, subs *app.Node) *app.Node {
	switch n.Kind {
	case app.StringNode:
		if !strings.Contains(n.Scalar, "${") {
			return n
		}
		out := n.Scalar
		for i, k := range subs.Keys {
			if v, ok := subs.Values[i].String(); ok {
				out = strings.ReplaceAll(out, "${"+k+"}", v)
			}
		}
		if out == n.Scalar {
			return n
		}
		c := *n
		c.Scalar = out
		return &c
	case app.ListNode:
		var c *app.Node
		for i, it := range n.List {
			if v := substitute(it, subs); v != it {
				if c == nil {
					cc := *n
					cc.List = append([]*app.Node(nil), n.List...)
					c = &cc
				}
				c.List[i] = v
			}
		}
		if c != nil {
			return c
		}
	case app.MapNode:
		var c *app.Node
		for i, it := range n.Values {
			if v := substitute(it, subs); v != it {
				if c == nil {
					cc := *n
					cc.Values = append([]*app.Node(nil), n.Values...)
					c = &cc
				}
				c.Values[i] = v
			}
		}
		if c != nil {
			return c
		}
	}
	return n
}

// defTarget resolves a value of a state machine definition: a
// substitution variable, a Sub-style ${Res.Attr}, an ARN or a name.
func (s *scope) defTarget(n *app.Node, subs *app.Node) (string, bool) {
	if str, ok := n.String(); ok && strings.Contains(str, "${") {
		id, ok := s.resolveText(str, subs, 0)
		if ok {
			return s.a.functionOf(id), true
		}
		return "", false
	}
	return s.target(n)
}

// sfnIntegrations maps service integration resources to the parameter
// naming the target and the edge kind.
var sfnIntegrations = map[string]struct {
	param string
	kind  app.EdgeKind
}{
	"lambda:invoke":         {"FunctionName", app.Invokes},
	"sqs:sendMessage":       {"QueueUrl", app.Writes},
	"sns:publish":           {"TopicArn", app.Writes},
	"dynamodb:putItem":      {"TableName", app.Writes},
	"dynamodb:updateItem":   {"TableName", app.Writes},
	"dynamodb:deleteItem":   {"TableName", app.Writes},
	"dynamodb:getItem":      {"TableName", app.Reads},
	"states:startExecution": {"StateMachineArn", app.Invokes},
	"events:putEvents":      {"EventBusName", app.Writes},
}

func (s *scope) stateMachineEdges(e *entry) {
	d := s.definition(e)
	if d == nil || !d.node.IsMap() {
		return
	}
	s.walkStates(e.r.ID, d.node.Get("States"), d.subs, 0)
}

func (s *scope) walkStates(id string, states *app.Node, subs *app.Node, depth int) {
	if depth > 16 || !states.IsMap() {
		return
	}
	for i, name := range states.Keys {
		st := states.Values[i]
		for _, b := range st.Get("Branches").Items() {
			s.walkStates(id, b.Get("States"), subs, depth+1)
		}
		s.walkStates(id, st.Path("Iterator", "States"), subs, depth+1)
		s.walkStates(id, st.Path("ItemProcessor", "States"), subs, depth+1)
		if st.Get("Type").Text() != "Task" {
			continue
		}
		res := st.Get("Resource")
		text := res.Text()
		via := "state:" + name
		// Rules compare a task's timeout with the function's and look for
		// retries.
		var d map[string]string
		if to := st.Get("TimeoutSeconds"); to.IsScalar() {
			d = map[string]string{"timeout": to.Text()}
		}
		if st.Get("Retry").Len() > 0 {
			if d == nil {
				d = map[string]string{}
			}
			d["retry"] = "true"
		}
		if _, rest, ok := strings.Cut(text, ":states:::"); ok {
			rest = strings.TrimSuffix(strings.TrimSuffix(rest, ".sync"), ".waitForTaskToken")
			rest = strings.TrimSuffix(rest, ".sync:2")
			integ, ok := sfnIntegrations[rest]
			if !ok {
				continue
			}
			args := st.Get("Parameters")
			if args == nil {
				args = st.Get("Arguments")
			}
			if rest == "events:putEvents" {
				for _, en := range args.Get("Entries").Items() {
					if to, ok := s.defTarget(en.Get(integ.param), subs); ok {
						s.connect(id, to, integ.kind, via, res.Pos, d)
					}
				}
				continue
			}
			if to, ok := s.defTarget(args.Get(integ.param), subs); ok {
				s.connect(id, to, integ.kind, via, res.Pos, d)
			}
			continue
		}
		if to, ok := s.defTarget(res, subs); ok && s.a.g.Resource(to).Kind == app.KindFunction {
			s.connect(id, to, app.Invokes, via, res.Pos, d)
		}
	}
}

// lateEdges adds the edges that depend on others: Lambda permissions (only
// where no specific edge already wires the source to the function) and
// environment variables (after IAM, whose grants decide reads or writes).
func (s *scope) lateEdges() {
	flow := s.a.flows()
	for _, e := range s.order {
		r, p := e.r, e.props
		if r.Disabled {
			continue
		}
		switch r.Kind {
		case app.KindPermission:
			principal := p.Get("Principal").Text()
			if !strings.HasSuffix(principal, ".amazonaws.com") && !strings.HasSuffix(principal, ".amazonaws.com.cn") {
				continue
			}
			fn, ok := s.functionTarget(p.Get("FunctionName"))
			if !ok {
				continue
			}
			src, ok := s.target(p.Get("SourceArn"))
			if !ok || src == fn || flow[[2]string{src, fn}]&(1<<flowTrigger) != 0 {
				continue
			}
			s.connect(src, fn, app.Triggers, r.ID, p.Get("SourceArn").Pos, map[string]string{"principal": principal})
		case app.KindFunction:
			vars := p.Path("Environment", "Variables")
			if !vars.IsMap() {
				continue
			}
			for i, name := range vars.Keys {
				v := vars.Values[i]
				to, ok := s.target(v)
				if !ok || to == r.ID {
					continue
				}
				kind, ok := envEdgeKind(s.a.g.Resource(to).Kind, flow[[2]string{r.ID, to}])
				if ok {
					s.connect(r.ID, to, kind, "env:"+name, v.Pos, nil)
				}
			}
		}
	}
}

// Bits of what the edges already built say about a pair of resources.
const (
	flowTrigger = iota
	flowReads
	flowWrites
)

// flows summarises the edges built so far by (from, to), once per adapter.
func (a *adapter) flows() map[[2]string]uint8 {
	if a.flow != nil {
		return a.flow
	}
	a.flow = make(map[[2]string]uint8, len(a.g.Edges))
	for _, e := range a.g.Edges {
		k := [2]string{e.From, e.To}
		switch e.Kind {
		case app.Triggers, app.Subscribes:
			a.flow[k] |= 1 << flowTrigger
		case app.Reads:
			a.flow[k] |= 1 << flowReads
		case app.Writes:
			a.flow[k] |= 1 << flowWrites
		}
	}
	return a.flow
}

// envEdgeKind decides what an environment variable naming a resource of
// kind k means. A function that is told where a queue, topic, bus, stream,
// table or bucket is will, as a rule, put data there: writes, unless its
// role grants reads only, in which case reads. Functions and state
// machines named are invoked; secrets and parameters are read. Other kinds
// (roles, log groups ...) give no edge.
func envEdgeKind(k app.Kind, iam uint8) (app.EdgeKind, bool) {
	switch k {
	case app.KindQueue, app.KindTopic, app.KindEventBus, app.KindStream, app.KindTable, app.KindBucket:
		if iam&(1<<flowReads) != 0 && iam&(1<<flowWrites) == 0 {
			return app.Reads, true
		}
		return app.Writes, true
	case app.KindFunction, app.KindStateMachine:
		return app.Invokes, true
	case app.KindSecret, app.KindParameter:
		return app.Reads, true
	}
	return "", false
}

// invocationOf says how a source of kind k invokes a function it triggers:
// "async" (Lambda queues the event and retries: S3, SNS, EventBridge,
// schedules, IoT, CloudWatch Logs), "sync" (the caller waits: API Gateway,
// function URLs, Cognito, Step Functions) or "poll" (an event source
// mapping reads a queue or stream). Rules about DLQs and destinations use
// it to ask only async functions for them.
func invocationOf(k app.Kind) string {
	switch k {
	case app.KindBucket, app.KindTopic, app.KindRule, app.KindSchedule, app.KindIoTRule,
		app.KindLogGroup, app.KindLogSubscription, app.KindEventBus:
		return "async"
	case app.KindAPI, app.KindURL, app.KindUserPool, app.KindStateMachine, app.KindAppSync:
		return "sync"
	case app.KindQueue, app.KindStream, app.KindTable:
		return "poll"
	}
	return ""
}

// markInvocations sets Detail "invocation" on the triggers and subscribes
// edges that reach a function.
func (a *adapter) markInvocations() {
	for i := range a.g.Edges {
		e := &a.g.Edges[i]
		if e.Kind != app.Triggers && e.Kind != app.Subscribes {
			continue
		}
		from, to := a.g.Resource(e.From), a.g.Resource(e.To)
		if from == nil || to == nil || to.Kind != app.KindFunction {
			continue
		}
		if inv := invocationOf(from.Kind); inv != "" {
			if e.Detail == nil {
				e.Detail = make(map[string]string, 1)
			}
			e.Detail["invocation"] = inv
		}
	}
}
