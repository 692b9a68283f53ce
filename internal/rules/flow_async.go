package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// asyncSourceKinds are the kinds of resource that invoke a function
// asynchronously (Lambda queues the event, retries twice, then drops it
// unless a DLQ or on-failure destination takes it).
var asyncSourceKinds = []app.Kind{
	app.KindBucket, app.KindTopic, app.KindRule, app.KindSchedule, app.KindIoTRule,
	app.KindLogGroup, app.KindLogSubscription, app.KindEventBus,
}

// asyncPrincipals are the service principals that invoke asynchronously,
// for triggers the loader derived from a Lambda permission.
var asyncPrincipals = []string{"s3", "sns", "events", "scheduler", "iot", "logs", "ses", "codecommit", "config", "cloudformation"}

// asyncTriggers returns the edges through which fn is invoked
// asynchronously, with their sources.
func asyncTriggers(c *Context, fn *app.Resource) (edges []app.Edge, srcs []*app.Resource) {
	for _, e := range c.In(fn, app.Triggers, app.Subscribes) {
		src := c.Peer(fn, e)
		if src == nil || src.Disabled {
			continue
		}
		if via := c.Graph.Resource(e.Via); via != nil && via.Kind == app.KindEventSourceMapping {
			continue // polled: failures go back to the source
		}
		async := slices.Contains(asyncSourceKinds, src.Kind)
		if p := e.Detail["principal"]; p != "" {
			svc, _, _ := strings.Cut(p, ".")
			async = slices.Contains(asyncPrincipals, svc)
		}
		if inv := e.Detail["invocation"]; inv != "" { // the loader knows best
			async = inv == "async"
		}
		if async {
			edges = append(edges, e)
			srcs = append(srcs, src)
		}
	}
	return edges, srcs
}

// kindName is how messages name a kind of resource.
func kindName(r *app.Resource) string {
	switch r.Kind {
	case app.KindBucket:
		return "S3 bucket"
	case app.KindTopic:
		return "SNS topic"
	case app.KindRule:
		return "EventBridge rule"
	case app.KindSchedule:
		return "schedule"
	case app.KindIoTRule:
		return "IoT rule"
	case app.KindLogGroup, app.KindLogSubscription:
		return "CloudWatch Logs subscription"
	case app.KindEventBus:
		return "event bus"
	case app.KindQueue:
		return "SQS queue"
	case app.KindTable:
		return "DynamoDB table"
	case app.KindStream:
		return "Kinesis stream"
	case app.KindStateMachine:
		return "state machine"
	case app.KindFunction:
		return "function"
	case app.KindAPI:
		return "API"
	case app.KindSubscription:
		return "SNS subscription"
	}
	return string(r.Kind)
}

func asyncFailureRule() *Rule {
	return &Rule{
		ID:       "async-failure-destination",
		Title:    "Asynchronously invoked function drops failed events",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "S3, SNS, EventBridge, schedules, IoT and CloudWatch Logs invoke a function " +
			"asynchronously: Lambda queues the event, retries it twice, and then drops it unless the " +
			"function has a dead-letter queue or an on-failure destination. Only functions that really " +
			"are invoked asynchronously in the template are checked: functions behind an API (synchronous) " +
			"or reading a queue or stream (polled, failures go back to the source) need neither, which " +
			"is where checkov's CKV_AWS_116, KICS, Guard's LAMBDA_DLQ_CHECK and cdk-nag's LambdaDLQ are noisy " +
			"(their suppressions carry over). Unlike serverless-rules " +
			"ES1007, the function is matched however it is referenced, and `DeadLetterQueue` counts.",
		Remediation: "Add `EventInvokeConfig.DestinationConfig.OnFailure` (SAM) or an " +
			"`AWS::Lambda::EventInvokeConfig` with `DestinationConfig.OnFailure`, or a `DeadLetterQueue` / " +
			"`DeadLetterConfig`, pointing at a queue someone watches.",
		Aliases: []string{
			"serverless-rules:ES1007",
			"cdk-nag:Serverless-LambdaAsyncFailureDestination",
			"cdk-nag:Serverless-LambdaDLQ",
			"checkov:CKV_AWS_116",
			"kics:Lambda Function Without Dead Letter Queue",
			"kics:Serverless Function Without Dead Letter Queue",
			"guard:LAMBDA_DLQ_CHECK",
			"tflint:aws_lambda_event_invoke_config_async_on_failure",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Failures:
    Type: AWS::SQS::Queue
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      EventInvokeConfig:
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !GetAtt Failures.Arn
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
`,
		Check: func(c *Context) {
			for _, fn := range c.Resources(app.KindFunction) {
				_, srcs := asyncTriggers(c, fn)
				if len(srcs) == 0 || hasAsyncFailureTarget(c, fn) {
					continue
				}
				var names []string
				for _, s := range srcs {
					name := s.ID
					if ev, ok := strings.CutPrefix(s.ID, fn.ID); ok && s.Implicit && ev != "" {
						name = "of its event " + ev // generated by SAM from the function's Events
					}
					names = append(names, fmt.Sprintf("%s %s", kindName(s), name))
				}
				names = slices.Compact(names)
				retries := "2"
				if v, ok := fn.Int(app.AttrAsyncMaxRetries); ok {
					retries = fmt.Sprint(v)
				}
				c.Report(Issue{
					Resource: fn,
					Related:  resourceIDs(srcs...),
					Message: fmt.Sprintf("function %s is invoked asynchronously by %s and has neither a DLQ nor an "+
						"on-failure destination: after %s retries a failed event is dropped without trace",
						fn.ID, strings.Join(names, ", "), retries),
				})
			}
		},
	}
}

// hasAsyncFailureTarget reports whether fn's failed asynchronous events go
// somewhere: a DLQ, an on-failure destination (of the function, not of a
// stream mapping), or a setting the loader could not resolve.
func hasAsyncFailureTarget(c *Context, fn *app.Resource) bool {
	if fn.Attr(app.AttrDeadLetterTarget) != nil || fn.Attr(app.AttrOnFailure) != nil ||
		fn.Props.Get("DeadLetterConfig") != nil || fn.Props.Get("DeadLetterQueue") != nil ||
		fn.Props.Path("EventInvokeConfig", "DestinationConfig", "OnFailure") != nil {
		return true
	}
	for _, e := range c.Out(fn, app.DeadLetter, app.OnFailure) {
		if via := c.Graph.Resource(e.Via); via != nil && via.Kind == app.KindEventSourceMapping {
			continue
		}
		return true
	}
	for _, eic := range c.Resources(app.KindEventInvokeConfig) {
		if eic.Text(app.AttrFunction) == fn.ID && (eic.Attr(app.AttrOnFailure) != nil ||
			eic.Props.Path("DestinationConfig", "OnFailure") != nil) {
			return true
		}
	}
	return false
}

func streamFailureRule() *Rule {
	return &Rule{
		ID:       "stream-failure-handling",
		Title:    "Stream mapping retries a failing batch until the records expire",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A Kinesis or DynamoDB stream mapping retries a failed batch in order, and by default " +
			"without limit (`MaximumRetryAttempts` and `MaximumRecordAgeInSeconds` -1): one poison record " +
			"blocks its shard until it expires from the stream (24 hours by default), and everything behind " +
			"it waits. Flagged: a stream mapping with no on-failure destination (records that give up are " +
			"lost), or with unbounded retries and record age and no `BisectBatchOnFunctionError`. Unlike " +
			"serverless-rules ES1001, SQS mappings are not checked: their failures are the queue's redrive " +
			"policy's job.",
		Remediation: "Set `MaximumRetryAttempts` (e.g. 3) or `MaximumRecordAgeInSeconds`, " +
			"`BisectBatchOnFunctionError: true`, `DestinationConfig.OnFailure` to a queue or topic, and " +
			"`FunctionResponseTypes: [ReportBatchItemFailures]`.",
		Aliases: []string{
			"serverless-rules:ES1001",
			"cdk-nag:Serverless-LambdaEventSourceMappingDestination",
			"tflint:aws_lambda_event_source_mapping_failure_destination",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Analytics:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: LATEST
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Failed:
    Type: AWS::SQS::Queue
  Analytics:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: LATEST
            MaximumRetryAttempts: 3
            BisectBatchOnFunctionError: true
            FunctionResponseTypes: [ReportBatchItemFailures]
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt Failed.Arn
`,
		Check: func(c *Context) {
			for _, m := range mappings(c) {
				if m.typ != "kinesis" && m.typ != "dynamodb" {
					continue
				}
				probs := streamProblems(c, m)
				if len(probs) == 0 {
					continue
				}
				pos := m.esm.Pos
				effect := "records that use up their retries are dropped without trace"
				if unbounded := strings.HasPrefix(probs[len(probs)-1], "retries"); unbounded {
					effect = "one poison record blocks its shard until it expires from the stream"
					pos = posOr(value(m.esm, app.AttrMaxRetries, "MaximumRetryAttempts"), pos)
				}
				c.Report(Issue{
					Resource: m.owner(),
					Pos:      pos,
					Related:  m.related(),
					Message: fmt.Sprintf("%s (%s stream of %s) %s: %s",
						m.name(), m.typ, srcName(m), strings.Join(probs, ", and "), effect),
				})
			}
		},
	}
}

func srcName(m mapping) string {
	if m.src == nil {
		return m.esm.Text(app.AttrSource)
	}
	return m.src.ID
}

// streamProblems says what is missing from a stream mapping's failure
// handling; nil when nothing is, or when unresolved values leave it open.
func streamProblems(c *Context, m mapping) []string {
	var probs []string
	hasDest := m.esm.Attr(app.AttrOnFailure) != nil || m.esm.Props.Path("DestinationConfig", "OnFailure") != nil
	if m.fn != nil {
		for _, e := range c.Out(m.fn, app.OnFailure) {
			if e.Via == m.esm.ID {
				hasDest = true
			}
		}
	}
	if !hasDest {
		probs = append(probs, "has no on-failure destination")
	}
	rn := value(m.esm, app.AttrMaxRetries, "MaximumRetryAttempts")
	an := value(m.esm, app.AttrMaxRecordAge, "MaximumRecordAgeInSeconds")
	bn := value(m.esm, app.AttrBisect, "BisectBatchOnFunctionError")
	retries, rok := int64(-1), true
	if rn != nil {
		retries, rok = rn.Int64()
	}
	age, aok := int64(-1), true
	if an != nil {
		age, aok = an.Int64()
	}
	bisect, bok := false, true
	if bn != nil {
		bisect, bok = bn.Truth()
	}
	if rok && aok && bok && retries == -1 && age == -1 && !bisect {
		probs = append(probs, fmt.Sprintf("retries without limit (MaximumRetryAttempts -1%s, MaximumRecordAgeInSeconds -1%s, no BisectBatchOnFunctionError)",
			dflt(rn), dflt(an)))
	}
	return probs
}

func destinationPermissionRule() *Rule {
	return &Rule{
		ID:       "destination-permission",
		Title:    "Failure destination does not let the sender in",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A DLQ or destination only helps when the sender may write to it. Lambda sends a " +
			"function's dead letters and its asynchronous and stream-mapping destinations with the " +
			"function's execution role, so the role needs `sqs:SendMessage`, `sns:Publish`, " +
			"`lambda:InvokeFunction` or `events:PutEvents` on it; EventBridge rules and SNS subscriptions " +
			"send to their DLQ as the service, so the queue's policy must allow `events.amazonaws.com` or " +
			"`sns.amazonaws.com`. Without it the failed event is dropped just when it matters, with no error " +
			"at deploy time. Roles that are imported or carry managed policies other than Lambda's " +
			"execution policies are not judged.",
		Remediation: "Grant the send on the destination: SAM adds it for `DeadLetterQueue` and " +
			"`EventInvokeConfig`; with plain CloudFormation add a role statement, or an " +
			"`AWS::SQS::QueuePolicy` allowing the service principal with an `aws:SourceArn` condition.",
		Fail: `Resources:
  Failures:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
      DeadLetterConfig:
        TargetArn: !GetAtt Failures.Arn
`,
		Pass: `Resources:
  Failures:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: dlq
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !GetAtt Failures.Arn
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
      DeadLetterConfig:
        TargetArn: !GetAtt Failures.Arn
`,
		Check: func(c *Context) {
			for _, e := range c.Graph.Edges {
				if e.Kind != app.DeadLetter && e.Kind != app.OnFailure && e.Kind != app.OnSuccess {
					continue
				}
				from, to := c.Graph.Resource(e.From), c.Graph.Resource(e.To)
				if from == nil || to == nil || from.Disabled || to.Disabled {
					continue
				}
				action := sendAction(to.Kind)
				if action == "" {
					continue
				}
				switch from.Kind {
				case app.KindFunction:
					if !roleJudgeable(c, from) || roleGrants(c, from, to, action) {
						continue
					}
					c.Report(Issue{
						Resource: from,
						Pos:      e.Pos,
						Related:  []string{to.ID},
						Message: fmt.Sprintf("function %s sends its %s to %s, but its role does not allow %s on it: "+
							"failed events are dropped", from.ID, destWord(e.Kind), to.ID, action),
					})
				case app.KindRule, app.KindSchedule, app.KindSubscription, app.KindTopic:
					principal := "events.amazonaws.com"
					if from.Kind == app.KindSubscription || from.Kind == app.KindTopic {
						principal = "sns.amazonaws.com"
					}
					if from.Kind == app.KindSchedule || strings.HasPrefix(from.Type, "AWS::Scheduler::") {
						continue // EventBridge Scheduler sends with the schedule's role
					}
					if policyAllows(to, principal, action) {
						continue
					}
					c.Report(Issue{
						Resource: from,
						Pos:      e.Pos,
						Related:  []string{to.ID},
						Message: fmt.Sprintf("%s %s sends undeliverable events to %s, but no policy on %s allows %s to %s: "+
							"they are dropped", kindName(from), from.ID, to.ID, to.ID, principal, action),
					})
				}
			}
		},
	}
}

func destWord(k app.EdgeKind) string {
	switch k {
	case app.DeadLetter:
		return "dead letters"
	case app.OnSuccess:
		return "successful results"
	}
	return "failed events"
}

// sendAction is the IAM action that delivers to a destination of kind k.
func sendAction(k app.Kind) string {
	switch k {
	case app.KindQueue:
		return "sqs:SendMessage"
	case app.KindTopic:
		return "sns:Publish"
	case app.KindFunction:
		return "lambda:InvokeFunction"
	case app.KindEventBus:
		return "events:PutEvents"
	}
	return ""
}

// harmlessManaged are managed policies that grant no sending: a role
// holding only these is fully described by its statements.
var harmlessManaged = []string{
	"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSLambdaVPCAccessExecutionRole",
	"AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
	"AWSLambdaBasicDurableExecutionRolePolicy", "CloudWatchLambdaInsightsExecutionRolePolicy",
}

// roleJudgeable reports whether every permission of fn's roles is in the
// graph: the roles are templates' own and attach no managed policy that
// could grant more.
func roleJudgeable(c *Context, fn *app.Resource) bool {
	_, complete := roleStatements(c, fn)
	if !complete {
		return false
	}
	for _, e := range c.Out(fn, app.UsesRole) {
		role := c.Peer(fn, e)
		mp := role.Attr("managed_policies")
		if mp == nil {
			mp = role.Props.Get("ManagedPolicyArns")
		}
		for _, it := range mp.Items() {
			s, ok := it.String()
			if !ok {
				return false
			}
			base := s[strings.LastIndexByte(s, '/')+1:]
			if !slices.Contains(harmlessManaged, base) {
				return false
			}
		}
	}
	return true
}

// roleGrants reports whether fn's roles allow action on to: a write or
// invoke edge the loader drew from the grant, or a statement naming it.
func roleGrants(c *Context, fn, to *app.Resource, action string) bool {
	for _, e := range c.Out(fn, app.Writes, app.Invokes) {
		if e.To != to.ID || !strings.HasPrefix(e.Via, "iam:") {
			continue
		}
		acts := strings.Split(e.Detail["actions"], ",")
		acts = append(acts, strings.TrimPrefix(e.Via, "iam:"))
		for _, a := range acts {
			if actionMatches(a, action) {
				return true
			}
		}
	}
	stmts, _ := roleStatements(c, fn)
	for _, s := range stmts {
		if !allows(s, action) {
			continue
		}
		for _, r := range s.Resources {
			if y, ok := refersTo(r, to.ID); ok && y {
				return true
			}
			if p, ok := pattern(r); ok && p == "*" {
				return true
			}
			if _, isText := r.String(); !isText {
				if _, _, fn := r.Intrinsic(); fn {
					if _, ok := refersTo(r, to.ID); !ok {
						return true // cannot tell what it names: give the benefit of the doubt
					}
				}
			}
		}
	}
	return false
}

// policyAllows reports whether a resource policy on r lets principal (a
// service) do action; a policy the loader could not read counts as
// allowing.
func policyAllows(r *app.Resource, principal, action string) bool {
	for _, s := range r.Statements {
		if !allows(s, action) {
			continue
		}
		if s.Principals == nil {
			return true
		}
		for typ, vals := range s.Principals {
			if typ == "*" {
				return true
			}
			for _, v := range vals {
				if v == "*" || v == principal || strings.HasPrefix(v, "{") {
					return true
				}
				if typ == "AWS" {
					return true // an account principal: not ours to judge
				}
			}
		}
	}
	return false
}
