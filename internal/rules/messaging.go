package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// messagingRules are the rules about queues, topics, event buses and
// streams: who may use them, and how their data is protected.
func messagingRules() []*Rule {
	return []*Rule{
		publicPolicyRule(publicPolicy{
			id: "sqs-policy-public", kind: app.KindQueue, noun: "queue",
			aliases: []string{"kics:SQS Policy With Public Access"},
			fail: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Jobs.Arn
`,
			pass: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Jobs.Arn
            Condition:
              ArnEquals:
                aws:SourceArn: arn:aws:sns:eu-west-1:123456789012:jobs
`,
		}),
		publicPolicyRule(publicPolicy{
			id: "sns-policy-public", kind: app.KindTopic, noun: "topic",
			aliases: []string{"kics:SNS Topic is Publicly Accessible"},
			fail: `Resources:
  Alerts:
    Type: AWS::SNS::Topic
  AlertsPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Alerts]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: sns:Publish
            Resource: !Ref Alerts
`,
			pass: `Resources:
  Alerts:
    Type: AWS::SNS::Topic
  AlertsPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Alerts]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: sns:Publish
            Resource: !Ref Alerts
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
`,
		}),
		eventBusPolicyRule(),
		tlsOnlyRule(app.KindQueue, "sqs-tls-only", "queue", "SQS", []string{"cdk-nag:AwsSolutions-SQS4"}),
		tlsOnlyRule(app.KindTopic, "sns-tls-only", "topic", "SNS", []string{"cdk-nag:AwsSolutions-SNS3"}),
		wildcardActionRule(),
		allowNotRule(),
		snsKMSRule(),
		kinesisSSERule(),
		kinesisCMKRule(),
		snsManagedKeyRule(),
	}
}

// publicPolicy describes one "resource policy open to everyone" rule.
type publicPolicy struct {
	id      string
	kind    app.Kind
	noun    string
	aliases []string
	extra   string // description, appended
	fail    string
	pass    string
}

func publicPolicyRule(p publicPolicy) *Rule {
	return &Rule{
		ID:       p.id,
		Title:    fmt.Sprintf("The %s policy lets anyone in", p.noun),
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: fmt.Sprintf("A %s policy statement that allows `Principal: \"*\"` (or `AWS: \"*\"`) lets "+
			"every AWS account, and for some actions anonymous callers, use the %s. A statement counts as "+
			"restricted, as IAM Access Analyzer counts it, when a condition pins `aws:SourceArn`, "+
			"`aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`, "+
			"`aws:SourceIp` or a similar key to a value that is not a wildcard. Conditions that cannot be "+
			"read (a parameter) are given the benefit of the doubt.", p.noun, p.noun) + p.extra,
		Remediation: "Name the principals (an account, a role, a service) or add a condition on " +
			"`aws:SourceArn`, `aws:SourceAccount` or `aws:PrincipalOrgID`.",
		Aliases: p.aliases,
		Fail:    p.fail,
		Pass:    p.pass,
		Check: func(c *Context) {
			for _, r := range c.Resources(p.kind) {
				for _, s := range policyStatements(c, r) {
					if publicStatement(s) {
						c.Report(Issue{Resource: r, Pos: s.Pos, Related: []string{s.Policy},
							Message: fmt.Sprintf("%s %s: policy %s allows anyone %s", p.noun, label(r), s.Policy, actionList(s))})
					}
				}
			}
		},
	}
}

func eventBusPolicyRule() *Rule {
	return &Rule{
		ID:       "event-bus-policy-public",
		Title:    "The event bus policy lets any account put events",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "An event bus policy (`AWS::Events::EventBusPolicy`, or an event bus's `Policy`) that " +
			"allows `Principal: \"*\"` without a condition on `aws:PrincipalOrgID` or a similar key lets " +
			"every AWS account put events on the bus, and so trigger whatever its rules start.",
		Remediation: "Allow named accounts, or add `Condition: {StringEquals: {aws:PrincipalOrgID: o-...}}` " +
			"(the legacy form: `Condition: {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-...}`).",
		Aliases: []string{"cdk-nag:AwsSolutions-EVB1"},
		Fail: `Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: shop
  Open:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref Bus
      StatementId: everyone
      Action: events:PutEvents
      Principal: "*"
`,
		Pass: `Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: shop
  Org:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref Bus
      StatementId: organization
      Action: events:PutEvents
      Principal: "*"
      Condition:
        Type: StringEquals
        Key: aws:PrincipalOrgID
        Value: o-a1b2c3d4e5
`,
		Check: func(c *Context) {
			for _, r := range ofType(c, "AWS::Events::EventBusPolicy") {
				p := r.Props
				var ss []app.Statement
				if st := p.Get("Statement"); st.IsMap() {
					ss = []app.Statement{nodeStatement(st)}
				} else if pr := p.Get("Principal"); pr != nil {
					s := app.Statement{Effect: "Allow", Actions: p.Get("Action").Strings(),
						Principals: nodePrincipals(pr), Pos: r.Pos}
					if cond := p.Get("Condition"); cond.IsMap() {
						s.Condition = legacyCondition(cond)
					}
					ss = []app.Statement{s}
				}
				reportPublicBus(c, r, targetOf(c, r, p.Get("EventBusName")), ss)
			}
			for _, b := range c.Resources(app.KindEventBus) {
				reportPublicBus(c, b, nil, nodeStatements(b.Props.Get("Policy")))
			}
		},
	}
}

// legacyCondition turns an EventBusPolicy's {Type, Key, Value} condition
// into the IAM form.
func legacyCondition(cond *app.Node) *app.Node {
	if _, _, ok := cond.Intrinsic(); ok {
		return cond
	}
	op, key := cond.Get("Type").Text(), cond.Get("Key").Text()
	if op == "" || key == "" {
		return cond
	}
	inner := app.NewMap(cond.Pos)
	inner.Set(key, cond.Get("Value"))
	out := app.NewMap(cond.Pos)
	out.Set(op, inner)
	return out
}

func reportPublicBus(c *Context, r, bus *app.Resource, ss []app.Statement) {
	for _, s := range ss {
		if !publicStatement(s) {
			continue
		}
		name := "the default event bus"
		if bus != nil {
			name = "event bus " + label(bus)
		} else if r.Kind == app.KindEventBus {
			name = "event bus " + label(r)
		}
		pos := s.Pos
		if !pos.Known() {
			pos = r.Pos
		}
		c.Report(Issue{Resource: r, Pos: pos, Related: resourceIDs(bus),
			Message: fmt.Sprintf("%s lets any AWS account %s", name, actionList(s))})
	}
}

func tlsOnlyRule(kind app.Kind, id, noun, svc string, aliases []string) *Rule {
	action := map[app.Kind]string{app.KindQueue: "sqs:*", app.KindTopic: "sns:Publish", app.KindBucket: "s3:*"}[kind]
	typ := map[app.Kind]string{app.KindQueue: "AWS::SQS::Queue", app.KindTopic: "AWS::SNS::Topic", app.KindBucket: "AWS::S3::Bucket"}[kind]
	policyTyp := map[app.Kind]string{app.KindQueue: "AWS::SQS::QueuePolicy", app.KindTopic: "AWS::SNS::TopicPolicy", app.KindBucket: "AWS::S3::BucketPolicy"}[kind]
	listKey := map[app.Kind]string{app.KindQueue: "Queues: [!Ref Store]", app.KindTopic: "Topics: [!Ref Store]", app.KindBucket: "Bucket: !Ref Store"}[kind]
	res := map[app.Kind]string{app.KindQueue: "!GetAtt Store.Arn", app.KindTopic: "!Ref Store", app.KindBucket: `!Sub "${Store.Arn}/*"`}[kind]
	return &Rule{
		ID:       id,
		Title:    fmt.Sprintf("The %s policy does not require TLS", noun),
		Severity: app.SevWarning,
		Category: CategorySecurity,
		OptIn:    true,
		Description: fmt.Sprintf("%s accepts plain-HTTP requests unless the %s's policy denies those with "+
			"`aws:SecureTransport: false`. AWS SDKs use HTTPS anyway, so this is defence in depth that many "+
			"compliance frameworks ask for; opt-in, since a %s without a policy is the common, working case.", svc, noun, noun),
		Remediation: fmt.Sprintf("Add a statement to the %s policy: `Effect: Deny`, `Principal: \"*\"`, `Action: %s`, "+
			"`Condition: {Bool: {aws:SecureTransport: false}}`.", noun, action),
		Aliases: aliases,
		Fail: fmt.Sprintf(`Resources:
  Store:
    Type: %s
`, typ),
		Pass: fmt.Sprintf(`Resources:
  Store:
    Type: %s
  StorePolicy:
    Type: %s
    Properties:
      %s
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: %s
            Resource: %s
            Condition:
              Bool:
                aws:SecureTransport: false
`, typ, policyTyp, listKey, action, res),
		Check: func(c *Context) {
			for _, r := range c.Resources(kind) {
				if !denyInsecureTransport(policyStatements(c, r)) {
					c.Reportf(r, nil, "%s %s has no policy statement denying requests without TLS", noun, label(r))
				}
			}
		},
	}
}

// policyKinds are the kinds whose resource policies the generic policy
// rules read.
var policyKinds = []app.Kind{app.KindBucket, app.KindQueue, app.KindTopic}

func wildcardActionRule() *Rule {
	return &Rule{
		ID:       "resource-policy-wildcard-action",
		Title:    "A bucket, queue or topic policy allows every action",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A resource policy statement that allows `*` or `<service>:*` gives the principal every " +
			"action on the resource, including deleting it and rewriting its policy, where it needed one or " +
			"two. Statements open to everyone are reported by the public-policy rules instead.",
		Remediation: "List the actions the principal needs (for a queue fed by SNS: `sqs:SendMessage`).",
		Fail: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:root}
            Action: sqs:*
            Resource: !GetAtt Jobs.Arn
`,
		Pass: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:root}
            Action: [sqs:SendMessage]
            Resource: !GetAtt Jobs.Arn
`,
		Check: func(c *Context) {
			for _, r := range c.Resources(policyKinds...) {
				for _, s := range policyStatements(c, r) {
					if !isAllowStatement(s) || publicStatement(s) {
						continue
					}
					for _, a := range s.Actions {
						if serviceWide(a) {
							c.Report(Issue{Resource: r, Pos: s.Pos, Related: []string{s.Policy},
								Message: fmt.Sprintf("%s %s: policy %s allows %s", kindWord(r), label(r), s.Policy, a)})
							break
						}
					}
				}
			}
		},
	}
}

// kindWord is the short noun of a bucket, queue or topic.
func kindWord(r *app.Resource) string {
	switch r.Kind {
	case app.KindBucket:
		return "bucket"
	case app.KindQueue:
		return "queue"
	case app.KindTopic:
		return "topic"
	}
	return string(r.Kind)
}

func allowNotRule() *Rule {
	return &Rule{
		ID:       "resource-policy-allow-not",
		Title:    "A bucket, queue or topic policy allows with NotAction or NotPrincipal",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "`Effect: Allow` with `NotAction` allows every action but the listed ones, today's and " +
			"those AWS adds later; with `NotPrincipal` it allows everyone but the listed principals. Both grant " +
			"far more than they read as.",
		Remediation: "Use `Action` and `Principal` with the actions and principals meant.",
		Aliases: []string{
			"kics:SNS Topic Publicity Has Allow and NotAction Simultaneously",
		},
		Fail: `Resources:
  Alerts:
    Type: AWS::SNS::Topic
  AlertsPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Alerts]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:root}
            NotAction: sns:DeleteTopic
            Resource: !Ref Alerts
`,
		Pass: `Resources:
  Alerts:
    Type: AWS::SNS::Topic
  AlertsPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Alerts]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:root}
            Action: sns:Publish
            Resource: !Ref Alerts
`,
		Check: func(c *Context) {
			for _, r := range c.Resources(policyKinds...) {
				for _, s := range policyStatements(c, r) {
					if !isAllowStatement(s) {
						continue
					}
					var what []string
					if len(s.NotActions) > 0 {
						what = append(what, "NotAction "+strings.Join(s.NotActions, ", "))
					}
					if len(s.NotPrincipals) > 0 {
						what = append(what, "NotPrincipal")
					}
					if len(what) > 0 {
						c.Report(Issue{Resource: r, Pos: s.Pos, Related: []string{s.Policy},
							Message: fmt.Sprintf("%s %s: policy %s allows with %s", kindWord(r), label(r), s.Policy, strings.Join(what, " and "))})
					}
				}
			}
		},
	}
}

func snsKMSRule() *Rule {
	return &Rule{
		ID:       "sns-kms",
		Title:    "Topic is not encrypted at rest",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "Unlike SQS, SNS does not encrypt topics unless `KmsMasterKeyId` is set. Messages wait " +
			"in the topic while SNS delivers them, retries included. The AWS managed key (`alias/aws/sns`) " +
			"is enough for this rule; but AWS services that publish to a topic (CloudWatch alarms, " +
			"EventBridge, S3) need a customer managed key whose policy lets them use it " +
			"(`sns-managed-key-service-publisher`).",
		Remediation: "Set `KmsMasterKeyId` (`alias/aws/sns`, or a customer managed key when AWS services " +
			"publish to the topic).",
		Aliases: []string{
			"checkov:CKV_AWS_26",
			"kics:SNS Topic Without KmsMasterKeyId",
		},
		Fail: `Resources:
  Orders:
    Type: AWS::SNS::Topic
`,
		Pass: `Resources:
  Orders:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
`,
		Check: func(c *Context) {
			for _, t := range c.Resources(app.KindTopic) {
				if sse := value(t, app.AttrSSE); sse.Text() == "none" || (sse == nil && t.Props.Get("KmsMasterKeyId") == nil) {
					c.Reportf(t, nil, "topic %s is not encrypted at rest (no KmsMasterKeyId)", label(t))
				}
			}
		},
	}
}

func kinesisSSERule() *Rule {
	return &Rule{
		ID:       "kinesis-sse",
		Title:    "Kinesis stream is not encrypted at rest",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A Kinesis data stream keeps records for a day or more and, unlike SQS or DynamoDB, is " +
			"not encrypted unless `StreamEncryption` says so. Encryption with the AWS managed key costs " +
			"nothing extra to set up and is transparent to producers and consumers with `kms:GenerateDataKey`/" +
			"`kms:Decrypt` on it (the managed key allows every principal of the account).",
		Remediation: "Add `StreamEncryption: {EncryptionType: KMS, KeyId: alias/aws/kinesis}` (or a customer " +
			"managed key).",
		Aliases: []string{
			"checkov:CKV_AWS_43",
			"kics:Kinesis SSE Not Configured",
			"cdk-nag:AwsSolutions-KDS1",
		},
		Fail: `Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
`,
		Pass: `Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
      StreamEncryption:
        EncryptionType: KMS
        KeyId: alias/aws/kinesis
`,
		Check: func(c *Context) {
			for _, s := range c.Resources(app.KindStream) {
				enc := s.Props.Path("StreamEncryption", "EncryptionType")
				if enc != nil && !enc.IsScalar() {
					continue
				}
				if !strings.EqualFold(enc.Text(), "KMS") {
					c.Report(Issue{Resource: s, At: enc, Message: fmt.Sprintf("stream %s is not encrypted at rest", label(s))})
				}
			}
		},
	}
}

func kinesisCMKRule() *Rule {
	return &Rule{
		ID:       "kinesis-cmk",
		Title:    "Kinesis stream is encrypted with the AWS managed key",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "`alias/aws/kinesis` encrypts the stream, but its key policy cannot be changed: every " +
			"principal of the account with Kinesis access can read the data, and the key cannot be shared " +
			"with another account. Opt-in, for teams whose policy asks for customer managed keys.",
		Remediation: "Create an `AWS::KMS::Key` and set `StreamEncryption.KeyId` to it.",
		Aliases:     []string{"cdk-nag:AwsSolutions-KDS3"},
		Fail: `Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
      StreamEncryption:
        EncryptionType: KMS
        KeyId: alias/aws/kinesis
`,
		Pass: `Resources:
  Key:
    Type: AWS::KMS::Key
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
      StreamEncryption:
        EncryptionType: KMS
        KeyId: !Ref Key
`,
		Check: func(c *Context) {
			for _, s := range c.Resources(app.KindStream) {
				key := s.Props.Path("StreamEncryption", "KeyId")
				if strings.EqualFold(s.Props.Path("StreamEncryption", "EncryptionType").Text(), "KMS") && key.IsScalar() &&
					strings.EqualFold(key.Text(), "alias/aws/kinesis") {
					c.Report(Issue{Resource: s, At: key, Message: fmt.Sprintf("stream %s uses the AWS managed key alias/aws/kinesis", label(s))})
				}
			}
		},
	}
}

// managedSNSKey reports whether a KmsMasterKeyId names the AWS managed
// key of SNS.
func managedSNSKey(n *app.Node) bool {
	s, ok := n.String()
	return ok && (s == "alias/aws/sns" || strings.HasSuffix(s, ":alias/aws/sns"))
}

// servicePublishers indexes, by scope and local id of the topic, the
// resources through which an AWS service publishes to a topic: CloudWatch
// alarms with it among their actions, EventBridge rules targeting it,
// buckets notifying it.
func servicePublishers(c *Context) map[[2]string][]*app.Resource {
	out := map[[2]string][]*app.Resource{}
	for _, r := range c.Resources(app.KindAlarm, app.KindRule, app.KindBucket) {
		var refs []*app.Node
		switch r.Kind {
		case app.KindAlarm:
			refs = append(refs, r.Props.Get("AlarmActions"), r.Props.Get("OKActions"), r.Props.Get("InsufficientDataActions"))
		case app.KindRule:
			for _, tg := range r.Props.Get("Targets").Items() {
				refs = append(refs, tg.Get("Arn"))
			}
		case app.KindBucket:
			for _, tc := range r.Props.Path("NotificationConfiguration", "TopicConfigurations").Items() {
				refs = append(refs, tc.Get("Topic"))
			}
		}
		seen := map[string]bool{}
		for _, n := range refs {
			mentionedIDs(n, func(id string) {
				if !seen[id] {
					seen[id] = true
					k := [2]string{scope(r), id}
					out[k] = append(out[k], r)
				}
			})
		}
	}
	return out
}

func snsManagedKeyRule() *Rule {
	return &Rule{
		ID:       "sns-managed-key-service-publisher",
		Title:    "AWS services cannot publish to a topic encrypted with the AWS managed key",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A topic encrypted with `alias/aws/sns` can be published to only by principals of the " +
			"account: the managed key's policy cannot be changed to let CloudWatch, EventBridge or S3 use it. " +
			"An alarm whose action is such a topic goes into ALARM and nobody is told; EventBridge and S3 " +
			"deliveries fail the same way, with nothing in the template to show it. No rule set checks this " +
			"join; fnops reads alarm actions, rule targets and bucket notifications.",
		Remediation: "Encrypt the topic with a customer managed key (`AWS::KMS::Key`) whose policy allows " +
			"`kms:Decrypt` and `kms:GenerateDataKey*` to `cloudwatch.amazonaws.com` (or `events`, `s3`), or " +
			"leave it unencrypted if it carries no sensitive data.",
		Fail: `Resources:
  Alarms:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
  QueueDepth:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Statistic: Maximum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref Alarms]
`,
		Pass: `Resources:
  AlarmsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
          - Effect: Allow
            Principal: {Service: cloudwatch.amazonaws.com}
            Action: [kms:Decrypt, kms:GenerateDataKey*]
            Resource: "*"
  Alarms:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref AlarmsKey
  QueueDepth:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Statistic: Maximum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref Alarms]
`,
		Check: func(c *Context) {
			var index map[[2]string][]*app.Resource
			for _, t := range c.Resources(app.KindTopic) {
				key := t.Props.Get("KmsMasterKeyId")
				if !managedSNSKey(key) {
					continue
				}
				if index == nil {
					index = servicePublishers(c)
				}
				pubs := index[[2]string{scope(t), localID(t)}]
				if len(pubs) == 0 {
					continue
				}
				names := make([]string, len(pubs))
				for i, p := range pubs {
					names[i] = kindName(p) + " " + localID(p)
				}
				c.Report(Issue{Resource: t, At: key, Related: resourceIDs(pubs...),
					Message: fmt.Sprintf("topic %s is encrypted with alias/aws/sns, which AWS services cannot use: %s cannot publish to it",
						label(t), strings.Join(names, ", "))})
			}
		},
	}
}
