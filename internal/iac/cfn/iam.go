package cfn

import (
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// statements normalizes every statement of an IAM policy document (a map,
// or a JSON string as some templates write it) into app.Statement.
func (s *scope) statements(doc *app.Node, policy string) []app.Statement {
	if str, ok := doc.String(); ok {
		parsed, _, err := ParseDocument(doc.Pos.File, []byte(str))
		if err != nil {
			return nil
		}
		reposition(parsed, doc.Pos)
		doc = parsed
	}
	var out []app.Statement
	if name, arg, ok := doc.Intrinsic(); ok {
		// A document under a condition whose value is not known: what
		// either branch allows.
		if name == "Fn::If" && arg.Len() == 3 {
			var out []app.Statement
			for _, b := range ifBranches(doc) {
				out = append(out, s.statements(b, policy)...)
			}
			return out
		}
		return nil
	}
	var items []*app.Node
	for _, st := range doc.Get("Statement").Items() {
		items = append(items, ifBranches(st)...)
	}
	for _, st := range items {
		if !st.IsMap() {
			continue
		}
		out = append(out, app.Statement{
			Sid:           st.Get("Sid").Text(),
			Effect:        st.Get("Effect").Text(),
			Actions:       st.Get("Action").Strings(),
			NotActions:    st.Get("NotAction").Strings(),
			Resources:     st.Get("Resource").Items(),
			NotResources:  st.Get("NotResource").Items(),
			Principals:    principals(st.Get("Principal")),
			NotPrincipals: principals(st.Get("NotPrincipal")),
			Condition:     st.Get("Condition"),
			Policy:        policy,
			Pos:           st.Pos,
		})
	}
	return out
}

// ifBranches returns both branches of an Fn::If left unresolved, else n.
func ifBranches(n *app.Node) []*app.Node {
	name, arg, ok := n.Intrinsic()
	switch {
	case ok && name == "Fn::If" && arg.Len() == 3:
		return append(ifBranches(arg.List[1]), ifBranches(arg.List[2])...)
	case ok && name == "Ref" && arg.Text() == "AWS::NoValue":
		return nil
	}
	return []*app.Node{n}
}

// principals reads a Principal: "*" or a map of type to one or more
// values; values that did not resolve are kept as their symbolic text.
func principals(n *app.Node) map[string][]string {
	if n == nil {
		return nil
	}
	if str, ok := n.String(); ok {
		return map[string][]string{"*": {str}}
	}
	if !n.IsMap() {
		return nil
	}
	if _, _, ok := n.Intrinsic(); ok {
		return map[string][]string{"AWS": {symbolicText(n)}}
	}
	out := make(map[string][]string, len(n.Keys))
	for i, k := range n.Keys {
		for _, v := range n.Values[i].Items() {
			out[k] = append(out[k], symbolicText(v))
		}
	}
	return out
}

// policies fills the Statements of roles, policies and resource policies:
// a role gets its inline policies, every AWS::IAM::Policy or ManagedPolicy
// that names it in Roles and every customer managed policy of the template
// in its ManagedPolicyArns, so that a role's Statements are all it has.
// Bucket, queue and topic policies are also appended to the resources they
// govern (Statement.Policy tells them apart).
func (s *scope) policies() {
	attached := make(map[[2]string]bool)
	attach := func(target string, from *entry) {
		t := s.a.g.Resource(target)
		if t == nil || attached[[2]string{target, from.r.ID}] {
			return
		}
		attached[[2]string{target, from.r.ID}] = true
		t.Statements = append(t.Statements, from.r.Statements...)
	}
	for _, e := range s.order {
		p := e.props
		switch e.src.Type {
		case "AWS::IAM::Role":
			for _, pol := range p.Get("Policies").Items() {
				// A transform that expanded a policy template may name it
				// (key "fnops:template"), so that rules can tell template
				// grants from written ones.
				name := e.r.ID
				if tpl := pol.Get("fnops:template").Text(); tpl != "" {
					name = "Template:" + tpl
				}
				e.r.Statements = append(e.r.Statements, s.statements(pol.Get("PolicyDocument"), name)...)
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy",
			"AWS::SQS::QueueInlinePolicy", "AWS::SNS::TopicPolicy", "AWS::SNS::TopicInlinePolicy":
			e.r.Statements = s.statements(p.Get("PolicyDocument"), e.r.ID)
		case "AWS::KMS::Key":
			e.r.Statements = s.statements(p.Get("KeyPolicy"), e.r.ID)
		}
	}
	for _, e := range s.order {
		p := e.props
		var targets []*app.Node
		switch e.src.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			targets = p.Get("Roles").Items()
		case "AWS::S3::BucketPolicy":
			targets = p.Get("Bucket").Items()
		case "AWS::SQS::QueuePolicy":
			targets = p.Get("Queues").Items()
		case "AWS::SQS::QueueInlinePolicy":
			targets = p.Get("Queue").Items()
		case "AWS::SNS::TopicPolicy":
			targets = p.Get("Topics").Items()
		case "AWS::SNS::TopicInlinePolicy":
			targets = p.Get("TopicArn").Items()
		case "AWS::IAM::Role":
			for _, arn := range p.Get("ManagedPolicyArns").Items() {
				if id, ok := s.resolveTarget(arn); ok {
					if pe := s.a.all[id]; pe != nil && pe.src.Type == "AWS::IAM::ManagedPolicy" {
						attach(e.r.ID, pe)
					}
				}
			}
		}
		for _, t := range targets {
			if id, ok := s.resolveTarget(t); ok {
				attach(id, e)
			}
		}
	}
}

// iamService is what fnops reads from the actions of one AWS service: the
// kind its resources have and which actions move data which way.
type iamService struct {
	kind                  app.Kind
	writes, reads, invoke []string
}

var iamServices = map[string]iamService{
	"s3": {kind: app.KindBucket,
		writes: []string{"PutObject", "PutObjectAcl", "PutObjectTagging", "DeleteObject", "DeleteObjectVersion", "AbortMultipartUpload", "RestoreObject"},
		reads:  []string{"GetObject", "GetObjectVersion", "GetObjectAcl", "GetObjectTagging", "ListBucket", "ListBucketVersions", "ListMultipartUploadParts"}},
	"sqs": {kind: app.KindQueue,
		writes: []string{"SendMessage", "SendMessageBatch"},
		reads:  []string{"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "GetQueueAttributes"}},
	"sns": {kind: app.KindTopic, writes: []string{"Publish"}},
	"dynamodb": {kind: app.KindTable,
		writes: []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"},
		reads:  []string{"GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem", "PartiQLSelect", "GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"}},
	"kinesis": {kind: app.KindStream,
		writes: []string{"PutRecord", "PutRecords"},
		reads:  []string{"GetRecords", "GetShardIterator", "DescribeStream", "DescribeStreamSummary", "ListShards", "SubscribeToShard"}},
	"events":         {kind: app.KindEventBus, writes: []string{"PutEvents"}},
	"states":         {kind: app.KindStateMachine, invoke: []string{"StartExecution", "StartSyncExecution"}},
	"lambda":         {kind: app.KindFunction, invoke: []string{"InvokeFunction", "InvokeAsync"}},
	"secretsmanager": {kind: app.KindSecret, reads: []string{"GetSecretValue"}, writes: []string{"PutSecretValue", "UpdateSecret"}},
	"ssm":            {kind: app.KindParameter, reads: []string{"GetParameter", "GetParameters", "GetParametersByPath"}, writes: []string{"PutParameter"}},
}

// grant is one (service, edge kind) an action pattern allows.
type grant struct {
	svc  string
	kind app.EdgeKind
}

// iamAction is one action fnops reads, lowercased for matching.
type iamAction struct {
	svc, name string
	kind      app.EdgeKind
}

var iamActions = func() []iamAction {
	var out []iamAction
	for svc, info := range iamServices {
		for _, k := range [...]struct {
			list []string
			kind app.EdgeKind
		}{{info.writes, app.Writes}, {info.reads, app.Reads}, {info.invoke, app.Invokes}} {
			for _, a := range k.list {
				out = append(out, iamAction{svc, strings.ToLower(a), k.kind})
			}
		}
	}
	slices.SortFunc(out, func(a, b iamAction) int { return strings.Compare(a.svc+":"+a.name, b.svc+":"+b.name) })
	return out
}()

// iamExact maps each action fnops reads, as AWS spells it and lowercased,
// to what it grants, so exact actions are found without a scan.
var iamExact = func() map[string][]grant {
	m := make(map[string][]grant)
	for svc, info := range iamServices {
		for _, k := range [...]struct {
			list []string
			kind app.EdgeKind
		}{{info.writes, app.Writes}, {info.reads, app.Reads}, {info.invoke, app.Invokes}} {
			for _, a := range k.list {
				for _, key := range []string{svc + ":" + a, svc + ":" + strings.ToLower(a)} {
					if g := (grant{svc, k.kind}); !slices.Contains(m[key], g) {
						m[key] = append(m[key], g)
					}
				}
			}
		}
	}
	return m
}()

// grants lists what an action pattern ("s3:PutObject", "s3:Put*", "*")
// allows among the actions fnops reads. IAM actions are case-insensitive.
func grants(action string) []grant {
	if !strings.ContainsAny(action, "*?") {
		if g, ok := iamExact[action]; ok {
			return g
		}
		return iamExact[strings.ToLower(action)]
	}
	svc, name, ok := strings.Cut(strings.ToLower(action), ":")
	if !ok {
		if action != "*" {
			return nil
		}
		svc, name = "*", "*"
	}
	var out []grant
	for _, a := range iamActions {
		if (svc == "*" || svc == a.svc) && glob(name, a.name) {
			g := grant{a.svc, a.kind}
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// glob matches s against a pattern with * (any run) and ? (any one byte).
func glob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// grantKey collects the actions that give one edge.
type grantKey struct {
	to   string
	kind app.EdgeKind
}

type grantVal struct {
	actions  []string
	wildcard bool
	pos      app.Pos
}

// iamEdges turns the statements of each function's and state machine's
// role into writes, reads and invokes edges to the resources they match.
// Deny statements, NotAction and NotResource are not subtracted: the
// edges say what a role may do as written, and rules judge the rest.
func (s *scope) iamEdges() {
	for _, e := range s.order {
		r := e.r
		if r.Disabled || (r.Kind != app.KindFunction && r.Kind != app.KindStateMachine) {
			continue
		}
		var stmts []app.Statement
		stmts = append(stmts, r.Statements...)
		for _, rp := range roleProps {
			if id, ok := s.resolveTarget(e.props.Get(rp)); ok {
				if role := s.a.g.Resource(id); role.Kind == app.KindRole {
					stmts = append(stmts, role.Statements...)
					stmts = append(stmts, managedStatements(role)...)
				}
			}
		}
		if len(stmts) == 0 {
			continue
		}
		found := make(map[grantKey]*grantVal)
		var order []grantKey
		var targets []iamTarget
		add := func(to string, kind app.EdgeKind, action string, wildcard bool, p app.Pos) {
			if to == r.ID && wildcard {
				return
			}
			k := grantKey{to, kind}
			v := found[k]
			if v == nil {
				v = &grantVal{pos: p}
				found[k] = v
				order = append(order, k)
			}
			if !slices.Contains(v.actions, action) {
				v.actions = append(v.actions, action)
			}
			v.wildcard = v.wildcard || wildcard
		}
		for _, st := range stmts {
			if st.Effect != "Allow" || len(st.Actions) == 0 {
				continue
			}
			ps := s
			if pe := s.a.all[st.Policy]; pe != nil {
				ps = pe.s
			}
			targets = targets[:0]
			for _, res := range st.Resources {
				targets = append(targets, ps.readTarget(res))
			}
			for _, action := range st.Actions {
				for _, g := range grants(action) {
					for _, t := range targets {
						ps.matchTarget(t, g, func(to string, wildcard bool) {
							add(to, g.kind, action, wildcard, st.Pos)
						})
					}
				}
			}
		}
		for _, k := range order {
			v := found[k]
			slices.Sort(v.actions)
			d := map[string]string{"actions": strings.Join(v.actions, ",")}
			if v.wildcard {
				d["wildcard"] = "true"
			}
			s.connect(r.ID, k.to, k.kind, "iam:"+v.actions[0], v.pos, d)
		}
	}
}

// iamTarget is one Resource entry of a statement, read once: "*", the
// resource it names, or an ARN pattern split into its fields.
type iamTarget struct {
	star  bool
	id    string
	parts []string
}

// readTarget reads a statement Resource entry. A Sub left symbolic names a
// resource through a variable, or else is matched as a pattern with its
// unresolved variables (pseudo parameters) as wildcards.
func (s *scope) readTarget(res *app.Node) iamTarget {
	text, isText := res.String()
	if isText && text == "*" {
		return iamTarget{star: true}
	}
	if !isText {
		if id, ok := s.resolveTarget(res); ok {
			return iamTarget{id: id}
		}
		name, arg, ok := res.Intrinsic()
		if !ok || name != "Fn::Sub" {
			return iamTarget{}
		}
		if arg.IsList() && len(arg.List) > 0 {
			arg = arg.List[0]
		}
		text = wildVars(arg.Text())
	} else if !strings.ContainsAny(text, "*?") {
		id, _ := s.resolveTarget(res)
		return iamTarget{id: id}
	}
	parts := splitARN(text)
	o := &s.a.opts
	if len(parts) < 6 || parts[0] != "arn" ||
		!fieldMatch(parts[1], o.Partition) || !fieldMatch(parts[3], o.Region) || !fieldMatch(parts[4], o.Account) {
		return iamTarget{}
	}
	return iamTarget{parts: parts}
}

// matchTarget calls fn for each resource of g's service that t covers.
func (s *scope) matchTarget(t iamTarget, g grant, fn func(id string, wildcard bool)) {
	kind := iamServices[g.svc].kind
	switch {
	case t.star:
		for _, r := range s.a.ofKind(kind) {
			fn(r.ID, true)
		}
	case t.id != "":
		if s.a.g.Resource(t.id).Kind == kind {
			fn(t.id, false)
		}
	case t.parts != nil:
		if !glob(t.parts[2], g.svc) {
			return
		}
		tail := t.parts[5]
		wild := resourceWildcard(g.svc, tail)
		for _, r := range s.a.ofKind(kind) {
			for _, c := range arnTails(g.svc, r, s.a.all[r.ID]) {
				if glob(tail, c) {
					fn(r.ID, wild)
					break
				}
			}
		}
	}
}

// ofKind lists the graph's resources of a kind; the index is built once,
// after every resource exists.
func (a *adapter) ofKind(k app.Kind) []*app.Resource {
	if a.kinds == nil {
		a.kinds = make(map[app.Kind][]*app.Resource)
		for _, r := range a.g.Resources {
			a.kinds[r.Kind] = append(a.kinds[r.Kind], r)
		}
	}
	return a.kinds[k]
}

// wildVars turns the ${...} variables of a Sub template into wildcards.
func wildVars(tmpl string) string {
	var b strings.Builder
	subParts(tmpl, func(text string, isVar bool) {
		if isVar {
			b.WriteByte('*')
		} else {
			b.WriteString(text)
		}
	})
	return b.String()
}

// fieldMatch matches an ARN field pattern against a known value; an
// unknown value matches anything.
func fieldMatch(pattern, known string) bool {
	return known == "" || pattern == "" || glob(pattern, known)
}

// resourceWildcard reports whether the resource part of an ARN pattern
// covers more than one named resource (an object suffix such as
// bucket/* or table/T/index/* does not count).
func resourceWildcard(svc, tail string) bool {
	name := tail
	switch svc {
	case "s3":
		name, _, _ = strings.Cut(tail, "/")
	case "dynamodb", "kinesis", "events":
		parts := strings.SplitN(tail, "/", 3)
		if len(parts) > 1 {
			name = parts[1]
		}
	case "lambda", "states":
		parts := strings.SplitN(tail, ":", 3)
		if len(parts) > 1 {
			name = parts[1]
		}
	}
	return strings.ContainsAny(name, "*?")
}

// arnTails returns the forms the part after the account of r's ARNs takes.
// A resource whose physical name is not fixed has the name "\x00", which
// only a wildcard matches.
func arnTails(svc string, r *app.Resource, e *entry) []string {
	name := "\x00"
	if r.Name != "" && e != nil && e.info != nil && e.props.Get(e.info.name).IsScalar() {
		name = r.Name
	}
	switch svc {
	case "s3":
		return []string{name, name + "/\x00"}
	case "dynamodb":
		return []string{"table/" + name, "table/" + name + "/index/\x00", "table/" + name + "/stream/\x00"}
	case "kinesis":
		return []string{"stream/" + name}
	case "events":
		return []string{"event-bus/" + name}
	case "states":
		return []string{"stateMachine:" + name}
	case "lambda":
		return []string{"function:" + name, "function:" + name + ":\x00"}
	case "secretsmanager":
		return []string{"secret:" + name, "secret:" + name + "-\x00\x00\x00\x00\x00\x00"}
	case "ssm":
		return []string{"parameter/" + strings.TrimPrefix(name, "/")}
	}
	return []string{name}
}

// awsManaged lists the actions of the AWS managed policies that grant data
// access broadly enough to matter for the graph, all on Resource "*".
// Narrow service-role policies (AWSLambdaSQSQueueExecutionRole and the
// like) are left out: they are what event sources need, and their "*"
// would tie every function to every queue.
var awsManaged = map[string][]string{
	"AdministratorAccess":          {"*"},
	"PowerUserAccess":              {"*"},
	"AmazonS3FullAccess":           {"s3:*"},
	"AmazonS3ReadOnlyAccess":       {"s3:Get*", "s3:List*"},
	"AmazonDynamoDBFullAccess":     {"dynamodb:*"},
	"AmazonDynamoDBReadOnlyAccess": {"dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect"},
	"AmazonSQSFullAccess":          {"sqs:*"},
	"AmazonSNSFullAccess":          {"sns:*"},
	"AmazonKinesisFullAccess":      {"kinesis:*"},
	"AmazonEventBridgeFullAccess":  {"events:*"},
	"AWSStepFunctionsFullAccess":   {"states:*"},
	"AWSLambda_FullAccess":         {"lambda:*"},
	"AWSLambdaRole":                {"lambda:InvokeFunction"},
	"SecretsManagerReadWrite":      {"secretsmanager:*"},
}

// managedStatements returns, for the edges only, what the well-known AWS
// managed policies in a role's ManagedPolicyArns allow. They are not added
// to the role's Statements, which hold what the templates write.
func managedStatements(role *app.Resource) []app.Statement {
	var out []app.Statement
	for _, arn := range role.Attr("managed_policies").Items() {
		text, ok := arn.String()
		if !ok {
			continue
		}
		_, name, found := strings.Cut(text, ":iam::aws:policy/")
		if !found {
			continue
		}
		name = name[strings.LastIndexByte(name, '/')+1:]
		if actions := awsManaged[name]; actions != nil {
			out = append(out, app.Statement{Effect: "Allow", Actions: actions, Resources: []*app.Node{app.Str("*", arn.Pos)},
				Policy: role.ID, Pos: arn.Pos})
		}
	}
	return out
}
