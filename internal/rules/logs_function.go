package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// functionLogRules extend the log-group rules to each function's own log
// group and to log encryption.
func functionLogRules() []*Rule {
	return []*Rule{
		{
			ID:       "function-log-retention",
			Title:    "Function logs to a log group nobody declared, kept forever",
			Severity: app.SevWarning,
			Category: CategoryCost,
			Description: "Lambda writes to `/aws/lambda/<function name>` (or the group in " +
				"`LoggingConfig.LogGroup`) and creates the group on first run if the template does not: " +
				"with no retention, so every log line is stored and billed forever, and the group outlives " +
				"the stack. The function passes when its group is declared in the template: named by " +
				"`LoggingConfig.LogGroup` (any form of reference, which serverless-rules WS1004 misses, " +
				"awslabs/serverless-rules#190), or with `LogGroupName` `/aws/lambda/<name>` written " +
				"literally, with `!Sub`, or `Fn::Join` (CDK), or given a retention by CDK's " +
				"`Custom::LogRetention`. A declared group without retention is `log-group-retention`'s " +
				"finding, not this one's.",
			Remediation: "Declare the log group (`LogGroupName: !Sub /aws/lambda/${Fn}`, `RetentionInDays: " +
				"30`) or point `LoggingConfig.LogGroup` (or SAM `Globals.Function.LoggingConfig`) at one that " +
				"has a retention.",
			Aliases: []string{"serverless-rules:WS1004", "tflint:aws_cloudwatch_log_group_lambda_retention"},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
  FnLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Fn}
      RetentionInDays: 30
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					if declared, name := functionLogGroup(c, fn); !declared {
						c.Report(Issue{Resource: fn,
							Message: fmt.Sprintf("function %s logs to %s, which the template does not declare: Lambda creates it "+
								"on first run with no retention, so logs are kept (and billed) forever", fn.Display(), name)})
					}
				}
			},
		},
		{
			ID:       "log-group-kms",
			Title:    "Log group is not encrypted with a customer key",
			Severity: app.SevInfo,
			Category: CategorySecurity,
			OptIn:    true,
			Description: "CloudWatch Logs always encrypts log data at rest; `KmsKeyId` makes it a key you " +
				"control, so that reading the logs needs `kms:Decrypt` as well and every read is audited. " +
				"Some compliance regimes ask for it; for most logs it adds a key and its policy to manage, " +
				"which is why this rule is opt-in.",
			Remediation: "Set `KmsKeyId` to a KMS key whose policy allows the `logs.<region>.amazonaws.com` " +
				"service principal.",
			Aliases: []string{"checkov:CKV_AWS_158"},
			Fail: `Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
`,
			Pass: `Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
      KmsKeyId: arn:aws:kms:eu-west-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d
`,
			Check: func(c *Context) {
				for _, lg := range c.Resources(app.KindLogGroup) {
					if value(lg, app.AttrKMSKey, "KmsKeyId") == nil {
						c.Reportf(lg, nil, "log group %s is not encrypted with a customer managed key", lg.Display())
					}
				}
			},
		},
	}
}

// functionLogGroup reports whether the log group fn writes to is declared
// in the graph (or its retention set by a CDK LogRetention resource, or
// out of the template's hands), and the group's name for messages.
func functionLogGroup(c *Context, fn *app.Resource) (bool, string) {
	n := fn.Attr(app.AttrLogGroupName)
	if n == nil {
		return true, ""
	}
	if n.Origin != app.Derived || !strings.HasPrefix(n.Text(), "/aws/lambda/") {
		// LoggingConfig.LogGroup: a group the template names is declared; a
		// literal name of a group made elsewhere is that place's concern.
		return true, symbolic(n)
	}
	name := n.Text()
	for _, r := range c.Resources() {
		switch {
		case r.Kind == app.KindLogGroup:
			if r.Name == name || logNameRefers(r.Props.Get("LogGroupName"), fn) {
				return true, name
			}
		case r.Type == "Custom::LogRetention" || strings.HasSuffix(r.Type, "::LogRetention"):
			if logNameRefers(r.Props.Get("LogGroupName"), fn) || r.Props.Get("LogGroupName").Text() == name {
				return true, name
			}
		}
	}
	return false, name
}

// logNameRefers reports a LogGroupName built from fn's name:
// "/aws/lambda/" joined with a Ref to it, in Sub or Join form.
func logNameRefers(n *app.Node, fn *app.Resource) bool {
	id := fn.ID
	if fn.Stack != "" {
		id = strings.TrimPrefix(id, fn.Stack+"/")
	}
	text, ok := arnText(n)
	if !ok || !strings.HasPrefix(text, "/aws/lambda/") {
		return false
	}
	if y, ok := refersTo(n, id); ok && y {
		return true
	}
	if name, arg, fn := n.Intrinsic(); fn && name == "Fn::Join" && arg.IsList() && len(arg.List) == 2 {
		for _, it := range arg.List[1].Items() {
			if y, ok := refersTo(it, id); ok && y {
				return true
			}
		}
	}
	return false
}

// symbolic renders a node for messages.
func symbolic(n *app.Node) string {
	if s, ok := n.String(); ok {
		return s
	}
	if name, arg, ok := n.Intrinsic(); ok && name == "Ref" {
		return "the log group " + arg.Text()
	}
	if s, ok := arnText(n); ok {
		return s
	}
	return "(unresolved)"
}
