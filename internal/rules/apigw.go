package rules

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// apiRules are the rules about API Gateway (REST, HTTP and WebSocket
// APIs, their stages, routes and domains) and AppSync.
func apiRules() []*Rule {
	return []*Rule{
		apiAccessLogRule(), apiLogFormatRule(), apiExecutionLogRule(), apiTracingRule(),
		apiThrottlingRule(), apiCacheEncryptionRule(), apiAuthorizationRule(), apiValidationRule(),
		apiWAFRule(), apiUsagePlanRule(), apiPrivateRule(), apiDomainTLSRule(),
		appSyncTracingRule(), appSyncLoggingRule(),
	}
}

// stage is one deployed API stage: an AWS::ApiGateway::Stage or
// ApiGatewayV2::Stage, or the stage a written AWS::ApiGateway::Deployment
// creates with StageName (its settings are its StageDescription).
type stage struct {
	r     *app.Resource
	api   *app.Resource // nil when the API is not in the graph
	proto string        // REST, HTTP, WEBSOCKET; "" when unknown
	p     *app.Node     // the stage's settings
	// deployment is true for a Deployment's stage, whose method settings
	// for all methods are written flat in StageDescription.
	deployment bool
}

func stages(c *Context) []stage {
	var out []stage
	for _, r := range c.Resources() {
		switch r.Type {
		case "AWS::ApiGateway::Stage":
			out = append(out, stage{r: r, api: targetOf(c, r, r.Props.Get("RestApiId")), proto: "REST", p: r.Props})
		case "AWS::ApiGatewayV2::Stage":
			s := stage{r: r, api: targetOf(c, r, r.Props.Get("ApiId")), p: r.Props}
			if s.api != nil {
				s.proto = apiProtocol(s.api)
			}
			out = append(out, s)
		case "AWS::ApiGateway::Deployment":
			// SAM's generated deployments name a throwaway "Stage" stage
			// nobody configures: only written ones count.
			if r.Implicit || r.Props.Get("StageName") == nil {
				continue
			}
			p := r.Props.Get("StageDescription")
			if !p.IsMap() {
				p = app.NewMap(r.Pos)
			}
			out = append(out, stage{r: r, api: targetOf(c, r, r.Props.Get("RestApiId")), proto: "REST", p: p, deployment: true})
		}
	}
	return out
}

// on is the resource a finding about the stage is reported on: the API
// the user wrote when the stage was generated from it (SAM), else the
// stage.
func (s stage) on() *app.Resource {
	if s.api != nil {
		return reportedOn(s.r, s.api)
	}
	return s.r
}

// name is how messages refer to the stage.
func (s stage) name() string {
	n := ""
	if s.deployment {
		n = s.r.Props.Get("StageName").Text()
	} else {
		n = s.p.Get("StageName").Text()
	}
	what := "stage"
	if n != "" {
		what = "stage " + n
	} else {
		what = "stage " + s.r.ID
	}
	if s.api != nil {
		return fmt.Sprintf("%s of %s", what, label(s.api))
	}
	return what
}

func (s stage) related() []string { return resourceIDs(s.r, s.api) }

// accessLog returns the stage's access log settings.
func (s stage) accessLog() *app.Node {
	if s.proto == "REST" {
		return s.p.Get("AccessLogSetting")
	}
	return s.p.Get("AccessLogSettings")
}

// defaults returns the REST method settings that apply to every method
// (HttpMethod "*" on ResourcePath "/*", either left out), a Deployment's
// flat StageDescription included.
func (s stage) defaults() []*app.Node {
	var out []*app.Node
	for _, ms := range s.p.Get("MethodSettings").Items() {
		m, path := ms.Get("HttpMethod"), ms.Get("ResourcePath")
		if (m == nil || m.Text() == "*") && (path == nil || path.Text() == "/*") {
			out = append(out, ms)
		}
	}
	if s.deployment {
		out = append(out, s.p)
	}
	return out
}

func (s stage) report(c *Context, at *app.Node, format string, args ...any) {
	c.Report(Issue{Resource: s.on(), At: at, Pos: posOr(at, s.r.Pos), Related: s.related(),
		Message: fmt.Sprintf(format, args...)})
}

func apiAccessLogRule() *Rule {
	return &Rule{
		ID:       "api-access-logging",
		Title:    "API stage has no access log",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "Access logs are an API's record of who called what, with status and latency. Without " +
			"them a 5xx spike or an abusive client can only be seen in aggregate metrics. Checked on REST, " +
			"HTTP and WebSocket stages, SAM's (`AccessLogSetting` / `AccessLogSettings`, Globals included) " +
			"and stages created by a Deployment's `StageDescription`.",
		Remediation: "Set `AccessLogSetting` (REST) or `AccessLogSettings` (HTTP, WebSocket) with a " +
			"`DestinationArn` (a log group with a retention) and a JSON `Format`.",
		Aliases: []string{
			"serverless-rules:ES2000",
			"cdk-nag:Serverless-APIGWAccessLogging", "cdk-nag:AwsSolutions-APIG1",
			"checkov:CKV_AWS_76", "checkov:CKV_AWS_95",
			"kics:API Gateway V2 Stage Access Logging Settings Not Defined",
			"kics:API Gateway Deployment Without Access Log Setting",
			"kics:Serverless API Access Logging Setting Undefined",
			"tflint:aws_apigateway_stage_logging_rule", "tflint:aws_apigatewayv2_stage_logging_rule",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings:
        DestinationArn: !GetAtt ApiLogs.Arn
        Format: '{"requestId":"$context.requestId","status":"$context.status"}'
`,
		Check: func(c *Context) {
			for _, s := range stages(c) {
				al := s.accessLog()
				_, _, fn := al.Intrinsic()
				if al == nil || (al.IsMap() && !fn && al.Get("DestinationArn") == nil) {
					s.report(c, al, "%s has no access log", s.name())
				}
			}
		},
	}
}

var contextVar = regexp.MustCompile(`\$(context|stageVariables)\.[A-Za-z0-9_.\-]+|\$\{[^}]*\}`)

// jsonFormat reports whether an access log format is a JSON object once
// its $context variables (and a Sub template's ${...}) are filled in, and
// whether the format could be read at all.
func jsonFormat(n *app.Node) (valid, known bool) {
	s, ok := n.String()
	if !ok {
		name, arg, isFn := n.Intrinsic()
		if !isFn || name != "Fn::Sub" {
			return false, false
		}
		if s, ok = arg.String(); !ok {
			s = firstItem(arg).Text()
		}
		if s == "" {
			return false, false
		}
	}
	filled := contextVar.ReplaceAllString(strings.TrimSpace(s), "0")
	filled = strings.Trim(filled, "'")
	return strings.HasPrefix(filled, "{") && json.Valid([]byte(filled)), true
}

func apiLogFormatRule() *Rule {
	return &Rule{
		ID:       "api-log-format-json",
		Title:    "API access log format is not JSON",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "A JSON access log can be queried field by field (CloudWatch Logs Insights, `fnops " +
			"ingest`); CLF or free text has to be parsed with patterns first. The format is judged as API " +
			"Gateway writes it: `$context` variables are filled in before parsing, so " +
			"`{\"status\": $context.status}` is valid JSON (cdk-nag parses the template text as is and rejects " +
			"it), and a `!Sub` format is read too.",
		Remediation: "Write `Format` as a JSON object, e.g. " +
			"`{\"requestId\":\"$context.requestId\",\"status\":\"$context.status\",\"latency\":\"$context.responseLatency\"}`.",
		Aliases: []string{
			"serverless-rules:WS2001",
			"cdk-nag:Serverless-APIGWStructuredLogging",
			"tflint:aws_api_gateway_stage_structured_logging",
			"tflint:aws_apigatewayv2_stage_structured_logging",
		},
		Fail: `Resources:
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: abc123
      StageName: prod
      AccessLogSettings:
        DestinationArn: arn:aws:logs:eu-west-1:123456789012:log-group:api
        Format: $context.requestId $context.status $context.routeKey
`,
		Pass: `Resources:
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: abc123
      StageName: prod
      AccessLogSettings:
        DestinationArn: arn:aws:logs:eu-west-1:123456789012:log-group:api
        Format: '{"requestId":"$context.requestId","status":$context.status}'
`,
		Check: func(c *Context) {
			for _, s := range stages(c) {
				al := s.accessLog()
				if al.Get("DestinationArn") == nil {
					continue
				}
				f := al.Get("Format")
				if f == nil {
					s.report(c, al, "%s writes access logs without a Format", s.name())
					continue
				}
				if valid, known := jsonFormat(f); known && !valid {
					s.report(c, f, "%s: the access log format is not a JSON object", s.name())
				}
			}
		},
	}
}

// logLevelOn reports whether an execution logging level is ERROR or INFO,
// and whether it could be read.
func logLevelOn(n *app.Node) (on, known bool) {
	s, ok := n.String()
	if n != nil && !ok {
		return false, false
	}
	s = strings.ToUpper(s)
	return s == "ERROR" || s == "INFO", true
}

func apiExecutionLogRule() *Rule {
	return &Rule{
		ID:       "api-execution-logging",
		Title:    "API stage has no execution logging",
		Severity: app.SevInfo,
		Category: CategoryObservability,
		OptIn:    true,
		Description: "Execution logs show what API Gateway did with a request (authorizer results, " +
			"integration errors, mapping failures); access logs show only the outcome. They need an " +
			"account-wide CloudWatch role, cost ingestion on every request and at INFO can hold request " +
			"data, and access logs (`api-access-logging`) already cover the operational need: opt-in, for " +
			"teams whose standard asks for them (Security Hub APIGateway.1). REST stages set it " +
			"for all methods with a `MethodSettings` entry (`HttpMethod: \"*\"`, `ResourcePath: \"/*\"`), " +
			"WebSocket stages in `DefaultRouteSettings`. HTTP APIs have no execution logging, so they are not " +
			"checked (KICS flags them).",
		Remediation: "Add `MethodSettings: [{HttpMethod: \"*\", ResourcePath: \"/*\", LoggingLevel: ERROR}]` " +
			"(WebSocket: `DefaultRouteSettings.LoggingLevel: ERROR`); the account needs an " +
			"`AWS::ApiGateway::Account` with a CloudWatch role once per region.",
		Aliases: []string{"cdk-nag:AwsSolutions-APIG6"},
		Fail: `Resources:
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: abc123
      DeploymentId: dep123
      StageName: prod
`,
		Pass: `Resources:
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: abc123
      DeploymentId: dep123
      StageName: prod
      MethodSettings:
        - HttpMethod: "*"
          ResourcePath: "/*"
          LoggingLevel: ERROR
`,
		Check: func(c *Context) {
			for _, s := range stages(c) {
				switch s.proto {
				case "REST":
					ok := false
					for _, d := range s.defaults() {
						if on, known := logLevelOn(d.Get("LoggingLevel")); on || !known {
							ok = true
						}
					}
					if !ok {
						s.report(c, s.p.Get("MethodSettings"), "%s does not log executions (no LoggingLevel ERROR or INFO for all methods)", s.name())
					}
				case "WEBSOCKET":
					n := s.p.Path("DefaultRouteSettings", "LoggingLevel")
					if on, known := logLevelOn(n); known && !on {
						s.report(c, n, "%s does not log executions", s.name())
					}
				}
			}
		},
	}
}

func apiTracingRule() *Rule {
	return &Rule{
		ID:       "api-tracing",
		Title:    "REST API stage does not send X-Ray traces",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "With `TracingEnabled` API Gateway starts the X-Ray trace that follows a request into " +
			"its functions and services. Only REST APIs support it; HTTP and WebSocket stages are not checked.",
		Remediation: "Set `TracingEnabled: true` on the stage (SAM: on the `AWS::Serverless::Api` or in " +
			"`Globals.Api`).",
		Aliases: []string{
			"serverless-rules:WS2002",
			"cdk-nag:Serverless-APIGWXrayEnabled",
			"checkov:CKV_AWS_73",
			"kics:API Gateway X-Ray Disabled",
			"kics:Serverless API X-Ray Tracing Disabled",
			"tflint:aws_apigateway_stage_tracing_rule",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    TracingEnabled: true
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
`,
		Check: func(c *Context) {
			for _, s := range stages(c) {
				if s.proto != "REST" {
					continue
				}
				if n := s.p.Get("TracingEnabled"); !truthOf(n) {
					s.report(c, n, "%s does not trace requests with X-Ray", s.name())
				}
			}
		},
	}
}

func apiThrottlingRule() *Rule {
	return &Rule{
		ID:       "api-default-throttling",
		Title:    "API stage has no default throttling",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "Without stage throttling an API is limited only by the account's regional quota " +
			"(10,000 requests per second, shared by every API of the account), so one client can use it " +
			"all, and the functions behind the API scale until their own limits. REST stages set both " +
			"`ThrottlingBurstLimit` and `ThrottlingRateLimit` in a `MethodSettings` entry for all methods; " +
			"HTTP and WebSocket stages in `DefaultRouteSettings`.",
		Remediation: "Set both limits to what the backend can take (REST: `MethodSettings: [{HttpMethod: " +
			"\"*\", ResourcePath: \"/*\", ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100}]`; HTTP: " +
			"`DefaultRouteSettings`).",
		Aliases: []string{
			"serverless-rules:ES2003",
			"cdk-nag:Serverless-APIGWDefaultThrottling",
			"tflint:aws_apigateway_stage_throttling_rule",
			"tflint:aws_apigatewayv2_stage_throttling_rule",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefaultRouteSettings:
        ThrottlingBurstLimit: 200
        ThrottlingRateLimit: 100
`,
		Check: func(c *Context) {
			both := func(n *app.Node) bool {
				return n.Get("ThrottlingBurstLimit") != nil && n.Get("ThrottlingRateLimit") != nil
			}
			for _, s := range stages(c) {
				if s.proto == "REST" {
					if !slices.ContainsFunc(s.defaults(), both) {
						s.report(c, s.p.Get("MethodSettings"), "%s has no default throttling (burst and rate limits for all methods)", s.name())
					}
					continue
				}
				if d := s.p.Get("DefaultRouteSettings"); !both(d) {
					s.report(c, d, "%s has no default throttling (DefaultRouteSettings burst and rate limits)", s.name())
				}
			}
		},
	}
}

func apiCacheEncryptionRule() *Rule {
	return &Rule{
		ID:       "api-cache-encryption",
		Title:    "API cache is not encrypted",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A REST stage with a cache cluster caches the responses of the methods whose settings " +
			"say `CachingEnabled`; unless `CacheDataEncrypted` is also set, those responses are stored in " +
			"plain text. Only stages that cache are checked.",
		Remediation: "Set `CacheDataEncrypted: true` next to each `CachingEnabled: true`.",
		Aliases:     []string{"kics:API Gateway Cache Encrypted Disabled"},
		Fail: `Resources:
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: abc123
      DeploymentId: dep123
      StageName: prod
      CacheClusterEnabled: true
      MethodSettings:
        - HttpMethod: GET
          ResourcePath: /products
          CachingEnabled: true
`,
		Pass: `Resources:
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: abc123
      DeploymentId: dep123
      StageName: prod
      CacheClusterEnabled: true
      MethodSettings:
        - HttpMethod: GET
          ResourcePath: /products
          CachingEnabled: true
          CacheDataEncrypted: true
`,
		Check: func(c *Context) {
			for _, s := range stages(c) {
				if s.proto != "REST" || !truthOf(s.p.Get("CacheClusterEnabled")) {
					continue
				}
				entries := s.p.Get("MethodSettings").Items()
				if s.deployment {
					entries = append(entries, s.p)
				}
				for _, ms := range entries {
					if on, _ := ms.Get("CachingEnabled").Truth(); on && !truthOf(ms.Get("CacheDataEncrypted")) {
						s.report(c, ms, "%s caches responses unencrypted", s.name())
					}
				}
			}
		},
	}
}

// route is one API route as the template declares it: an
// AWS::ApiGateway::Method, an ApiGatewayV2::Route, or an operation of an
// API's OpenAPI body (SAM writes its events there).
type route struct {
	api    *app.Resource // nil when the API is not in the graph
	on     *app.Resource // the resource to report on
	apiID  string        // groups the routes of one API
	method string        // upper case; ANY for any
	path   string
	at     *app.Node
	proto  string
	// authorized: an authorizer or IAM; keyOnly: an API key and nothing
	// else; explicitNone: NONE written on purpose.
	authorized, keyOnly, explicitNone bool
	validated                         bool
}

func (r route) label() string {
	if r.path == "" {
		return r.method
	}
	return r.method + " " + r.path
}

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}

func routes(c *Context) []route {
	var out []route
	for _, r := range c.Resources() {
		switch r.Type {
		case "AWS::ApiGateway::Method":
			api := targetOf(c, r, r.Props.Get("RestApiId"))
			auth := r.Props.Get("AuthorizationType")
			rt := route{api: api, on: r, apiID: idOr(api, r.Props.Get("RestApiId")), method: strings.ToUpper(r.Props.Get("HttpMethod").Text()),
				at: auth, proto: "REST", validated: r.Props.Get("RequestValidatorId") != nil}
			rt.setAuth(auth, r.Props.Get("ApiKeyRequired"))
			out = append(out, rt)
		case "AWS::ApiGatewayV2::Route":
			api := targetOf(c, r, r.Props.Get("ApiId"))
			key := r.Props.Get("RouteKey").Text()
			rt := route{api: api, on: r, apiID: idOr(api, r.Props.Get("ApiId")), at: r.Props.Get("AuthorizationType")}
			if api != nil {
				rt.proto = apiProtocol(api)
			}
			rt.method, rt.path, _ = strings.Cut(key, " ")
			rt.method = strings.ToUpper(rt.method)
			rt.setAuth(r.Props.Get("AuthorizationType"), r.Props.Get("ApiKeyRequired"))
			out = append(out, rt)
		}
	}
	for _, api := range c.Resources(app.KindAPI) {
		out = append(out, bodyRoutes(api)...)
	}
	return out
}

func idOr(r *app.Resource, n *app.Node) string {
	if r != nil {
		return r.ID
	}
	s, _ := pattern(n)
	return s
}

// setAuth reads a Method's or Route's AuthorizationType and
// ApiKeyRequired.
func (r *route) setAuth(auth, key *app.Node) {
	s, ok := auth.String()
	if auth != nil && !ok {
		r.authorized = true // a parameter decides
		return
	}
	r.authorized = auth != nil && !strings.EqualFold(s, "NONE")
	r.explicitNone = auth != nil && auth.Origin != app.Default && strings.EqualFold(s, "NONE")
	if k, _ := key.Truth(); k && !r.authorized {
		r.keyOnly = true
	}
}

// bodyRoutes reads the operations of an API's inline OpenAPI definition.
func bodyRoutes(api *app.Resource) []route {
	body := api.Props.Get("Body")
	if !body.IsMap() {
		return nil
	}
	proto := apiProtocol(api)
	rootSec := body.Get("security")
	schemes := body.Get("securityDefinitions")
	if schemes == nil {
		schemes = body.Path("components", "securitySchemes")
	}
	rootValidator := body.Get("x-amazon-apigateway-request-validator") != nil
	var out []route
	paths := body.Get("paths")
	if !paths.IsMap() {
		return nil
	}
	for i, path := range paths.Keys {
		item := paths.Values[i]
		if !item.IsMap() {
			continue
		}
		for j, m := range item.Keys {
			op := item.Values[j]
			if !slices.Contains(openAPIMethods, m) || !op.IsMap() {
				continue
			}
			method := strings.ToUpper(m)
			if m == "x-amazon-apigateway-any-method" {
				method = "ANY"
			}
			rt := route{api: api, on: api, apiID: api.ID, method: method, path: path, at: op, proto: proto,
				validated: rootValidator || op.Get("x-amazon-apigateway-request-validator") != nil}
			sec := op.Get("security")
			if sec == nil {
				sec = rootSec
			}
			if op.Get("x-amazon-apigateway-auth") != nil {
				rt.authorized = true
			}
			if sec != nil && sec.IsList() && sec.Len() == 0 {
				rt.explicitNone = true
			}
			for _, req := range sec.Items() {
				if !req.IsMap() {
					rt.authorized = true
					continue
				}
				for _, name := range req.Keys {
					switch {
					case name == "NONE":
						rt.explicitNone = true
					case isAPIKeyScheme(name, schemes.Get(name)):
						rt.keyOnly = true
					default:
						rt.authorized = true
					}
				}
			}
			if rt.authorized {
				rt.keyOnly = false
			}
			out = append(out, rt)
		}
	}
	return out
}

// isAPIKeyScheme reports whether a security scheme is an API Gateway API
// key (an apiKey scheme named x-api-key with no authorizer behind it).
func isAPIKeyScheme(name string, s *app.Node) bool {
	if name == "api_key" && s == nil {
		return true
	}
	return s.Get("type").Text() == "apiKey" && strings.EqualFold(s.Get("name").Text(), "x-api-key") &&
		s.Get("x-amazon-apigateway-authorizer") == nil && s.Get("x-amazon-apigateway-authtype") == nil
}

// privateAPI reports whether a REST API is reachable only through VPC
// endpoints.
func privateAPI(api *app.Resource) bool {
	return api != nil && slices.ContainsFunc(api.Props.Path("EndpointConfiguration", "Types").Strings(), func(t string) bool {
		return strings.EqualFold(t, "PRIVATE")
	})
}

func apiAuthorizationRule() *Rule {
	return &Rule{
		ID:       "api-authorization",
		Title:    "API route is open to anyone",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A route with no authorizer (authorization type `NONE`, no IAM, Cognito, JWT or Lambda " +
			"authorizer) can be called by anyone on the internet. Read from `AWS::ApiGateway::Method`, " +
			"`AWS::ApiGatewayV2::Route` and the OpenAPI definitions SAM builds from events (`Auth`, " +
			"`DefaultAuthorizer`, `Globals`). An API key alone is reported too: API Gateway documents keys " +
			"as a usage-plan identifier, not as authentication.\n\n" +
			"Not flagged: `OPTIONS` (CORS preflight), WebSocket routes other than `$connect` (the only one " +
			"authorizers apply to), private REST APIs, and a route whose `NONE` is written on purpose (SAM " +
			"`Auth.Authorizer: NONE`, `AuthorizationType: NONE`) in an API whose other routes are " +
			"authorized: that is a deliberate public route, such as a product catalogue.",
		Remediation: "Add an authorizer (SAM: `Auth.DefaultAuthorizer`), or `AWS_IAM`; to keep a route public " +
			"on purpose, write `Authorizer: NONE` on it.",
		Aliases: []string{
			"cdk-nag:AwsSolutions-APIG4",
			"checkov:CKV_AWS_59",
			"kics:API Gateway With Open Access",
			"kics:API Gateway Without Configured Authorizer",
			"kics:API Gateway Method Does Not Contains An API Key",
		},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Create:
          Type: HttpApi
          Properties:
            Path: /orders
            Method: POST
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration:
              issuer: https://auth.example.com/
              audience: [shop]
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Create:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /orders
            Method: POST
        Catalogue:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /products
            Method: GET
            Auth:
              Authorizer: NONE
`,
		Check: func(c *Context) {
			rs := routes(c)
			authorizedAPI := map[string]bool{}
			for _, r := range rs {
				if r.authorized {
					authorizedAPI[r.apiID] = true
				}
			}
			for _, r := range rs {
				switch {
				case r.authorized, r.method == "OPTIONS", privateAPI(r.api):
					continue
				case r.proto == "WEBSOCKET" && r.method != "$CONNECT":
					continue
				case r.explicitNone && authorizedAPI[r.apiID]:
					continue
				}
				what := "has no authorization"
				if r.keyOnly {
					what = "is protected by an API key only"
				}
				name := r.apiID
				if r.api != nil {
					name = label(r.api)
				}
				c.Report(Issue{Resource: r.on, At: r.at, Pos: posOr(r.at, r.on.Pos), Related: resourceIDs(r.api),
					Message: fmt.Sprintf("route %s of API %s %s", r.label(), name, what)})
			}
		},
	}
}

func apiValidationRule() *Rule {
	return &Rule{
		ID:       "api-request-validation",
		Title:    "REST API route does not validate requests",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "A request validator lets API Gateway reject a malformed body or missing parameters " +
			"before the function runs (and bills). Lambda proxy integrations often validate in code " +
			"instead, so the rule is opt-in. Counted: `RequestValidatorId` on a Method, " +
			"`x-amazon-apigateway-request-validator` in the definition, and SAM's " +
			"`RequestModel.ValidateBody` / `ValidateParameters`. REST APIs only (HTTP APIs have no validators).",
		Remediation: "Add an `AWS::ApiGateway::RequestValidator` and set `RequestValidatorId` (SAM: " +
			"`RequestModel: {Model: Order, ValidateBody: true}` on the event).",
		Aliases: []string{"cdk-nag:AwsSolutions-APIG2"},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Create:
          Type: Api
          Properties:
            Path: /orders
            Method: post
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Models:
        Order:
          type: object
          required: [sku]
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Create:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: post
            RequestModel:
              Model: Order
              ValidateBody: true
`,
		Check: func(c *Context) {
			for _, r := range routes(c) {
				if r.proto != "REST" || r.validated || r.method == "OPTIONS" {
					continue
				}
				c.Report(Issue{Resource: r.on, At: r.at, Pos: posOr(r.at, r.on.Pos), Related: resourceIDs(r.api),
					Message: fmt.Sprintf("route %s of API %s does not validate requests", r.label(), r.apiID)})
			}
		},
	}
}

// associations returns the ids that the resources of the given types
// name in key (for UsagePlan ApiStages, in each stage's ApiId).
func associations(c *Context, key string, types ...string) map[string]bool {
	ids := map[string]bool{}
	add := func(id string) { ids[id] = true }
	for _, a := range ofType(c, types...) {
		n := a.Props.Get(key)
		if key == "ApiStages" {
			for _, it := range n.Items() {
				mentionedIDs(it.Get("ApiId"), add)
			}
			continue
		}
		mentionedIDs(n, add)
	}
	return ids
}

// associated reports whether ids names the stage or its API.
func (s stage) associated(ids map[string]bool) bool {
	return ids[localID(s.r)] || (s.api != nil && ids[localID(s.api)])
}

func apiWAFRule() *Rule {
	return &Rule{
		ID:       "api-waf",
		Title:    "REST API stage has no WAF web ACL",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "AWS WAF filters common attacks and floods before they reach the API. Many teams attach " +
			"web ACLs centrally (Firewall Manager) or put CloudFront in front, which a template cannot show, " +
			"so the rule is opt-in. An `AWS::WAFv2::WebACLAssociation` (or WAF Regional's) whose `ResourceArn` " +
			"refers to the stage or its API counts. HTTP APIs cannot have a web ACL and are not checked.",
		Remediation: "Add an `AWS::WAFv2::WebACLAssociation` with `ResourceArn: !Sub " +
			"arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod`.",
		Aliases: []string{"cdk-nag:AwsSolutions-APIG3", "kics:API Gateway without WAF"},
		Fail: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: shop
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: dep123
      StageName: prod
`,
		Pass: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: shop
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: dep123
      StageName: prod
  Firewall:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod
      WebACLArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop/abc
`,
		Check: func(c *Context) {
			ids := associations(c, "ResourceArn", "AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")
			for _, s := range stages(c) {
				if s.proto == "REST" && !s.associated(ids) {
					s.report(c, nil, "%s has no WAF web ACL", s.name())
				}
			}
		},
	}
}

func apiUsagePlanRule() *Rule {
	return &Rule{
		ID:       "api-usage-plan",
		Title:    "REST API stage is in no usage plan",
		Severity: app.SevInfo,
		Category: CategoryReliability,
		OptIn:    true,
		Description: "A usage plan gives each API key its own throttle and quota, so one client cannot starve " +
			"the others. Only APIs that hand out keys need one: opt-in. An `AWS::ApiGateway::UsagePlan` whose " +
			"`ApiStages` name the API counts, and so does SAM's `Auth.UsagePlan` (`PER_API` or `SHARED`, " +
			"`Globals.Api` included).",
		Remediation: "Add an `AWS::ApiGateway::UsagePlan` with `ApiStages: [{ApiId: !Ref Api, Stage: prod}]` " +
			"and `Throttle`/`Quota`.",
		Aliases: []string{
			"kics:API Gateway Stage Without API Gateway UsagePlan Associated",
			"kics:API Gateway Deployment Without API Gateway UsagePlan Associated",
		},
		Fail: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: partners
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: dep123
      StageName: prod
`,
		Pass: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: partners
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: dep123
      StageName: prod
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Api
          Stage: !Ref Stage
      Throttle: {BurstLimit: 50, RateLimit: 20}
`,
		Check: func(c *Context) {
			ids := associations(c, "ApiStages", "AWS::ApiGateway::UsagePlan")
			for _, s := range stages(c) {
				if s.proto == "REST" && !s.associated(ids) {
					s.report(c, nil, "%s is in no usage plan", s.name())
				}
			}
		},
	}
}

func apiPrivateRule() *Rule {
	return &Rule{
		ID:       "api-private-endpoint",
		Title:    "REST API is reachable from the internet",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "A `PRIVATE` REST API is reachable only through interface VPC endpoints. Most APIs are " +
			"public on purpose, so the rule is opt-in, for internal services that should never be on the " +
			"internet.",
		Remediation: "Set `EndpointConfiguration: {Types: [PRIVATE], VpcEndpointIds: [...]}` (SAM: " +
			"`EndpointConfiguration: {Type: PRIVATE}`) and a resource policy limiting `aws:SourceVpce`.",
		Aliases: []string{
			"kics:API Gateway Endpoint Config is Not Private",
			"kics:Serverless API Endpoint Config Not Private",
		},
		Fail: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: internal
`,
		Pass: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: internal
      EndpointConfiguration:
        Types: [PRIVATE]
`,
		Check: func(c *Context) {
			for _, api := range c.Resources(app.KindAPI) {
				if apiProtocol(api) != "REST" || privateAPI(api) {
					continue
				}
				if t := api.Props.Path("EndpointConfiguration", "Types"); t != nil && len(t.Strings()) == 0 {
					continue // a parameter decides
				}
				c.Report(Issue{Resource: api, At: api.Props.Get("EndpointConfiguration"),
					Message: fmt.Sprintf("REST API %s has a public endpoint", label(api))})
			}
		},
	}
}

func apiDomainTLSRule() *Rule {
	return &Rule{
		ID:       "api-domain-tls",
		Title:    "API custom domain accepts TLS 1.0",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A REST API custom domain (`AWS::ApiGateway::DomainName`) accepts TLS 1.0 and 1.1 " +
			"clients unless `SecurityPolicy` is `TLS_1_2` or one of the enhanced `SecurityPolicy_*` " +
			"policies: created without one (CloudFormation, the CLI), a REST domain gets the " +
			"legacy TLS 1.0 policy. HTTP and WebSocket domains " +
			"(`AWS::ApiGatewayV2::DomainName`) only support TLS 1.2, so a missing policy there is fine (KICS " +
			"and Guard flag it).",
		Remediation: "Set `SecurityPolicy: TLS_1_2` (SAM: `Domain.SecurityPolicy`).",
		Aliases:     []string{"kics:API Gateway Without Security Policy"},
		Fail: `Resources:
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: api.example.com
      RegionalCertificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc
      EndpointConfiguration:
        Types: [REGIONAL]
`,
		Pass: `Resources:
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: api.example.com
      RegionalCertificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc
      EndpointConfiguration:
        Types: [REGIONAL]
      SecurityPolicy: TLS_1_2
`,
		Check: func(c *Context) {
			for _, d := range ofType(c, "AWS::ApiGateway::DomainName") {
				sp := d.Props.Get("SecurityPolicy")
				if s, ok := sp.String(); sp == nil || (ok && strings.EqualFold(s, "TLS_1_0")) {
					c.Report(Issue{Resource: reportedOn(d, nil), At: sp,
						Message: fmt.Sprintf("custom domain %s accepts TLS 1.0%s", domainName(d), dflt(sp))})
				}
			}
			for _, d := range ofType(c, "AWS::ApiGatewayV2::DomainName") {
				for _, cfg := range d.Props.Get("DomainNameConfigurations").Items() {
					if sp := cfg.Get("SecurityPolicy"); strings.EqualFold(sp.Text(), "TLS_1_0") {
						c.Report(Issue{Resource: d, At: sp, Message: fmt.Sprintf("custom domain %s asks for TLS 1.0", domainName(d))})
					}
				}
			}
		},
	}
}

func domainName(d *app.Resource) string {
	if s, ok := pattern(d.Props.Get("DomainName")); ok {
		return s
	}
	return d.ID
}

func appSyncTracingRule() *Rule {
	return &Rule{
		ID:       "appsync-tracing",
		Title:    "GraphQL API does not send X-Ray traces",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "Without `XrayEnabled` an AppSync API's resolvers and data sources do not appear in " +
			"X-Ray, so slow fields cannot be told apart.",
		Remediation: "Set `XrayEnabled: true`.",
		Aliases: []string{
			"serverless-rules:WS3000",
			"cdk-nag:Serverless-AppSyncTracing",
			"tflint:aws_appsync_graphql_api_tracing_rule",
		},
		Fail: `Resources:
  Graph:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      Name: shop
      AuthenticationType: AWS_IAM
`,
		Pass: `Resources:
  Graph:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      Name: shop
      AuthenticationType: AWS_IAM
      XrayEnabled: true
`,
		Check: func(c *Context) {
			for _, g := range c.Resources(app.KindAppSync) {
				if n := g.Props.Get("XrayEnabled"); !truthOf(n) {
					c.Report(Issue{Resource: g, At: n, Message: fmt.Sprintf("GraphQL API %s does not trace requests with X-Ray", label(g))})
				}
			}
		},
	}
}

func appSyncLoggingRule() *Rule {
	return &Rule{
		ID:       "appsync-logging",
		Title:    "GraphQL API does not log to CloudWatch",
		Severity: app.SevWarning,
		Category: CategoryObservability,
		Description: "An AppSync API logs resolver errors and request summaries only with a `LogConfig` " +
			"whose `FieldLogLevel` is not `NONE`. SAM's `AWS::Serverless::GraphQLApi` logs at ALL unless " +
			"`Logging: false`, so it is flagged only then.",
		Remediation: "Set `LogConfig: {FieldLogLevel: ERROR, CloudWatchLogsRoleArn: ...}` (SAM: leave " +
			"`Logging` out or set its `FieldLogLevel`).",
		Aliases: []string{"checkov:CKV_AWS_193"},
		Fail: `Resources:
  Graph:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      Name: shop
      AuthenticationType: AWS_IAM
`,
		Pass: `Resources:
  Graph:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      Name: shop
      AuthenticationType: AWS_IAM
      LogConfig:
        FieldLogLevel: ERROR
        CloudWatchLogsRoleArn: arn:aws:iam::123456789012:role/appsync-logs
`,
		Check: func(c *Context) {
			for _, g := range c.Resources(app.KindAppSync) {
				var cfg *app.Node
				if g.Type == "AWS::Serverless::GraphQLApi" {
					l := g.Props.Get("Logging")
					if on, known := l.Truth(); !known || on {
						if !l.IsMap() || !strings.EqualFold(l.Get("FieldLogLevel").Text(), "NONE") {
							continue
						}
					}
					cfg = l
				} else {
					cfg = g.Props.Get("LogConfig")
					lvl := cfg.Get("FieldLogLevel")
					if s, ok := lvl.String(); (lvl != nil && !ok) || (ok && !strings.EqualFold(s, "NONE")) {
						continue
					}
				}
				c.Report(Issue{Resource: g, At: cfg, Message: fmt.Sprintf("GraphQL API %s does not log to CloudWatch", label(g))})
			}
		},
	}
}
