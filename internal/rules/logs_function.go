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
				groups := declaredLogGroups(c)
				for _, fn := range c.Resources(app.KindFunction) {
					if declared, name := groups.declares(fn); !declared {
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

// logGroups indexes the log groups a template declares, and the CDK
// LogRetention resources that set a retention: by physical name and by
// the functions their LogGroupName is built from.
type logGroups struct {
	names map[string]bool
	fns   map[string]bool // function ids, as the graph has them
}

func declaredLogGroups(c *Context) logGroups {
	g := logGroups{names: map[string]bool{}, fns: map[string]bool{}}
	for _, r := range c.Resources() {
		if r.Kind != app.KindLogGroup && r.Type != "Custom::LogRetention" && !strings.HasSuffix(r.Type, "::LogRetention") {
			continue
		}
		n := r.Props.Get("LogGroupName")
		if r.Name != "" {
			g.names[r.Name] = true
		}
		if s, ok := n.String(); ok {
			g.names[s] = true
		}
		if text, ok := arnText(n); ok && strings.HasPrefix(text, "/aws/lambda/") {
			for _, id := range refIDs(n) {
				g.fns[scopeOf(r.ID)+id] = true
			}
		}
	}
	return g
}

// declares reports whether the log group fn writes to is declared in the
// graph (or its retention set by a CDK LogRetention resource, or out of
// the template's hands), and the group's name for messages.
func (g logGroups) declares(fn *app.Resource) (bool, string) {
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
	return g.names[name] || g.fns[fn.ID], name
}

// scopeOf is the prefix a graph id puts before its logical id: the file
// ("t.yaml#") and nested stack ("Parent/"), so that a logical id found in
// a template becomes a graph id with scopeOf(owner) + id.
func scopeOf(id string) string {
	return id[:len(id)-len(logicalID(id))]
}

// refIDs returns the logical ids a value refers to: Ref, GetAtt, the
// variables of a Sub, the items of a Join.
func refIDs(n *app.Node) []string {
	name, arg, ok := n.Intrinsic()
	if !ok {
		return nil
	}
	switch name {
	case "Ref":
		return []string{arg.Text()}
	case "Fn::GetAtt":
		if arg.IsList() && len(arg.List) > 0 {
			return []string{arg.List[0].Text()}
		}
		id, _, _ := strings.Cut(arg.Text(), ".")
		return []string{id}
	case "Fn::Sub":
		tmpl := arg.Text()
		var out []string
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0].Text()
			if len(arg.List) > 1 && arg.List[1].IsMap() {
				for _, v := range arg.List[1].Values {
					out = append(out, refIDs(v)...)
				}
			}
		}
		for {
			i := strings.Index(tmpl, "${")
			if i < 0 {
				return out
			}
			j := strings.IndexByte(tmpl[i:], '}')
			if j < 0 {
				return out
			}
			v := tmpl[i+2 : i+j]
			if !strings.HasPrefix(v, "!") && !strings.Contains(v, "::") {
				id, _, _ := strings.Cut(v, ".")
				out = append(out, id)
			}
			tmpl = tmpl[i+j+1:]
		}
	case "Fn::Join":
		var out []string
		if arg.IsList() && len(arg.List) == 2 {
			for _, it := range arg.List[1].Items() {
				out = append(out, refIDs(it)...)
			}
		}
		return out
	}
	return nil
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
