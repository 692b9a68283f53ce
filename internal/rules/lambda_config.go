package rules

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// lambdaConfigRules are the opt-in standards about a function's own
// settings: each is a sound practice somewhere, and noise elsewhere, so a
// team turns on the ones it has decided on (`--rule`, or
// `audit.rules.enable` in .fnops.yaml).
func lambdaConfigRules() []*Rule {
	return []*Rule{
		{
			ID:       "function-reserved-concurrency",
			Title:    "Function has no reserved concurrency",
			Severity: app.SevInfo,
			Category: CategoryReliability,
			OptIn:    true,
			Description: "Without `ReservedConcurrentExecutions` a function shares the account's regional " +
				"concurrency with every other function: a burst on one can throttle all, and nothing caps " +
				"what it can do to a database downstream. Reserving concurrency is a capacity decision " +
				"(the reserved amount is taken from everyone else), which is why this rule is opt-in; " +
				"checkov CKV_AWS_115 and Guard's LAMBDA_CONCURRENCY_CHECK flag every function by default. " +
				"SAM `Globals.Function.ReservedConcurrentExecutions` counts.",
			Remediation: "Set `ReservedConcurrentExecutions` to what the function and its downstream can " +
				"take (`downstream-capacity` checks DynamoDB); do not use 0 unless you mean to stop it.",
			Aliases: []string{"checkov:CKV_AWS_115", "guard:LAMBDA_CONCURRENCY_CHECK"},
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
      ReservedConcurrentExecutions: 50
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					if value(fn, app.AttrReservedConcurrency, "ReservedConcurrentExecutions") == nil {
						c.Reportf(fn, nil, "function %s has no reserved concurrency: it competes for the account's pool and has no ceiling", fn.Display())
					}
				}
			},
		},
		{
			ID:       "function-in-vpc",
			Title:    "Function does not run in a VPC",
			Severity: app.SevInfo,
			Category: CategorySecurity,
			OptIn:    true,
			Description: "Some organisations require every function to run inside a VPC so its traffic passes " +
				"their network controls. For most serverless functions a VPC adds cold-start latency, NAT " +
				"costs and nothing else (they reach AWS services over public endpoints with IAM), so this " +
				"rule is opt-in, unlike checkov CKV_AWS_117 and Guard's LAMBDA_INSIDE_VPC. A `VpcConfig` " +
				"with empty subnets does not count.",
			Remediation: "Add `VpcConfig` with `SubnetIds` and `SecurityGroupIds` (and VPC endpoints or a NAT " +
				"for the services the function calls).",
			Aliases: []string{"checkov:CKV_AWS_117", "guard:LAMBDA_INSIDE_VPC"},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      VpcConfig:
        SubnetIds: []
        SecurityGroupIds: []
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      VpcConfig:
        SubnetIds: [subnet-0a1b2c3d, subnet-4e5f6a7b]
        SecurityGroupIds: [sg-0123456789abcdef0]
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					n := fn.Attr(app.AttrInVPC)
					if on, known := n.Truth(); known && !on {
						c.Reportf(fn, n, "function %s does not run in a VPC", fn.Display())
					}
				}
			},
		},
		{
			ID:       "function-tags",
			Title:    "Function has no tags",
			Severity: app.SevInfo,
			Category: CategoryGovernance,
			OptIn:    true,
			Description: "Tags are how a bill is split by team and feature and how an alert finds its owner. " +
				"The tags SAM adds itself (`lambda:createdBy`) and AWS's own (`aws:`) do not count; SAM " +
				"`Globals.Function.Tags` and stack-level tags written on the resource do. Opt-in: which tags " +
				"are required is a team decision, best written as a CEL rule (see docs/rules.md) once it is " +
				"made.",
			Remediation: "Add `Tags` (for example `owner`, `service`, `cost-center`), or require specific ones " +
				"with a team rule in `.fnops.yaml`.",
			Aliases: []string{"kics:Lambda Function Without Tags", "kics:Serverless Function Without Tags"},
			Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
`,
			Pass: `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tags:
      owner: payments
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					if !hasOwnTags(fn) {
						c.Reportf(fn, nil, "function %s has no tags", fn.Display())
					}
				}
			},
		},
		{
			ID:       "function-env-kms",
			Title:    "Function environment variables use the AWS managed key",
			Severity: app.SevInfo,
			Category: CategorySecurity,
			OptIn:    true,
			Description: "Lambda always encrypts environment variables at rest, with an AWS managed key unless " +
				"`KmsKeyArn` names a customer key. A customer key adds control over who may decrypt them and " +
				"an audit trail, which some compliance regimes require; it also costs a KMS key and calls. " +
				"Opt-in, and only functions that have environment variables are checked (KICS flags " +
				"functions without any, Checkmarx/kics#6478). Secrets do not belong in environment " +
				"variables at all (`function-env-secrets`).",
			Remediation: "Set `KmsKeyArn` to a customer managed key the function's role may `kms:Decrypt`.",
			Aliases:     []string{"checkov:CKV_AWS_173", "kics:Serverless Function Environment Variables Not Encrypted"},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Environment:
        Variables:
          TABLE: orders
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      KmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d
      Environment:
        Variables:
          TABLE: orders
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					env := value(fn, app.AttrEnvironment, "Environment", "Variables")
					if env.Len() == 0 || value(fn, app.AttrKMSKey, "KmsKeyArn") != nil {
						continue
					}
					c.Reportf(fn, env, "function %s has environment variables encrypted only with the AWS managed key", fn.Display())
				}
			},
		},
		{
			ID:       "function-structured-logging",
			Title:    "Function logs plain text rather than JSON",
			Severity: app.SevInfo,
			Category: CategoryObservability,
			OptIn:    true,
			Description: "With `LoggingConfig.LogFormat: JSON` Lambda writes its own records (START, END, " +
				"REPORT, errors) as JSON and lets the function log JSON with a level, so Logs Insights " +
				"queries, metric filters and `fnops ingest` read fields instead of parsing text, and " +
				"`ApplicationLogLevel` can drop debug logs in production. Opt-in: a team that already " +
				"logs JSON through a library may prefer its own format. SAM `Globals.Function.LoggingConfig` " +
				"counts.",
			Remediation: "Set `LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO}` (or in " +
				"`Globals.Function`).",
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
      LoggingConfig:
        LogFormat: JSON
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					n := value(fn, app.AttrLogFormat, "LoggingConfig", "LogFormat")
					if s, ok := n.String(); (ok && s != "JSON") || n == nil {
						c.Reportf(fn, n, "function %s writes plain-text logs (LogFormat %s)", fn.Display(), orDefault(s, "Text"))
					}
				}
			},
		},
		{
			ID:       "function-arm64",
			Title:    "Function runs on x86_64 rather than arm64",
			Severity: app.SevInfo,
			Category: CategoryCost,
			OptIn:    true,
			Description: "Lambda on Graviton (`arm64`) costs about 20% less per GB-second than `x86_64` and is " +
				"as fast or faster for most interpreted code. Functions with native x86 dependencies or " +
				"x86-only layers must stay, which is why this is an opt-in hint, not a standard. Container " +
				"images are checked too: they must be built for arm64.",
			Remediation: "Set `Architectures: [arm64]` (or in `Globals.Function`), rebuild native dependencies " +
				"for arm64, and compare with `fnops tune`.",
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
      Architectures: [arm64]
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					n := fn.Attr(app.AttrArchitecture)
					if s, ok := n.String(); ok && s == "x86_64" {
						c.Reportf(fn, n, "function %s runs on x86_64%s; arm64 is about 20%% cheaper", fn.Display(), dflt(n))
					}
				}
			},
		},
	}
}

// hasOwnTags reports whether r carries a tag someone chose: not one AWS or
// a transform adds by itself.
func hasOwnTags(r *app.Resource) bool {
	for k := range r.Tags {
		if !strings.HasPrefix(k, "aws:") && k != "lambda:createdBy" {
			return true
		}
	}
	// Tags whose values did not resolve are still tags.
	for _, t := range r.Props.Get("Tags").Items() {
		if k := t.Get("Key"); k != nil {
			if s, ok := k.String(); !ok || (!strings.HasPrefix(s, "aws:") && s != "lambda:createdBy") {
				return true
			}
		}
	}
	if tags := r.Props.Get("Tags"); tags.IsMap() {
		if _, _, fn := tags.Intrinsic(); fn {
			return true
		}
		for _, k := range tags.Keys {
			if !strings.HasPrefix(k, "aws:") && k != "lambda:createdBy" {
				return true
			}
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
