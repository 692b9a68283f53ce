package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// pollRules are cross-resource rules of §8.1 that no other tool has: an
// async configuration that throws events away before Lambda's own retries
// run, and an event source mapping whose role cannot read its source.
func pollRules() []*Rule {
	return []*Rule{asyncEventAgeRule(), eventSourcePermissionRule()}
}

// asyncRetryWaits are the pauses Lambda makes before each retry of a
// failed asynchronous event: about one minute, then two.
var asyncRetryWaits = []int64{60, 120}

func asyncEventAgeRule() *Rule {
	return &Rule{
		ID:       "async-event-age",
		Title:    "Async events expire before Lambda's retries can run",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "Lambda retries a failed asynchronous event after about one minute and again after " +
			"two more, and discards any event older than `MaximumEventAgeInSeconds`. When that age is " +
			"shorter than the time the configured retries need (each attempt can last the function's " +
			"timeout, plus the waits), the later retries never happen: the event goes to the failure " +
			"destination, or is dropped, with fewer attempts than `MaximumRetryAttempts` promises. " +
			"Defaults (2 retries, 6 hours) are always consistent; only written values are checked.",
		Remediation: "Raise `MaximumEventAgeInSeconds` above the retry window in the message, or lower " +
			"`MaximumRetryAttempts` to what the age allows.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Timeout: 30
      EventInvokeConfig:
        MaximumEventAgeInSeconds: 120
        MaximumRetryAttempts: 2
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Timeout: 30
      EventInvokeConfig:
        MaximumEventAgeInSeconds: 600
        MaximumRetryAttempts: 2
`,
		Check: func(c *Context) {
			for _, fn := range c.Resources(app.KindFunction) {
				age, ageNode, ok := intAttr(fn, app.AttrAsyncMaxEventAge, 21600)
				if !ok || IsDefault(ageNode) {
					continue
				}
				retries, _, ok := intAttr(fn, app.AttrAsyncMaxRetries, 2)
				if !ok || retries <= 0 {
					continue
				}
				timeout, _, ok := functionTimeout(fn)
				if !ok {
					continue
				}
				// The last retry starts after every earlier attempt has run
				// (up to the timeout) and every wait has passed.
				var need int64
				for i := int64(0); i < min(retries, int64(len(asyncRetryWaits))); i++ {
					need += timeout + asyncRetryWaits[i]
				}
				if age >= need {
					continue
				}
				runs := int64(0)
				var at int64
				for i := int64(0); i < min(retries, int64(len(asyncRetryWaits))); i++ {
					at += timeout + asyncRetryWaits[i]
					if at <= age {
						runs++
					}
				}
				fate := "dropped"
				if hasAsyncFailureTarget(c, fn) {
					fate = "sent to the failure destination"
				}
				c.Report(Issue{Resource: fn, At: ageNode,
					Message: fmt.Sprintf("function %s discards async events after %d s, but its %d retries need up to %d s "+
						"(timeout %d s per attempt, waits of about 60 and 120 s): only %d retr%s can run before an event is %s",
						fn.Display(), age, retries, need, timeout, runs, map[bool]string{true: "y", false: "ies"}[runs == 1], fate)})
			}
		},
	}
}

// pollActions are what Lambda needs on each kind of source to poll it.
var pollActions = map[string][]string{
	"sqs":      {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
	"kinesis":  {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"},
	"dynamodb": {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"},
}

// pollManaged are the AWS managed policies that grant polling, by source
// type ("*" for every type).
var pollManaged = map[string][]string{
	"AWSLambdaSQSQueueExecutionRole": {"sqs"}, "AmazonSQSFullAccess": {"sqs"},
	"AWSLambdaKinesisExecutionRole": {"kinesis"}, "AmazonKinesisFullAccess": {"kinesis"},
	"AWSLambdaDynamoDBExecutionRole": {"dynamodb"}, "AmazonDynamoDBFullAccess": {"dynamodb"},
	"AWSLambdaInvocation-DynamoDB": {"dynamodb"},
	"AdministratorAccess":          {"*"}, "PowerUserAccess": {"*"},
}

// pollGrantless are managed policies known to grant no polling.
var pollGrantless = []string{
	"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSLambdaVPCAccessExecutionRole",
	"CloudWatchLambdaInsightsExecutionRolePolicy", "AWSLambdaBasicDurableExecutionRolePolicy",
}

func eventSourcePermissionRule() *Rule {
	return &Rule{
		ID:       "event-source-permission",
		Title:    "Function's role cannot read its event source",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "Lambda polls an SQS queue, Kinesis stream or DynamoDB stream with the function's own " +
			"role, and checks the permissions when the mapping is created: a role without " +
			"`sqs:ReceiveMessage`, `sqs:DeleteMessage` and `sqs:GetQueueAttributes` (or the stream " +
			"read actions) makes the deploy fail, and one that loses them later stops the processing. " +
			"Every statement of the role counts, on the source or a pattern that may match it, and so " +
			"do the managed policies that grant polling (`AWSLambdaSQSQueueExecutionRole` and the " +
			"Kinesis and DynamoDB ones, which SAM attaches for a function's events). Roles that are " +
			"imported, or carry managed policies fnops cannot read, are not judged.",
		Remediation: "Allow the actions in the message on the source's ARN (`!GetAtt Queue.Arn`, " +
			"`!GetAtt Table.StreamArn`), or attach `AWSLambdaSQSQueueExecutionRole` (Kinesis, DynamoDB: " +
			"the matching execution role policy).",
		Fail: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Policies:
        - PolicyName: jobs
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: sqs:ReceiveMessage, Resource: !GetAtt Jobs.Arn}
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !GetAtt Role.Arn
  WorkerJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
`,
		Pass: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: jobs
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
                Resource: !GetAtt Jobs.Arn
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !GetAtt Role.Arn
  WorkerJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
`,
		Check: func(c *Context) {
			for _, m := range mappings(c) {
				need := pollActions[m.typ]
				if need == nil {
					continue
				}
				stmts, judgeable := pollStatements(c, m)
				if !judgeable {
					continue
				}
				var missing []string
				for _, a := range need {
					if !slices.ContainsFunc(stmts, func(s app.Statement) bool { return allowsOn(s, a, m) }) {
						missing = append(missing, a)
					}
				}
				if len(missing) == 0 {
					continue
				}
				what := map[string]string{"sqs": "poll queue", "kinesis": "read stream", "dynamodb": "read the stream of table"}[m.typ]
				src := m.esm.Text(app.AttrSource)
				if m.src != nil {
					src = m.src.ID
				}
				c.Report(Issue{Resource: m.owner(), Related: m.related(),
					Message: fmt.Sprintf("the role of function %s cannot %s %s for %s: it lacks %s, so creating the mapping fails",
						m.fn.ID, what, src, m.name(), strings.Join(missing, ", "))})
			}
		},
	}
}

// pollStatements returns the statements of the function's roles and
// whether they are all there is to know: false when a role is outside the
// graph or has a managed policy whose grants fnops does not know. A
// managed policy that grants polling of the mapping's source type is
// returned as a statement on "*".
func pollStatements(c *Context, m mapping) ([]app.Statement, bool) {
	stmts, complete := roleStatements(c, m.fn)
	if !complete {
		return nil, false
	}
	for _, e := range c.Out(m.fn, app.UsesRole) {
		role := c.Peer(m.fn, e)
		mp := role.Attr("managed_policies")
		if mp == nil {
			mp = role.Props.Get("ManagedPolicyArns")
		}
		for _, it := range mp.Items() {
			name := managedName(it)
			if types, ok := pollManaged[name]; ok {
				if slices.Contains(types, "*") || slices.Contains(types, m.typ) {
					stmts = append(stmts, app.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []*app.Node{app.Str("*", it.Pos)}})
				}
				continue
			}
			if name == "" || !slices.Contains(pollGrantless, name) {
				if it.Origin == app.Derived && slices.Contains(samAutomatic, name) {
					continue
				}
				return nil, false // a customer managed policy, or one not known
			}
		}
	}
	return stmts, true
}

// allowsOn reports whether s allows action on the mapping's source (or on
// something that may be it).
func allowsOn(s app.Statement, action string, m mapping) bool {
	if !allows(s, action) {
		return false
	}
	if len(s.NotResources) > 0 {
		return true
	}
	srcID := ""
	if m.src != nil {
		srcID = m.src.ID
	}
	srcARN := m.esm.Text(app.AttrSource)
	for _, r := range s.Resources {
		if isStar(r) {
			return true
		}
		if srcID != "" {
			if y, ok := refersTo(r, srcID); ok {
				if y {
					return true
				}
				continue // names another resource
			}
		}
		p, ok := pattern(r)
		if !ok {
			return true // cannot tell what it names: benefit of the doubt
		}
		switch {
		case srcARN != "" && strings.HasPrefix(srcARN, "arn:"):
			if actionMatches(p, srcARN) {
				return true
			}
		case m.src != nil && m.src.Name != "":
			fields := strings.SplitN(p, ":", 6)
			if len(fields) < 6 {
				return true // not an ARN: cannot tell
			}
			want := map[string]string{"sqs": m.src.Name, "kinesis": "stream/" + m.src.Name,
				"dynamodb": "table/" + m.src.Name + "/stream/\x00"}[m.typ]
			if actionMatches(fields[5], want) {
				return true
			}
		default:
			if strings.ContainsAny(p, "*?") {
				return true // a pattern that may cover a resource with a generated name
			}
		}
	}
	return false
}
