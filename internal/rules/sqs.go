package rules

import "github.com/fnops/fnops/internal/app"

// sqsRules are the rules about SQS queues.
func sqsRules() []*Rule {
	return []*Rule{
		{
			ID:       "sqs-sse",
			Title:    "Queue encryption at rest is turned off",
			Severity: app.SevError,
			Category: CategorySecurity,
			Description: "SQS encrypts new queues with SQS-managed keys (SSE-SQS) unless told not to. A queue " +
				"with `SqsManagedSseEnabled: false` and no `KmsMasterKeyId` stores messages unencrypted. " +
				"Unlike checkov CKV_AWS_27, this rule accepts SSE-SQS: a customer key is needed only when " +
				"your policy says so.",
			Remediation: "Remove `SqsManagedSseEnabled: false`, or set `KmsMasterKeyId` to a KMS key.",
			Aliases: []string{
				"checkov:CKV_AWS_27",
				"kics:SQS With SSE Disabled",
				"cdk-nag:AwsSolutions-SQS2",
			},
			Fail: `Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: false
`,
			Pass: `Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
`,
			Check: func(c *Context) {
				for _, q := range c.Resources(app.KindQueue) {
					if n, off := queueUnencrypted(q); off {
						c.Reportf(q, n, "queue %s stores messages unencrypted", q.Display())
					}
				}
			},
		},
	}
}

// queueUnencrypted reports whether q is known to have no encryption at
// rest, and the value that says so.
func queueUnencrypted(q *app.Resource) (*app.Node, bool) {
	if sse := q.Attr(app.AttrSSE); sse != nil {
		return sse, sse.Text() == "none"
	}
	if q.Props.Get("KmsMasterKeyId") != nil {
		return nil, false
	}
	n := q.Props.Get("SqsManagedSseEnabled")
	on, known := n.Truth()
	return n, known && !on
}
