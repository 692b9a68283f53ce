package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// stepFunctionsRules are the rules about a state machine's own settings
// (stepfunctions-task-timeout, in flow_timeout.go, reads its wiring).
func stepFunctionsRules() []*Rule {
	return []*Rule{sfnTracingRule(), sfnLoggingRule(), sfnLogAllRule(), sfnExpressRule()}
}

func sfnTracingRule() *Rule {
	return &Rule{
		ID:       "stepfunctions-tracing",
		Title:    "State machine does not send X-Ray traces",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "Without `TracingConfiguration.Enabled` (SAM: `Tracing.Enabled`) an execution's calls " +
			"to functions and services do not appear in X-Ray, so a trace that enters the workflow stops " +
			"there.",
		Remediation: "Set `TracingConfiguration: {Enabled: true}` (SAM: `Tracing: {Enabled: true}`) and " +
			"allow the role the X-Ray write actions (SAM adds them).",
		Aliases: []string{
			"serverless-rules:WS5000",
			"cdk-nag:Serverless-StepFunctionStateMachineXray",
			"cdk-nag:AwsSolutions-SF2",
			"tflint:aws_sfn_state_machine_tracing",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Tracing:
        Enabled: true
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Check: func(c *Context) {
			for _, sm := range c.Resources(app.KindStateMachine) {
				n := sm.Attr(app.AttrTracing)
				if written := sm.Props.Path("TracingConfiguration", "Enabled"); written != nil && !written.IsScalar() {
					continue
				}
				if n.Text() != "Active" {
					c.Report(Issue{Resource: sm, At: n, Message: fmt.Sprintf("state machine %s does not send X-Ray traces", label(sm))})
				}
			}
		},
	}
}

// sfnLevel returns a state machine's logging level, and whether it is
// known (not a parameter).
func sfnLevel(sm *app.Resource) (*app.Node, string, bool) {
	n := sm.Attr(app.AttrLogLevel)
	if n == nil {
		return nil, "OFF", true
	}
	s, ok := n.String()
	return n, strings.ToUpper(s), ok
}

func sfnLoggingRule() *Rule {
	return &Rule{
		ID:       "stepfunctions-logging",
		Title:    "State machine does not log executions",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "A state machine logs nothing to CloudWatch Logs unless `LoggingConfiguration` (SAM: " +
			"`Logging`) sets a level. A Standard workflow still keeps 90 days of execution history in the " +
			"console, but an Express workflow keeps none: without logs a failed Express execution leaves no " +
			"trace at all. Level ERROR is enough for this rule; `stepfunctions-log-all` (opt-in) asks for ALL.",
		Remediation: "Set `LoggingConfiguration: {Level: ERROR, IncludeExecutionData: false, Destinations: " +
			"[{CloudWatchLogsLogGroup: {LogGroupArn: ...}}]}` and let the role deliver logs.",
		Fail: `Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Pass: `Resources:
  FlowLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      LoggingConfiguration:
        Level: ERROR
        Destinations:
          - CloudWatchLogsLogGroup:
              LogGroupArn: !GetAtt FlowLogs.Arn
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Check: func(c *Context) {
			for _, sm := range c.Resources(app.KindStateMachine) {
				n, level, ok := sfnLevel(sm)
				if !ok || level != "OFF" {
					continue
				}
				msg := fmt.Sprintf("state machine %s does not log executions", label(sm))
				if strings.EqualFold(sm.Text(app.AttrSFNType), "EXPRESS") {
					msg += " (an Express workflow keeps no execution history either)"
				}
				c.Report(Issue{Resource: sm, At: n, Message: msg})
			}
		},
	}
}

func sfnLogAllRule() *Rule {
	return &Rule{
		ID:       "stepfunctions-log-all",
		Title:    "State machine does not log every event",
		Severity: app.SevInfo,
		Category: CategoryObservability,
		OptIn:    true,
		Description: "Level `ALL` logs every state transition, so an execution can be followed step by step " +
			"from the logs alone. It costs log ingestion for every step, and with `IncludeExecutionData` " +
			"the logs hold the payloads, so ERROR is a reasonable choice: opt-in, for teams that require ALL.",
		Remediation: "Set `LoggingConfiguration.Level: ALL` (SAM: `Logging.Level`).",
		Aliases:     []string{"cdk-nag:AwsSolutions-SF1"},
		Fail: `Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      LoggingConfiguration:
        Level: ERROR
        Destinations:
          - CloudWatchLogsLogGroup:
              LogGroupArn: arn:aws:logs:eu-west-1:123456789012:log-group:flow
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Pass: `Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      LoggingConfiguration:
        Level: ALL
        Destinations:
          - CloudWatchLogsLogGroup:
              LogGroupArn: arn:aws:logs:eu-west-1:123456789012:log-group:flow
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
`,
		Check: func(c *Context) {
			for _, sm := range c.Resources(app.KindStateMachine) {
				if n, level, ok := sfnLevel(sm); ok && level != "ALL" {
					c.Report(Issue{Resource: sm, At: n, Message: fmt.Sprintf("state machine %s logs at level %s, not ALL", label(sm), level)})
				}
			}
		},
	}
}

// expressMaxDuration is how long an Express execution may run, in seconds.
// (Defined with stepfunctions-task-timeout.)

func sfnExpressRule() *Rule {
	return &Rule{
		ID:       "stepfunctions-express-limits",
		Title:    "Express workflow uses what Express workflows cannot do",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "An Express workflow runs for at most 5 minutes and supports neither the run-a-job " +
			"(`.sync`) nor the wait-for-callback (`.waitForTaskToken`) integration patterns, nor activities. " +
			"A definition that uses them is rejected, or, for a `Wait` state or a task timeout longer than 5 " +
			"minutes, fails every execution that gets that far. (Functions that may outlive an Express " +
			"execution are `stepfunctions-task-timeout`'s.)",
		Remediation: "Make the workflow `STANDARD`, or keep Express and replace the long step: start the job " +
			"and poll it, or split the workflow and have the callback start the second part.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Approve
        States:
          Approve:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
            Parameters:
              QueueUrl: https://sqs.eu-west-1.amazonaws.com/123456789012/approvals
              MessageBody:
                token.$: $$.Task.Token
            End: true
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: STANDARD
      Definition:
        StartAt: Approve
        States:
          Approve:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
            Parameters:
              QueueUrl: https://sqs.eu-west-1.amazonaws.com/123456789012/approvals
              MessageBody:
                token.$: $$.Task.Token
            End: true
`,
		Check: func(c *Context) {
			for _, sm := range c.Resources(app.KindStateMachine) {
				if !strings.EqualFold(sm.Text(app.AttrSFNType), "EXPRESS") {
					continue
				}
				eachState(sm.Attr(app.AttrDefinition), 0, func(name string, st *app.Node) {
					if why, at := expressProblem(st); why != "" {
						c.Report(Issue{Resource: sm, At: at, Pos: posOr(at, posOr(st, sm.Pos)),
							Message: fmt.Sprintf("express state machine %s: state %s %s", label(sm), name, why)})
					}
				})
			}
		},
	}
}

// expressProblem says what in one state an Express workflow cannot do.
func expressProblem(st *app.Node) (string, *app.Node) {
	res := st.Get("Resource")
	r := res.Text()
	switch {
	case strings.HasSuffix(r, ".sync") || strings.Contains(r, ".sync:"):
		return "waits for a job (" + r + "), which Express workflows do not support", res
	case strings.HasSuffix(r, ".waitForTaskToken"):
		return "waits for a task token (" + r + "), which Express workflows do not support", res
	case strings.Contains(r, ":activity:"):
		return "runs an activity, which Express workflows do not support", res
	}
	for _, k := range []string{"TimeoutSeconds", "Seconds", "HeartbeatSeconds"} {
		n := st.Get(k)
		if v, ok := n.Int64(); ok && v > expressMaxDuration && (k != "Seconds" || st.Get("Type").Text() == "Wait") {
			return fmt.Sprintf("has %s %d, beyond the %d s an Express execution may run", k, v, expressMaxDuration), n
		}
	}
	return "", nil
}

// eachState calls fn for every state of a definition, Parallel branches
// and Map item processors included.
func eachState(def *app.Node, depth int, fn func(name string, st *app.Node)) {
	states := def.Get("States")
	if !states.IsMap() || depth > 16 {
		return
	}
	for i, name := range states.Keys {
		st := states.Values[i]
		if !st.IsMap() {
			continue
		}
		fn(name, st)
		for _, b := range st.Get("Branches").Items() {
			eachState(b, depth+1, fn)
		}
		for _, key := range []string{"Iterator", "ItemProcessor"} {
			eachState(st.Get(key), depth+1, fn)
		}
	}
}
