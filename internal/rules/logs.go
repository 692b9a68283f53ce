package rules

import "github.com/fnops/fnops/internal/app"

// logRules are the rules about log groups.
func logRules() []*Rule {
	return []*Rule{
		{
			ID:       "log-group-retention",
			Title:    "Log group keeps logs forever",
			Severity: app.SevWarning,
			Category: CategoryCost,
			Description: "A log group without `RetentionInDays` keeps every event forever, and storage is " +
				"billed every month for all of it. Old debug logs are rarely read; old logs may also hold " +
				"personal data you must not keep.",
			Remediation: "Set `RetentionInDays` (for example 30, or what your compliance rules require); " +
				"archive to S3 if you need logs longer.",
			Aliases: []string{
				"cdk-nag:Serverless-CloudWatchLogGroupRetentionPeriod",
				"checkov:CKV_AWS_66",
			},
			Fail: `Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/orders
`,
			Pass: `Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/orders
      RetentionInDays: 30
`,
			Check: func(c *Context) {
				for _, lg := range c.Resources(app.KindLogGroup) {
					if IsDefault(value(lg, app.AttrRetentionDays, "RetentionInDays")) {
						c.Reportf(lg, nil, "log group %s has no retention period, so it keeps logs forever", lg.Display())
					}
				}
			},
		},
	}
}
