package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// apiProtocol is an API's protocol: REST, HTTP or WEBSOCKET ("" when an
// ApiGatewayV2 API's protocol is not known).
func apiProtocol(api *app.Resource) string {
	proto := strings.ToUpper(api.Text(app.AttrProtocol))
	if proto == "" {
		switch {
		case api.Type == "AWS::Serverless::HttpApi":
			proto = "HTTP"
		case api.Type == "AWS::ApiGatewayV2::Api":
			proto = strings.ToUpper(api.Props.Get("ProtocolType").Text())
		default:
			proto = "REST"
		}
	}
	return proto
}

// apiLimit is the integration timeout of an API of the given protocol, in
// seconds, and the protocol's display name.
func apiLimit(api *app.Resource) (int64, string) {
	switch apiProtocol(api) {
	case "HTTP":
		return 30, "HTTP API"
	case "WEBSOCKET":
		return 29, "WebSocket API"
	case "REST":
		return 29, "REST API"
	}
	return 0, ""
}

func apiTimeoutRule() *Rule {
	return &Rule{
		ID:       "api-timeout",
		Title:    "Function behind API Gateway may run longer than the API waits",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "API Gateway gives up on a Lambda integration after 29 seconds (REST and WebSocket " +
			"APIs) or 30 seconds (HTTP APIs), or sooner when the integration's `TimeoutInMillis` says so, " +
			"and answers 504/503, while the function runs on. The client " +
			"retries, and work that was not idempotent (an order, a payment) is done twice. A function " +
			"timeout above the limit is a promise the API cannot keep. (Regional REST APIs can have the " +
			"limit raised by a quota request; suppress with the reason if you did.)",
		Remediation: "Lower the function `Timeout` below the integration limit, and move slow work behind a " +
			"queue or a state machine, answering 202 with a status URL.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 60
      Events:
        Post:
          Type: HttpApi
          Properties:
            Path: /orders
            Method: POST
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 25
      Events:
        Post:
          Type: HttpApi
          Properties:
            Path: /orders
            Method: POST
`,
		Check: func(c *Context) {
			for _, fn := range c.Resources(app.KindFunction) {
				t, tn, ok := functionTimeout(fn)
				if !ok {
					continue
				}
				var limitMS int64
				var api *app.Resource
				var route, proto, set string
				for _, e := range c.In(fn, app.Triggers) {
					src := c.Peer(fn, e)
					if src == nil || src.Kind != app.KindAPI {
						continue
					}
					l, p := apiLimit(src)
					if l == 0 {
						continue
					}
					ms, why := l*1000, ""
					if v, ok := integrationTimeout(c, src, e); ok && v < ms {
						ms, why = v, fmt.Sprintf(" (TimeoutInMillis %d)", v)
					}
					if api == nil || ms < limitMS {
						limitMS, api, route, proto, set = ms, src, e.Via, p, why
					}
				}
				if api == nil || t*1000 <= limitMS {
					continue
				}
				where := ""
				if route != "" && route != api.ID {
					where = " (" + route + ")"
				}
				c.Report(Issue{
					Resource: fn,
					At:       tn,
					Related:  []string{api.ID},
					Message: fmt.Sprintf("function %s has a %d s timeout%s, but the %s %s%s gives up after %s%s: "+
						"the client gets an error while the function runs on", fn.ID, t, dflt(tn), proto, api.ID, where,
						seconds(limitMS), set),
				})
			}
		},
	}
}

// seconds renders milliseconds as seconds: "29 s", "2.5 s".
func seconds(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("%d s", ms/1000)
	}
	return fmt.Sprintf("%g s", float64(ms)/1000)
}

// integrationTimeout returns the TimeoutInMillis written on the API
// integration behind e: on the method or integration resource the edge
// comes through, or in the API's OpenAPI body (where SAM puts its events'
// integrations) under the route's path and method.
func integrationTimeout(c *Context, api *app.Resource, e app.Edge) (int64, bool) {
	if via := c.Graph.Resource(e.Via); via != nil {
		n := via.Props.Get("TimeoutInMillis")
		if n == nil {
			n = via.Props.Path("Integration", "TimeoutInMillis")
		}
		return n.Int64()
	}
	method, path, ok := strings.Cut(e.Via, " ")
	if !ok {
		return 0, false
	}
	op := strings.ToLower(method)
	if op == "any" {
		op = "x-amazon-apigateway-any-method"
	}
	ops := api.Props.Path("Body", "paths", path)
	n := ops.Get(op)
	if n == nil {
		n = ops.Get("x-amazon-apigateway-any-method")
	}
	return n.Path("x-amazon-apigateway-integration", "timeoutInMillis").Int64()
}

// longTaskTimeout is the function timeout above which a Task state with
// no TimeoutSeconds is flagged: long enough that a lost invocation leaves
// an execution waiting noticeably.
const longTaskTimeout = 60

// expressMaxDuration is how long an Express workflow execution may run.
const expressMaxDuration = 300

func sfnTaskTimeoutRule() *Rule {
	return &Rule{
		ID:       "stepfunctions-task-timeout",
		Title:    "Step Functions task timeout does not fit the function's",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "A Task state that invokes a function with `TimeoutSeconds` shorter than the function's " +
			"timeout fails (States.Timeout) and retries while the first invocation is still running: the work " +
			"is done twice, concurrently. A Task with no `TimeoutSeconds` waits as long as the invocation " +
			"lasts, and if the call is lost, for the execution's whole life (a year for a Standard workflow); " +
			"flagged when the function's own timeout is above 60 s. In an Express workflow, which stops after " +
			"5 minutes, a function allowed to run longer is flagged too.",
		Remediation: "Set the Task's `TimeoutSeconds` a little above the function's `Timeout` (and retry " +
			"`States.Timeout` only if the function is idempotent).",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Charge:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 120
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref Charge
      Definition:
        StartAt: Charge
        States:
          Charge:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !GetAtt Charge.Arn
            TimeoutSeconds: 30
            End: true
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Charge:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 120
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref Charge
      Definition:
        StartAt: Charge
        States:
          Charge:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !GetAtt Charge.Arn
            TimeoutSeconds: 130
            End: true
`,
		Check: func(c *Context) {
			for _, sm := range c.Resources(app.KindStateMachine) {
				for _, e := range c.Out(sm, app.Invokes) {
					state, ok := strings.CutPrefix(e.Via, "state:")
					if !ok {
						continue
					}
					fn := c.Peer(sm, e)
					if fn == nil || fn.Kind != app.KindFunction {
						continue
					}
					ft, fn0, ok := functionTimeout(fn)
					if !ok {
						continue
					}
					node := findState(sm.Attr(app.AttrDefinition), state, 0)
					tsN := node.Get("TimeoutSeconds")
					if node.Get("TimeoutSecondsPath") != nil {
						continue
					}
					var ts int64
					has := false
					if tsN != nil {
						if ts, ok = tsN.Int64(); !ok {
							continue
						}
						has = true
					} else if d, found := e.Detail["timeout"]; found {
						v, err := strconv.ParseInt(d, 10, 64)
						if err != nil {
							continue
						}
						ts, has = v, true
					}
					express := strings.EqualFold(sm.Text(app.AttrSFNType), "EXPRESS")
					switch {
					case express && ft > expressMaxDuration && (!has || ts > expressMaxDuration):
						c.Report(Issue{
							Resource: sm,
							Pos:      posOr(tsN, e.Pos),
							Related:  []string{fn.ID},
							Message: fmt.Sprintf("express state machine %s: task %s invokes %s, which may run %d s, but an express "+
								"execution stops after %d s", sm.ID, state, fn.ID, ft, expressMaxDuration),
						})
					case has && ts < ft:
						c.Report(Issue{
							Resource: sm,
							At:       tsN,
							Pos:      posOr(tsN, e.Pos),
							Related:  []string{fn.ID},
							Message: fmt.Sprintf("state machine %s: task %s times out after %d s, before the %d s%s timeout of %s: "+
								"a slow invocation is abandoned and retried while it still runs", sm.ID, state, ts, ft, dflt(fn0), fn.ID),
						})
					case !has && ft > longTaskTimeout:
						reportMilder(c, Issue{
							Resource: sm,
							Pos:      posOr(node, e.Pos),
							Related:  []string{fn.ID},
							Message: fmt.Sprintf("state machine %s: task %s has no TimeoutSeconds while %s may run %d s: a lost "+
								"invocation leaves the execution waiting", sm.ID, state, fn.ID, ft),
						})
					}
				}
			}
		},
	}
}

// posOr is n's position when it is written, else p.
func posOr(n *app.Node, p app.Pos) app.Pos {
	if n != nil && n.Pos.Known() && n.Origin != app.Default {
		return n.Pos
	}
	return p
}

// findState finds the state named name anywhere in a definition,
// including inside Parallel branches and Map iterators.
func findState(def *app.Node, name string, depth int) *app.Node {
	if def == nil || depth > 16 {
		return nil
	}
	states := def.Get("States")
	if s := states.Get(name); s.IsMap() {
		return s
	}
	if !states.IsMap() {
		return nil
	}
	for _, st := range states.Values {
		for _, b := range st.Get("Branches").Items() {
			if n := findState(b, name, depth+1); n != nil {
				return n
			}
		}
		for _, key := range []string{"Iterator", "ItemProcessor"} {
			if n := findState(st.Get(key), name, depth+1); n != nil {
				return n
			}
		}
	}
	return nil
}
