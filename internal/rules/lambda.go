package rules

import "github.com/fnops/fnops/internal/app"

// lambdaRules are the rules about a function's own configuration.
func lambdaRules() []*Rule {
	return []*Rule{
		{
			ID:       "function-explicit-memory",
			Title:    "Function memory size is left at the default",
			Severity: app.SevWarning,
			Category: CategoryPerformance,
			Description: "A function without `MemorySize` gets 128 MB, and with it the smallest CPU share. " +
				"Memory sets speed and cost together, so it should be a decision, written down. SAM " +
				"`Globals.Function.MemorySize` counts as written.",
			Remediation: "Set `MemorySize` (or `Globals.Function.MemorySize` for SAM) to a measured value; " +
				"`fnops tune` finds the cheapest setting that meets your latency.",
			Aliases: []string{
				"serverless-rules:ES1005",
				"cdk-nag:Serverless-LambdaDefaultMemorySize",
				"tflint:aws_lambda_function_default_memory",
			},
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
      MemorySize: 1024
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					if IsDefault(value(fn, app.AttrMemorySize, "MemorySize")) {
						c.Reportf(fn, nil, "function %s has no explicit memory size (the default is 128 MB)", fn.Display())
					}
				}
			},
		},
		{
			ID:       "function-explicit-timeout",
			Title:    "Function timeout is left at the default",
			Severity: app.SevWarning,
			Category: CategoryReliability,
			Description: "A function without `Timeout` is stopped after 3 seconds: too short for most calls to " +
				"other services, and a value nobody chose. The timeout must fit the callers (API Gateway's " +
				"29 s, an SQS queue's visibility timeout) and the work.",
			Remediation: "Set `Timeout` (or `Globals.Function.Timeout`) to a little more than the slowest " +
				"expected run, and below what callers wait for.",
			Aliases: []string{
				"serverless-rules:ES1006",
				"cdk-nag:Serverless-LambdaDefaultTimeout",
				"tflint:aws_lambda_function_default_timeout",
			},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Timeout: 10
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					if IsDefault(value(fn, app.AttrTimeout, "Timeout")) {
						c.Reportf(fn, nil, "function %s has no explicit timeout (the default is 3 seconds)", fn.Display())
					}
				}
			},
		},
		{
			ID:       "function-tracing",
			Title:    "Function does not send X-Ray traces",
			Severity: app.SevWarning,
			Category: CategoryObservability,
			Description: "Without active tracing a request that crosses an API, a function and a queue cannot " +
				"be followed end to end, and cold starts and slow downstream calls stay invisible.",
			Remediation: "Set `TracingConfig: {Mode: Active}` (SAM: `Tracing: Active`, or in " +
				"`Globals.Function`) and allow the role `xray:PutTraceSegments` and `xray:PutTelemetryRecords` " +
				"(SAM adds them).",
			Aliases: []string{
				"serverless-rules:WS1000",
				"cdk-nag:Serverless-LambdaTracing",
				"kics:Lambda Functions Without X-Ray Tracing",
				"kics:Serverless Function Without X-Ray Tracing",
				"tflint:aws_lambda_function_tracing_rule",
			},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      TracingConfig:
        Mode: PassThrough
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      TracingConfig:
        Mode: Active
`,
			Check: func(c *Context) {
				for _, fn := range c.Resources(app.KindFunction) {
					mode := value(fn, app.AttrTracing, "TracingConfig", "Mode")
					if _, isText := mode.String(); mode != nil && !isText {
						continue // a parameter or condition decides: not ours to judge
					}
					if mode.Text() != "Active" {
						c.Reportf(fn, mode, "function %s does not use active X-Ray tracing", fn.Display())
					}
				}
			},
		},
	}
}
