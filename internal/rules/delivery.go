package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// deliveryRules are the rules about how events are handed on: batch sizes
// a FIFO source accepts, dead-letter queues of the right type, and where
// EventBridge and SNS put what they cannot deliver.
func deliveryRules() []*Rule {
	return []*Rule{fifoBatchRule(), dlqTypeRule(), ruleTargetDLQRule(), subscriptionRedriveRule()}
}

// isFIFO reports whether a queue or topic is FIFO: FifoQueue/FifoTopic,
// or a name or ARN ending in .fifo.
func isFIFO(r *app.Resource) bool {
	return r.Flag(app.AttrFIFO) || strings.HasSuffix(r.Name, ".fifo")
}

// fifoText reports whether a queue or topic named by ARN text is FIFO, and
// whether that is known.
func fifoText(n *app.Node) (fifo, known bool) {
	s, ok := pattern(n)
	if !ok || s == "" || strings.HasSuffix(s, "*") {
		return false, false
	}
	return strings.HasSuffix(s, ".fifo"), true
}

func fifoBatchRule() *Rule {
	return &Rule{
		ID:       "fifo-batch-size",
		Title:    "FIFO queue mapping batch size is above 10",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "Lambda reads a FIFO queue in batches of at most 10 messages. A mapping with a larger " +
			"`BatchSize` on a FIFO queue is rejected when the stack deploys. fnops knows a queue is FIFO from " +
			"`FifoQueue: true` or a name or ARN ending in `.fifo`.",
		Remediation: "Set `BatchSize` to 10 or less (SAM: the SQS event's `BatchSize`).",
		Aliases:     []string{"cfn-lint:E3705"},
		Fail: `Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Consume:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Orders.Arn
      FunctionName: arn:aws:lambda:eu-west-1:123456789012:function:consume
      BatchSize: 50
`,
		Pass: `Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Consume:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Orders.Arn
      FunctionName: arn:aws:lambda:eu-west-1:123456789012:function:consume
      BatchSize: 10
`,
		Check: func(c *Context) {
			for _, esm := range c.Resources(app.KindEventSourceMapping) {
				src := c.Graph.Resource(esm.Text(app.AttrSource))
				fifo := false
				if src != nil && src.Kind == app.KindQueue {
					fifo = isFIFO(src)
				} else if src == nil {
					fifo, _ = fifoText(esm.Attr(app.AttrSource))
				}
				if !fifo {
					continue
				}
				n := esm.Attr(app.AttrBatchSize)
				if b, ok := n.Int64(); ok && b > 10 {
					fn := c.Graph.Resource(esm.Text(app.AttrFunction))
					m := mapping{esm: esm, fn: fn, src: src}
					c.Report(Issue{Resource: reportedOn(esm, fn), At: n, Related: m.related(),
						Message: fmt.Sprintf("%s reads a FIFO queue in batches of %d; FIFO queues allow at most 10", m.name(), b)})
				}
			}
		},
	}
}

func dlqTypeRule() *Rule {
	return &Rule{
		ID:       "dlq-type-match",
		Title:    "Dead-letter queue type does not match its source",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "The dead-letter queue of a FIFO queue must be a FIFO queue, and that of a standard queue " +
			"a standard queue; SQS rejects the redrive policy otherwise and the stack fails to deploy. The " +
			"same holds for SNS: a FIFO topic's subscription needs a FIFO dead-letter queue, a standard " +
			"topic's a standard one.",
		Remediation: "Point the redrive policy at a queue of the same type (a FIFO DLQ is named `*.fifo` and " +
			"has `FifoQueue: true`).",
		Aliases: []string{"cfn-lint:E3502"},
		Fail: `Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDLQ.Arn
        maxReceiveCount: 5
  OrdersDLQ:
    Type: AWS::SQS::Queue
`,
		Pass: `Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDLQ.Arn
        maxReceiveCount: 5
  OrdersDLQ:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
`,
		Check: func(c *Context) {
			check := func(r *app.Resource, srcFIFO bool, what string) {
				n := r.Attr(app.AttrDeadLetterTarget)
				if n == nil {
					return
				}
				var fifo, known bool
				dlq := c.Graph.Resource(n.Text())
				if dlq != nil && dlq.Kind == app.KindQueue {
					fifo, known = isFIFO(dlq), true
				} else if dlq == nil {
					fifo, known = fifoText(n)
				}
				if !known || fifo == srcFIFO {
					return
				}
				kind := map[bool]string{true: "FIFO", false: "standard"}
				name := n.Text()
				if dlq != nil {
					name = dlq.ID
				}
				c.Report(Issue{Resource: r, At: n, Related: resourceIDs(dlq),
					Message: fmt.Sprintf("%s %s is %s but its dead-letter queue %s is %s", what, label(r), kind[srcFIFO], name, kind[fifo])})
			}
			for _, q := range c.Resources(app.KindQueue) {
				check(q, isFIFO(q), "queue")
			}
			for _, s := range c.Resources(app.KindSubscription) {
				topic := targetOf(c, s, s.Props.Get("TopicArn"))
				fifo, known := false, false
				if topic != nil && topic.Kind == app.KindTopic {
					fifo, known = isFIFO(topic), true
				} else if topic == nil {
					fifo, known = fifoText(s.Props.Get("TopicArn"))
				}
				if known {
					check(s, fifo, "subscription to a topic that")
				}
			}
		},
	}
}

// isFunctionTarget reports whether a rule or schedule target is a Lambda
// function: one of the graph's, or a Lambda ARN.
func isFunctionTarget(c *Context, from *app.Resource, arn *app.Node) bool {
	if r := targetOf(c, from, arn); r != nil {
		return r.Kind == app.KindFunction || r.Kind == app.KindAlias || r.Kind == app.KindVersion
	}
	s, _ := pattern(arn)
	return strings.Contains(s, ":lambda:") && strings.Contains(s, ":function:")
}

func ruleTargetDLQRule() *Rule {
	return &Rule{
		ID:       "eventbridge-target-dlq",
		Title:    "EventBridge target has no dead-letter queue",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "EventBridge (rules and Scheduler schedules) retries a target that fails for up to 24 " +
			"hours and then drops the event, unless the target has a `DeadLetterConfig`. Events are also dropped " +
			"at once when the target refuses them (a missing permission, a deleted resource, a KMS key " +
			"EventBridge cannot use). A DLQ keeps them for inspection and replay.\n\n" +
			"Unlike serverless-rules ES4000 and cdk-nag, Lambda function targets are not flagged: Lambda queues " +
			"the event as soon as EventBridge hands it over, so the failures that matter are the function's " +
			"own, which `async-failure-destination` covers. Step Functions, SQS, SNS, Kinesis, API " +
			"destinations, other buses and every other target are.",
		Remediation: "Add `DeadLetterConfig: {Arn: <queue ARN>}` to the target (SAM: the event's " +
			"`DeadLetterConfig`), and a queue policy letting `events.amazonaws.com` send to it.",
		Aliases: []string{
			"serverless-rules:ES4000",
			"cdk-nag:Serverless-EventBusDLQ",
			"tflint:aws_cloudwatch_event_target_no_dlq",
		},
		Fail: `Resources:
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      Targets:
        - Id: workflow
          Arn: arn:aws:states:eu-west-1:123456789012:stateMachine:report
          RoleArn: arn:aws:iam::123456789012:role/events
`,
		Pass: `Resources:
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      Targets:
        - Id: workflow
          Arn: arn:aws:states:eu-west-1:123456789012:stateMachine:report
          RoleArn: arn:aws:iam::123456789012:role/events
          DeadLetterConfig:
            Arn: arn:aws:sqs:eu-west-1:123456789012:events-dlq
`,
		Check: func(c *Context) {
			check := func(r *app.Resource, t *app.Node) {
				if !t.IsMap() {
					return
				}
				arn := t.Get("Arn")
				if arn == nil || t.Path("DeadLetterConfig", "Arn") != nil {
					return
				}
				// The loader's edge for this target knows where it leads,
				// through nested stack outputs too.
				var to *app.Resource
				for _, e := range c.Out(r, app.Triggers) {
					if e.Via == "target:"+t.Get("Id").Text() {
						to = c.Peer(r, e)
					}
				}
				if to == nil {
					to = targetOf(c, r, arn)
				}
				if to != nil && (to.Kind == app.KindFunction || to.Kind == app.KindAlias || to.Kind == app.KindVersion) ||
					to == nil && isFunctionTarget(c, r, arn) {
					return
				}
				name := t.Get("Id").Text()
				if to != nil {
					name = to.ID
				} else if s, ok := pattern(arn); ok && name == "" {
					name = s
				}
				c.Report(Issue{Resource: r, At: t, Related: resourceIDs(to),
					Message: fmt.Sprintf("%s %s: target %s has no dead-letter queue; events it cannot take are dropped", kindName(r), label(r), name)})
			}
			for _, r := range c.Resources(app.KindRule) {
				for _, t := range r.Props.Get("Targets").Items() {
					check(r, t)
				}
			}
			for _, r := range c.Resources(app.KindSchedule) {
				check(r, r.Props.Get("Target"))
			}
		},
	}
}

func subscriptionRedriveRule() *Rule {
	return &Rule{
		ID:       "sns-subscription-redrive",
		Title:    "SNS subscription to an endpoint that can fail has no redrive policy",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "SNS gives up on an HTTP/S endpoint after its delivery policy's few retries (by default 3, " +
			"20 seconds apart), and on any endpoint at once for client-side errors; without a " +
			"`RedrivePolicy` those messages are lost.\n\n" +
			"Unlike serverless-rules ES7000 and cdk-nag, subscriptions of Lambda functions and SQS queues are " +
			"not flagged: SNS retries AWS-managed endpoints 100,015 times over 23 days, and the permission " +
			"errors that would drop a message are what `destination-permission` checks.",
		Remediation: "Add `RedrivePolicy: {deadLetterTargetArn: <queue ARN>}` and a queue policy letting " +
			"`sns.amazonaws.com` send to that queue.",
		Aliases: []string{
			"serverless-rules:ES7000",
			"cdk-nag:Serverless-SNSRedrivePolicy",
			"tflint:aws_sns_topic_subscription_redrive_policy",
		},
		Fail: `Resources:
  Events:
    Type: AWS::SNS::Topic
  Partner:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Events
      Protocol: https
      Endpoint: https://partner.example.com/hooks/orders
`,
		Pass: `Resources:
  Events:
    Type: AWS::SNS::Topic
  PartnerDLQ:
    Type: AWS::SQS::Queue
  Partner:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Events
      Protocol: https
      Endpoint: https://partner.example.com/hooks/orders
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt PartnerDLQ.Arn
`,
		Check: func(c *Context) {
			for _, s := range c.Resources(app.KindSubscription) {
				p, ok := s.Props.Get("Protocol").String()
				if !ok {
					continue
				}
				switch strings.ToLower(p) {
				case "lambda", "sqs":
					continue
				}
				if s.Props.Get("RedrivePolicy") != nil {
					continue
				}
				c.Report(Issue{Resource: s, At: s.Props.Get("Protocol"),
					Message: fmt.Sprintf("subscription %s (%s) has no redrive policy: messages SNS cannot deliver are lost", label(s), strings.ToLower(p))})
			}
		},
	}
}
