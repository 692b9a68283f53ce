package rules

import (
	"fmt"

	"github.com/fnops/fnops/internal/app"
)

// visibilityFactor is AWS's advice for queues read by Lambda: a visibility
// timeout of at least six times the function timeout, so that messages
// survive retries while the poller scales and the function is throttled.
const visibilityFactor = 6

// minReceiveCount is AWS's advice for a Lambda-consumed queue's
// maxReceiveCount: at least 5, so throttling does not send good messages
// to the DLQ.
const minReceiveCount = 5

// minMaximumConcurrency is the smallest ScalingConfig.MaximumConcurrency
// an SQS mapping accepts.
const minMaximumConcurrency = 2

func sqsVisibilityRule() *Rule {
	return &Rule{
		ID:       "sqs-visibility-timeout",
		Title:    "Queue visibility timeout is too short for its Lambda consumer",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A message a function is working on becomes visible again when the queue's visibility " +
			"timeout runs out, and is handed to another invocation: processed twice. AWS recommends a " +
			"visibility timeout of at least six times the function timeout, to leave room for retries while " +
			"Lambda scales and is throttled. Below the timeout itself (error) `CreateEventSourceMapping` " +
			"fails, but lowering the queue's timeout after the mapping exists is not caught; below six " +
			"times it is a warning. Defaults count: a queue's visibility timeout is 30 s and a function's " +
			"timeout 3 s when not written.",
		Remediation: "Set the queue's `VisibilityTimeout` to at least 6 × the function `Timeout` (with a long " +
			"`MaximumBatchingWindowInSeconds`, add it too), or lower the function timeout.",
		Aliases: []string{"cfn-lint:E3505", "cdk-nag:LambdaEventSourceSQSVisibilityTimeout"},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 60
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 360
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 60
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Check: func(c *Context) {
			consumers := sqsConsumers(mappings(c))
			for _, q := range c.Resources(app.KindQueue) {
				// One finding per queue, against its slowest consumer.
				var worst *mapping
				var worstT int64
				var worstN *app.Node
				for _, m := range consumers[q] {
					t, n, ok := functionTimeout(m.fn)
					if ok && (worst == nil || t > worstT) {
						worst, worstT, worstN = &m, t, n
					}
				}
				if worst == nil {
					continue
				}
				vt, vn, ok := intAttr(q, app.AttrVisibilityTimeout, defaultVisibilityTimeout)
				need := visibilityFactor * worstT
				if !ok || vt >= need {
					continue
				}
				is := Issue{
					Resource: q,
					At:       vn,
					Related:  worst.related(),
					Message: fmt.Sprintf("queue %s: visibility timeout %d s%s is below %d × the %d s%s timeout of %s (%d s)",
						q.ID, vt, dflt(vn), visibilityFactor, worstT, dflt(worstN), worst.fn.ID, need),
				}
				if vt < worstT {
					is.Message += fmt.Sprintf(", and even below the timeout itself: a message still being processed "+
						"is delivered again after %d s", vt)
					c.Report(is)
					continue
				}
				reportMilder(c, is)
			}
		},
	}
}

func sqsMaxReceiveRule() *Rule {
	return &Rule{
		ID:       "sqs-max-receive-count",
		Title:    "Lambda-consumed queue moves messages to its DLQ too early",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "When Lambda throttles the function reading a queue, the poller's receives still count " +
			"towards the redrive policy's `maxReceiveCount`. With a count below 5, a burst or a single " +
			"timeout sends good messages to the dead-letter queue without a real retry. AWS suggests at " +
			"least 5 for queues read by Lambda.",
		Remediation: "Set `RedrivePolicy.maxReceiveCount` to 5 or more.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDLQ.Arn
        maxReceiveCount: 1
  JobsDLQ:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDLQ.Arn
        maxReceiveCount: 5
  JobsDLQ:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Check: func(c *Context) {
			consumers := sqsConsumers(mappings(c))
			for _, q := range c.Resources(app.KindQueue) {
				cs := consumers[q]
				if len(cs) == 0 {
					continue
				}
				n := q.Attr(app.AttrMaxReceiveCount)
				v, ok := n.Int64()
				if !ok || v >= minReceiveCount {
					continue
				}
				c.Report(Issue{
					Resource: q,
					At:       n,
					Related:  cs[0].related(),
					Message: fmt.Sprintf("queue %s is read by %s but its maxReceiveCount is %d: one throttle or timeout "+
						"sends a message to the DLQ without a real retry (use at least %d)", q.ID, cs[0].fn.ID, v, minReceiveCount),
				})
			}
		},
	}
}

func sqsRedriveRule() *Rule {
	return &Rule{
		ID:       "sqs-redrive-missing",
		Title:    "Lambda-consumed queue has no dead-letter queue",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A message that always fails is received again and again until it expires (4 days by " +
			"default), taking a consumer slot each time, and is then lost without trace. A redrive policy " +
			"moves it to a dead-letter queue after `maxReceiveCount` attempts. Only queues read by a Lambda " +
			"function are checked; queues that are themselves dead-letter queues or failure destinations " +
			"are not flagged (unlike cdk-nag's SQSRedrivePolicy).",
		Remediation: "Create a dead-letter queue and set `RedrivePolicy: {deadLetterTargetArn: ..., " +
			"maxReceiveCount: 5}` on the queue (not a DLQ on the function: SQS-triggered functions fail " +
			"back to the queue).",
		Aliases: []string{
			"serverless-rules:ES6000",
			"cdk-nag:Serverless-SQSRedrivePolicy",
			"cdk-nag:AwsSolutions-SQS3",
			"tflint:aws_sqs_queue_redrive_policy",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDLQ.Arn
        maxReceiveCount: 5
  JobsDLQ:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
`,
		Check: func(c *Context) {
			consumers := sqsConsumers(mappings(c))
			for _, q := range c.Resources(app.KindQueue) {
				cs := consumers[q]
				if len(cs) == 0 || q.Attr(app.AttrDeadLetterTarget) != nil || q.Props.Get("RedrivePolicy") != nil ||
					len(c.Out(q, app.DeadLetter)) > 0 || len(c.In(q, app.DeadLetter, app.OnFailure)) > 0 {
					continue
				}
				c.Report(Issue{
					Resource: q,
					Related:  cs[0].related(),
					Message: fmt.Sprintf("queue %s is read by %s but has no redrive policy: a message that always fails "+
						"is retried until it expires and is then lost", q.ID, cs[0].fn.ID),
				})
			}
		},
	}
}

func dlqRetentionRule() *Rule {
	return &Rule{
		ID:       "dlq-retention",
		Title:    "Dead-letter queue keeps messages no longer than its source",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "A message's age counts from when it was first sent to the source queue, and SQS keeps " +
			"that age when it moves the message to the dead-letter queue. With a DLQ retention no longer " +
			"than the source's, a message that fails late in its life expires in the DLQ almost at once, " +
			"before anyone can look at it.",
		Remediation: "Set the DLQ's `MessageRetentionPeriod` longer than the source queue's; 1209600 (14 days, " +
			"the maximum) is usual.",
		Fail: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDLQ.Arn
        maxReceiveCount: 5
  JobsDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 345600
`,
		Pass: `Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDLQ.Arn
        maxReceiveCount: 5
  JobsDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
`,
		Check: func(c *Context) {
			for _, src := range c.Resources(app.KindQueue) {
				for _, e := range c.Out(src, app.DeadLetter) {
					dlq := c.Peer(src, e)
					if dlq == nil || dlq.Kind != app.KindQueue {
						continue
					}
					sr, sn, ok1 := intAttr(src, app.AttrRetention, defaultRetention)
					dr, dn, ok2 := intAttr(dlq, app.AttrRetention, defaultRetention)
					if !ok1 || !ok2 || dr > sr {
						continue
					}
					c.Report(Issue{
						Resource: dlq,
						At:       dn,
						Related:  []string{src.ID},
						Message: fmt.Sprintf("dead-letter queue %s keeps messages %s%s, no longer than its source %s, which keeps them %s%s: "+
							"a message that fails late in its life expires there almost at once",
							dlq.ID, duration(dr), dflt(dn), src.ID, duration(sr), dflt(sn)),
					})
				}
			}
		},
	}
}

func esmConcurrencyRule() *Rule {
	return &Rule{
		ID:       "esm-concurrency",
		Title:    "SQS mapping may run more copies than the function is allowed",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "An SQS event source mapping's `ScalingConfig.MaximumConcurrency` caps how many " +
			"invocations the queue drives. Set above the function's reserved concurrency, the poller keeps " +
			"handing out batches the function cannot take: they are throttled, go back to the queue, and " +
			"their receive counts climb towards the dead-letter queue. Keep the mapping's cap at or below " +
			"the reservation (and use the cap, not the reservation, to limit a consumer). A function with " +
			"reserved concurrency read by an SQS mapping with no cap at all is reported one level lower.",
		Remediation: "Lower `ScalingConfig.MaximumConcurrency` to the reserved concurrency or below, or raise " +
			"`ReservedConcurrentExecutions`.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      ReservedConcurrentExecutions: 5
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            ScalingConfig:
              MaximumConcurrency: 20
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      ReservedConcurrentExecutions: 20
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            ScalingConfig:
              MaximumConcurrency: 20
`,
		Check: func(c *Context) {
			for _, m := range mappings(c) {
				if m.typ != "sqs" {
					continue
				}
				mcN := value(m.esm, app.AttrMaximumConcurrency, "ScalingConfig", "MaximumConcurrency")
				rc, rok := m.fn.Int(app.AttrReservedConcurrency)
				if mcN == nil && m.esm.Props.Get("ScalingConfig") == nil && rok && rc >= minMaximumConcurrency {
					reportMilder(c, Issue{
						Resource: m.owner(),
						Pos:      m.esm.Pos,
						Related:  m.related(),
						Message: fmt.Sprintf("%s has no MaximumConcurrency while %s is capped at %d by reserved concurrency: the "+
							"poller still scales out, and the batches it cannot hand over are throttled and count towards "+
							"maxReceiveCount (set ScalingConfig.MaximumConcurrency to %d or less)", m.name(), m.fn.ID, rc, rc),
					})
					continue
				}
				mc, ok := mcN.Int64()
				if !ok || !rok || mc <= rc {
					continue
				}
				c.Report(Issue{
					Resource: m.owner(),
					At:       mcN,
					Related:  m.related(),
					Message: fmt.Sprintf("%s: MaximumConcurrency %d exceeds the reserved concurrency %d of %s: batches "+
						"beyond %d are throttled and count towards the queue's maxReceiveCount", m.name(), mc, rc, m.fn.ID, rc),
				})
			}
		},
	}
}

func batchItemFailuresRule() *Rule {
	return &Rule{
		ID:       "batch-item-failures",
		Title:    "Batch mapping retries the whole batch when one record fails",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "Without `FunctionResponseTypes: [ReportBatchItemFailures]` one failed record fails its " +
			"whole batch: every record is delivered again, including those that succeeded (duplicates), and " +
			"a poison record holds its batch-mates hostage. Checked on SQS, Kinesis and DynamoDB stream " +
			"mappings with a batch size above 1 (the defaults are 10 and 100). Stream mappings with no " +
			"failure handling at all are left to `stream-failure-handling`, which covers this too.",
		Remediation: "Add `FunctionResponseTypes: [ReportBatchItemFailures]` and return " +
			"`{\"batchItemFailures\": [{\"itemIdentifier\": id}]}` for the records that failed (Powertools' " +
			"batch utility does it).",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 10
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
`,
		Check: func(c *Context) {
			for _, m := range mappings(c) {
				var def int64
				switch m.typ {
				case "sqs":
					def = 10
				case "kinesis", "dynamodb":
					def = 100
					if len(streamProblems(c, m)) > 0 {
						continue // reported, with this, by stream-failure-handling
					}
				default:
					continue
				}
				if m.esm.Flag(app.AttrReportBatchFailures) || reportsBatchFailures(m.esm) {
					continue
				}
				bs, bn, ok := intAttr(m.esm, app.AttrBatchSize, def)
				if !ok || bs <= 1 {
					continue
				}
				c.Report(Issue{
					Resource: m.owner(),
					Pos:      m.esm.Pos,
					Related:  m.related(),
					Message: fmt.Sprintf("%s reads batches of %d%s without ReportBatchItemFailures: one failed record "+
						"makes all %d be processed again", m.name(), bs, dflt(bn), bs),
				})
			}
		},
	}
}

// reportsBatchFailures reads FunctionResponseTypes when the loader did
// not normalize it; an unresolved value counts as set.
func reportsBatchFailures(esm *app.Resource) bool {
	n := esm.Props.Get("FunctionResponseTypes")
	if n == nil {
		return false
	}
	if !n.IsList() && !n.IsScalar() {
		return true
	}
	for _, s := range n.Items() {
		if !s.IsScalar() || s.Text() == "ReportBatchItemFailures" {
			return true
		}
	}
	return false
}
