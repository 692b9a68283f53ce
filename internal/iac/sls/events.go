package sls

import (
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// events compiles a function's events, counting per type as the
// framework does for the ids that carry an index (EventsRuleSchedule1).
func (c *compiler) events(f *function) {
	ev := f.def.Get("events")
	if ev != nil && !ev.IsList() && ev.Kind != app.NullNode {
		c.diag(ev.Pos, app.SevError, "function %s: events is not a list", f.key)
		return
	}
	count := map[string]int{}
	for pos, e := range ev.Items() {
		if !e.IsMap() || e.Len() != 1 {
			c.diag(e.Pos, app.SevError, "function %s: an event is a map with one key, the event type", f.key)
			continue
		}
		typ, v, p := e.Keys[0], e.Values[0], entryPos(e, 0)
		count[typ]++
		g := c.mk(p)
		switch typ {
		case "http":
			c.httpEvent(f, v, g)
		case "httpApi":
			c.httpAPIEvent(f, v, g)
		case "sqs":
			c.sqsEvent(f, v, g)
		case "stream":
			c.streamEvent(f, v, g)
		case "s3":
			c.s3Event(f, v, g)
		case "sns":
			c.snsEvent(f, v, g)
		case "schedule":
			count[typ] += c.scheduleEvent(f, v, g, count[typ]) - 1
		case "eventBridge":
			// The framework numbers eventBridge rules by the event's
			// place among all the function's events.
			c.eventBridgeEvent(f, v, g, pos+1)
		case "cloudwatchEvent":
			c.cloudwatchEvent(f, v, g, count[typ])
		case "cloudwatchLog":
			c.cloudwatchLogEvent(f, v, g, count[typ])
		case "websocket":
			c.websocketEvent(f, v, g)
		case "alb":
			c.albEvent(f, v, g)
		case "iot":
			c.iotEvent(f, v, g, count[typ])
		case "kafka":
			c.kafkaEvent(f, v, g)
		case "msk":
			c.mskEvent(f, v, g)
		case "activemq", "rabbitmq":
			c.mqEvent(f, typ, v, g)
		case "cognitoUserPool":
			c.cognitoEvent(f, v, g)
		case "alexaSkill":
			c.permission(f, f.norm+"LambdaPermissionAlexaSkill"+strconv.Itoa(count[typ]), g, g.str("alexa-appkit.amazon.com"), nil,
				"EventSourceToken", skillID(v))
		case "alexaSmartHome":
			c.permission(f, f.norm+"LambdaPermissionAlexaSmartHome"+strconv.Itoa(count[typ]), g, g.str("alexa-connectedhome.amazon.com"), nil,
				"EventSourceToken", skillID(v))
		case "cloudFront", "iotFleetProvisioning":
			c.diag(p, app.SevWarning, "function %s: %s events are not compiled by fnops; their resources are missing from the model", f.key, typ)
		default:
			c.diag(p, app.SevError, "function %s: unknown event type %q", f.key, typ)
		}
	}
}

func skillID(v *app.Node) *app.Node {
	if v.IsMap() {
		return v.Get("appId")
	}
	return nil
}

// arnName is the name the framework takes from an event source's ARN for
// its ids: the logical id of a Ref/GetAtt, the name of an ImportValue, the
// last segment of a literal ARN.
func arnName(n *app.Node) string {
	if id := refTarget(n); id != "" {
		return id
	}
	if name, arg, ok := n.Intrinsic(); ok {
		if name == "Fn::ImportValue" {
			return arg.Text()
		}
		return ""
	}
	s := n.Text()
	if i := strings.LastIndexAny(s, ":/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// --- API Gateway (REST) ---

func (c *compiler) httpEvent(f *function, v *app.Node, g mk) {
	var method, path string
	opts := v
	if s, ok := v.String(); ok {
		method, path, _ = strings.Cut(strings.TrimSpace(s), " ")
		opts = nil
	} else {
		method, path = v.Get("method").Text(), v.Get("path").Text()
	}
	if method == "" || (path == "" && opts.Get("path") == nil) {
		c.diag(g.p, app.SevError, "function %s: http event needs a method and a path", f.key)
		return
	}
	if i := opts.Get("integration").Text(); i != "" && !strings.EqualFold(i, "lambda-proxy") && !strings.EqualFold(i, "aws_proxy") && !strings.EqualFold(i, "lambda") {
		c.diag(g.p, app.SevWarning, "function %s: http integration %q is not modelled; treated as lambda-proxy", f.key, i)
	}
	c.rest = true
	path = strings.Trim(path, "/")
	parent := g.getAtt("ApiGatewayRestApi", "RootResourceId")
	resID := ""
	if path != "" {
		parts := strings.Split(path, "/")
		for i := range parts {
			sub := strings.Join(parts[:i+1], "/")
			id := "ApiGatewayResource" + normalizePath(sub)
			if c.restResources[sub] == "" {
				c.restResources[sub] = id
				c.add(id, "AWS::ApiGateway::Resource", g.p, g.m("ParentId", parent, "PathPart", g.str(parts[i]),
					"RestApiId", g.ref("ApiGatewayRestApi")))
			}
			parent = g.ref(id)
		}
		resID = normalizePath(path)
	}
	m := strings.ToUpper(method)
	if m == "ANY" || m == "*" {
		m = "ANY"
	}
	id := "ApiGatewayMethod" + resID + upperFirst(strings.ToLower(m))
	authType, authID, scopes := c.restAuthorizer(f, opts.Get("authorizer"), g)
	private, _ := opts.Get("private").Truth()
	props := g.m("HttpMethod", g.str(m), "RequestParameters", g.m(), "ResourceId", parent,
		"RestApiId", g.ref("ApiGatewayRestApi"), "ApiKeyRequired", g.boolean(private),
		"AuthorizationType", g.str(authType), "AuthorizerId", authID, "AuthorizationScopes", scopes,
		"Integration", g.m("IntegrationHttpMethod", g.str("POST"), "Type", g.str("AWS_PROXY"),
			"Uri", g.join("", "arn:", g.partition(), ":apigateway:", g.region(), ":lambda:path/2015-03-31/functions/", f.arn(g), "/invocations")),
		"MethodResponses", g.list())
	if c.add(id, "AWS::ApiGateway::Method", g.p, props) != nil {
		c.restMethods = append(c.restMethods, id)
	}
	c.permission(f, f.norm+"LambdaPermissionApiGateway", g, g.str("apigateway.amazonaws.com"),
		g.join("", "arn:", g.partition(), ":execute-api:", g.region(), ":", g.account(), ":", g.ref("ApiGatewayRestApi"), "/*/*"))
}

// restAuthorizer reads an http event's authorizer: aws_iam, a function of
// the service or an ARN (a TOKEN authorizer), a Cognito user pool ARN, or
// {type, authorizerId} naming one defined in resources.
func (c *compiler) restAuthorizer(f *function, a *app.Node, g mk) (typ string, id, scopes *app.Node) {
	if a == nil {
		return "NONE", nil, nil
	}
	name, arn := a.Text(), a.Text()
	if a.IsMap() {
		if t := a.Get("type").Text(); strings.EqualFold(t, "aws_iam") {
			return "AWS_IAM", nil, nil
		}
		if aid := a.Get("authorizerId"); aid != nil {
			t := strings.ToUpper(a.Get("type").Text())
			if t == "" || t == "TOKEN" || t == "REQUEST" {
				t = "CUSTOM"
			}
			return t, aid, a.Get("scopes")
		}
		name, arn = a.Get("name").Text(), a.Get("arn").Text()
		scopes = a.Get("scopes")
	}
	if strings.EqualFold(name, "aws_iam") {
		return "AWS_IAM", nil, nil
	}
	typ = "CUSTOM"
	authType, uri := "TOKEN", (*app.Node)(nil)
	switch {
	case strings.Contains(arn, ":cognito-idp:"):
		typ, authType = "COGNITO_USER_POOLS", "COGNITO_USER_POOLS"
		if name == "" || name == arn {
			name = arn[strings.LastIndexByte(arn, '/')+1:]
		}
	case c.fnByKey[name] != nil:
		uri = g.join("", "arn:", g.partition(), ":apigateway:", g.region(), ":lambda:path/2015-03-31/functions/",
			g.getAtt(c.fnByKey[name].id, "Arn"), "/invocations")
	case strings.HasPrefix(arn, "arn:"):
		uri = g.join("", "arn:", g.partition(), ":apigateway:", g.region(), ":lambda:path/2015-03-31/functions/", arn, "/invocations")
		name = arn[strings.LastIndexByte(arn, ':')+1:]
	default:
		c.diag(a.Pos, app.SevError, "function %s: authorizer %q is neither aws_iam, a function of this service nor an ARN", f.key, name)
		return "NONE", nil, nil
	}
	aid := normalizedName(name) + "ApiGatewayAuthorizer"
	props := g.m("AuthorizerResultTtlInSeconds", g.num(300),
		"IdentitySource", g.str("method.request.header.Authorization"), "Name", g.str(name),
		"RestApiId", g.ref("ApiGatewayRestApi"), "Type", g.str(authType), "AuthorizerUri", uri)
	if authType == "COGNITO_USER_POOLS" {
		props.Set("ProviderARNs", g.list(a.Get("arn")))
		if !a.IsMap() {
			props.Set("ProviderARNs", g.list(a))
		}
	}
	c.add(aid, "AWS::ApiGateway::Authorizer", g.p, props)
	if uri != nil && c.fnByKey[name] != nil {
		af := c.fnByKey[name]
		c.permission(af, af.norm+"LambdaPermissionApiGateway", g, g.str("apigateway.amazonaws.com"),
			g.join("", "arn:", g.partition(), ":execute-api:", g.region(), ":", g.account(), ":", g.ref("ApiGatewayRestApi"), "/*/*"))
	}
	return typ, g.ref(aid), scopes
}

// --- HTTP API ---

func (c *compiler) httpAPIEvent(f *function, v *app.Node, g mk) {
	route := ""
	var auth *app.Node
	if s, ok := v.String(); ok {
		route = strings.TrimSpace(s)
	} else {
		m, p := v.Get("method").Text(), v.Get("path").Text()
		route = strings.ToUpper(m) + " " + p
		if m == "*" {
			route = "ANY " + p
		}
		auth = v.Get("authorizer")
	}
	if route != "*" {
		m, p, ok := strings.Cut(route, " ")
		if !ok || p == "" {
			c.diag(g.p, app.SevError, "function %s: httpApi route %q is not METHOD /path or *", f.key, route)
			return
		}
		if m == "*" {
			m = "ANY"
		}
		route = strings.ToUpper(m) + " " + p
	}
	if route == "*" {
		route = "$default"
	}
	c.httpAPI = true
	integ := "HttpApiIntegration" + f.norm
	payload := c.prov.Path("httpApi", "payload")
	if payload == nil {
		payload = g.str("2.0")
	}
	c.add(integ, "AWS::ApiGatewayV2::Integration", g.p, g.m("ApiId", g.ref("HttpApi"), "IntegrationType", g.str("AWS_PROXY"),
		"IntegrationUri", f.arn(g), "PayloadFormatVersion", payload, "TimeoutInMillis", g.num(30000)))
	id := "HttpApiRouteDefault"
	if route != "$default" {
		id = "HttpApiRoute" + normalizePath(route)
	}
	props := g.m("ApiId", g.ref("HttpApi"), "RouteKey", g.str(route),
		"Target", g.join("/", "integrations", g.ref(integ)))
	if auth != nil {
		name := auth.Get("name").Text()
		if name == "" {
			name = auth.Text()
		}
		switch {
		case auth.Get("type").Text() == "aws_iam" || name == "aws_iam":
			props.Set("AuthorizationType", g.str("AWS_IAM"))
		case c.prov.Path("httpApi", "authorizers", name) != nil:
			a := c.prov.Path("httpApi", "authorizers", name)
			aid := "HttpApiAuthorizer" + normalizedName(name)
			if a.Get("type").Text() == "request" {
				props.Set("AuthorizationType", g.str("CUSTOM"))
			} else {
				props.Set("AuthorizationType", g.str("JWT"))
				if sc := auth.Get("scopes"); sc != nil {
					props.Set("AuthorizationScopes", sc)
				}
			}
			props.Set("AuthorizerId", g.ref(aid))
		default:
			c.diag(auth.Pos, app.SevError, "function %s: httpApi authorizer %q is not in provider.httpApi.authorizers", f.key, name)
		}
	}
	c.add(id, "AWS::ApiGatewayV2::Route", g.p, props, integ)
	c.permission(f, f.norm+"LambdaPermissionHttpApi", g, g.str("apigateway.amazonaws.com"),
		g.join("", "arn:", g.partition(), ":execute-api:", g.region(), ":", g.account(), ":", g.ref("HttpApi"), "/*"))
}

// apis creates the APIs events attached to, after every event added its
// parts.
func (c *compiler) apis() {
	pp := keyPos(c.doc, "provider")
	if c.rest {
		g := c.mk(pp)
		name := c.prov.Get("apiName")
		if name == nil {
			name = g.str(c.stage + "-" + c.service)
		}
		types := c.prov.Get("endpointType")
		if types == nil {
			types = g.str("EDGE")
		}
		c.add("ApiGatewayRestApi", "AWS::ApiGateway::RestApi", pp, g.m("Name", name,
			"EndpointConfiguration", g.m("Types", g.list(c.mk(types.Pos).str(strings.ToUpper(types.Text())))), "Policy", g.str("")))
		depID := "ApiGatewayDeployment" + hash(strings.Join(c.restMethods, ","))
		c.add(depID, "AWS::ApiGateway::Deployment", pp, g.m("RestApiId", g.ref("ApiGatewayRestApi"),
			"StageName", g.str(c.stage)), c.restMethods...)
		c.restStage(depID, g)
		c.outs.Set("ServiceEndpoint", g.m("Description", g.str("URL of the service endpoint"),
			"Value", g.join("", "https://", g.ref("ApiGatewayRestApi"), ".execute-api.", g.region(), ".", g.ref("AWS::URLSuffix"), "/"+c.stage)))
	}
	if c.httpAPI {
		c.httpAPIResources(pp)
	}
	if c.ws {
		c.websocketAPI(pp)
	}
}

// restStage adds ApiGatewayStage when provider.logs.restApi or
// provider.tracing.apiGateway asks for stage settings, as the framework
// does.
func (c *compiler) restStage(depID string, g mk) {
	logs := c.prov.Path("logs", "restApi")
	tracing := c.prov.Path("tracing", "apiGateway")
	on := func(n *app.Node) bool { b, ok := n.Truth(); return n != nil && (n.IsMap() || ok && b) }
	if !on(logs) && !on(tracing) {
		return
	}
	props := g.m("RestApiId", g.ref("ApiGatewayRestApi"), "DeploymentId", g.ref(depID), "StageName", g.str(c.stage))
	if on(tracing) {
		props.Set("TracingEnabled", c.mk(tracing.Pos).boolean(true))
	}
	if on(logs) {
		lg := c.mk(logs.Pos)
		c.add("ApiGatewayLogGroup", "AWS::Logs::LogGroup", logs.Pos, lg.m("LogGroupName", lg.str("/aws/api-gateway/"+c.service+"-"+c.stage),
			"RetentionInDays", c.prov.Get("logRetentionInDays")))
		props.Set("AccessLogSetting", lg.m("DestinationArn", lg.getAtt("ApiGatewayLogGroup", "Arn"),
			"Format", lg.str(`requestId: $context.requestId, ip: $context.identity.sourceIp, requestTime: $context.requestTime, httpMethod: $context.httpMethod, resourcePath: $context.resourcePath, status: $context.status, protocol: $context.protocol, responseLength: $context.responseLength`)))
		props.Set("MethodSettings", lg.list(lg.m("DataTraceEnabled", lg.boolean(false), "HttpMethod", lg.str("*"),
			"LoggingLevel", lg.str("INFO"), "ResourcePath", lg.str("/*"))))
	}
	c.add("ApiGatewayStage", "AWS::ApiGateway::Stage", g.p, props)
}

func (c *compiler) httpAPIResources(pp app.Pos) {
	g := c.mk(pp)
	hp := c.prov.Get("httpApi")
	if hp != nil {
		g = c.mk(keyPos(c.prov, "httpApi"))
	}
	name := hp.Get("name")
	if name == nil {
		name = g.str(c.stage + "-" + c.service)
	}
	props := g.m("Name", name, "ProtocolType", g.str("HTTP"))
	if cors := hp.Get("cors"); cors != nil {
		if b, ok := cors.Truth(); !ok || b {
			props.Set("CorsConfiguration", c.mk(cors.Pos).m("AllowOrigins", c.mk(cors.Pos).strs("*")))
		}
	}
	if d := hp.Get("disableDefaultEndpoint"); d != nil {
		props.Set("DisableExecuteApiEndpoint", d)
	}
	c.add("HttpApi", "AWS::ApiGatewayV2::Api", g.p, props)
	stage := g.m("ApiId", g.ref("HttpApi"), "StageName", g.str("$default"), "AutoDeploy", g.boolean(true),
		"DefaultRouteSettings", g.m("DetailedMetricsEnabled", g.boolean(hp.Get("metrics").Text() == "true")))
	if logs := c.prov.Path("logs", "httpApi"); logs != nil {
		if b, ok := logs.Truth(); logs.IsMap() || ok && b {
			lg := c.mk(logs.Pos)
			c.add("HttpApiLogGroup", "AWS::Logs::LogGroup", logs.Pos, lg.m("LogGroupName", lg.str("/aws/http-api/"+c.service+"-"+c.stage),
				"RetentionInDays", c.prov.Get("logRetentionInDays")))
			stage.Set("AccessLogSettings", lg.m("DestinationArn", lg.getAtt("HttpApiLogGroup", "Arn"),
				"Format", lg.str(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}`)))
		}
	}
	c.add("HttpApiStage", "AWS::ApiGatewayV2::Stage", g.p, stage)
	if auths := hp.Get("authorizers"); auths.IsMap() {
		for i, name := range auths.Keys {
			a, ap := auths.Values[i], entryPos(auths, i)
			ag := c.mk(ap)
			props := ag.m("ApiId", ag.ref("HttpApi"), "Name", ag.str(name))
			if a.Get("type").Text() == "request" {
				props.Set("AuthorizerType", ag.str("REQUEST"))
				if fn := c.fnByKey[a.Get("functionName").Text()]; fn != nil {
					props.Set("AuthorizerUri", ag.join("", "arn:", ag.partition(), ":apigateway:", ag.region(), ":lambda:path/2015-03-31/functions/", ag.getAtt(fn.id, "Arn"), "/invocations"))
					c.permission(fn, normalizedName(name)+"LambdaAuthorizerPermissionHttpApi", ag, ag.str("apigateway.amazonaws.com"),
						ag.join("", "arn:", ag.partition(), ":execute-api:", ag.region(), ":", ag.account(), ":", ag.ref("HttpApi"), "/*"))
				} else if a.Get("functionArn") != nil {
					props.Set("AuthorizerUri", a.Get("functionArn"))
				}
			} else {
				props.Set("AuthorizerType", ag.str("JWT"))
				props.Set("JwtConfiguration", ag.m("Audience", a.Get("audience"), "Issuer", a.Get("issuerUrl")))
			}
			if is := a.Get("identitySource"); is != nil {
				props.Set("IdentitySource", c.mk(is.Pos).list(is.Items()...))
			}
			c.add("HttpApiAuthorizer"+normalizedName(name), "AWS::ApiGatewayV2::Authorizer", ap, props)
		}
	}
	c.outs.Set("HttpApiId", g.m("Description", g.str("Id of the HTTP API"), "Value", g.ref("HttpApi")))
	c.outs.Set("HttpApiUrl", g.m("Description", g.str("URL of the HTTP API"),
		"Value", g.join("", "https://", g.ref("HttpApi"), ".execute-api.", g.region(), ".", g.ref("AWS::URLSuffix"))))
}

// --- queues and streams ---

func (c *compiler) sqsEvent(f *function, v *app.Node, g mk) {
	arn := v
	if v.IsMap() && !isIntrinsic(v) {
		arn = v.Get("arn")
	} else {
		v = nil
	}
	if arn == nil {
		c.diag(g.p, app.SevError, "function %s: sqs event has no arn", f.key)
		return
	}
	batch := v.Get("batchSize")
	if batch == nil {
		batch = g.num(10)
	}
	enabled := v.Get("enabled")
	if enabled == nil {
		enabled = g.boolean(true)
	}
	props := g.m("BatchSize", batch, "MaximumBatchingWindowInSeconds", v.Get("maximumBatchingWindow"),
		"EventSourceArn", arn, "FunctionName", f.arn(g), "Enabled", enabled,
		"FunctionResponseTypes", responseTypes(v), "FilterCriteria", filters(v))
	if mc := v.Get("maximumConcurrency"); mc != nil {
		props.Set("ScalingConfig", c.mk(mc.Pos).m("MaximumConcurrency", mc))
	}
	deps := c.roleDeps(f)
	c.add(f.norm+"EventSourceMappingSQS"+alnum(arnName(arn)), "AWS::Lambda::EventSourceMapping", g.p, props, deps...)
	f.statement(g.allow([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, arn))
}

func (c *compiler) roleDeps(f *function) []string {
	if f.role != nil {
		return []string{f.role.id}
	}
	return nil
}

func responseTypes(v *app.Node) *app.Node {
	t := v.Get("functionResponseType")
	if t == nil {
		return nil
	}
	return mk{p: t.Pos}.list(t)
}

func filters(v *app.Node) *app.Node {
	fp := v.Get("filterPatterns")
	if fp == nil {
		return nil
	}
	g := mk{p: fp.Pos}
	l := g.list()
	for _, it := range fp.Items() {
		l.List = append(l.List, g.m("Pattern", g.str(compactJSON(it))))
	}
	return g.m("Filters", l)
}

func (c *compiler) streamEvent(f *function, v *app.Node, g mk) {
	arn := v
	if v.IsMap() && !isIntrinsic(v) {
		arn = v.Get("arn")
	} else {
		v = nil
	}
	if arn == nil {
		c.diag(g.p, app.SevError, "function %s: stream event has no arn", f.key)
		return
	}
	typ := v.Get("type").Text()
	text := arn.Text()
	if typ == "" {
		switch {
		case strings.Contains(text, ":dynamodb:"):
			typ = "dynamodb"
		case strings.Contains(text, ":kinesis:"):
			typ = "kinesis"
		default:
			c.diag(g.p, app.SevError, "function %s: stream event needs type (dynamodb or kinesis) when arn is not a literal ARN", f.key)
			return
		}
	}
	name := arnName(arn)
	if typ == "dynamodb" && strings.Contains(text, ":table/") {
		name = strings.SplitN(text[strings.Index(text, ":table/")+7:], "/", 2)[0]
	} else if typ == "kinesis" && strings.Contains(text, ":stream/") {
		name = strings.SplitN(text[strings.Index(text, ":stream/")+8:], "/", 2)[0]
	}
	def := func(k string, d *app.Node) *app.Node {
		if x := v.Get(k); x != nil {
			return x
		}
		return d
	}
	props := g.m("BatchSize", def("batchSize", g.num(100)), "Enabled", def("enabled", g.boolean(true)),
		"EventSourceArn", arn, "FunctionName", f.arn(g),
		"StartingPosition", def("startingPosition", g.str("TRIM_HORIZON")),
		"MaximumBatchingWindowInSeconds", v.Get("batchWindow"),
		"MaximumRetryAttempts", v.Get("maximumRetryAttempts"),
		"BisectBatchOnFunctionError", v.Get("bisectBatchOnFunctionError"),
		"MaximumRecordAgeInSeconds", v.Get("maximumRecordAgeInSeconds"),
		"ParallelizationFactor", v.Get("parallelizationFactor"),
		"TumblingWindowInSeconds", v.Get("tumblingWindowInSeconds"),
		"FunctionResponseTypes", responseTypes(v), "FilterCriteria", filters(v))
	if onf := v.Path("destinations", "onFailure"); onf != nil {
		dest, dtyp := onf, ""
		if onf.IsMap() && onf.Get("arn") != nil {
			dest, dtyp = onf.Get("arn"), onf.Get("type").Text()
		}
		if dtyp == "" {
			switch s := dest.Text(); {
			case strings.Contains(s, ":sqs:"):
				dtyp = "sqs"
			case strings.Contains(s, ":sns:"):
				dtyp = "sns"
			}
		}
		props.Set("DestinationConfig", c.mk(onf.Pos).m("OnFailure", c.mk(onf.Pos).m("Destination", dest)))
		if a := destinationAction(dtyp); a != "" {
			f.statement(c.mk(onf.Pos).allow([]string{a}, dest))
		}
	}
	c.add(f.norm+"EventSourceMapping"+upperFirst(typ)+alnum(name), "AWS::Lambda::EventSourceMapping", g.p, props, c.roleDeps(f)...)
	if typ == "dynamodb" {
		f.statement(g.allow([]string{"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"}, arn))
	} else {
		f.statement(g.allow([]string{"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStreamSummary", "kinesis:ListShards"}, arn))
	}
}

// --- S3, SNS ---

func (c *compiler) s3Event(f *function, v *app.Node, g mk) {
	bucket, event, rules := v, g.str("s3:ObjectCreated:*"), (*app.Node)(nil)
	existing := false
	if v.IsMap() && !isIntrinsic(v) {
		bucket = v.Get("bucket")
		if e := v.Get("event"); e != nil {
			event = e
		}
		rules = v.Get("rules")
		existing, _ = v.Get("existing").Truth()
	}
	name := bucket.Text()
	if name == "" {
		if id := refTarget(bucket); id != "" && !existing {
			// A bucket of resources, named by Ref: the framework wants a
			// name; say so rather than guess.
			c.diag(g.p, app.SevError, "function %s: s3 bucket must be a name (use existing: true for a bucket of resources)", f.key)
			return
		}
		c.diag(g.p, app.SevError, "function %s: s3 event has no bucket name", f.key)
		return
	}
	var filter *app.Node
	if rules.Len() > 0 {
		rg := c.mk(rules.Pos)
		l := rg.list()
		for _, r := range rules.Items() {
			for i, k := range r.Keys {
				l.List = append(l.List, rg.m("Name", rg.str(k), "Value", r.Values[i]))
			}
		}
		filter = rg.m("S3Key", rg.m("Rules", l))
	}
	if existing {
		c.existingS3(f, name, event, rules, g)
		return
	}
	permID := f.norm + "LambdaPermission" + alnum(name) + "S3"
	c.permission(f, permID, g, g.str("s3.amazonaws.com"), g.join("", "arn:", g.partition(), ":s3:::"+name),
		"SourceAccount", g.account())
	id := "S3Bucket" + alnum(name)
	conf := g.m("Event", event, "Function", f.arn(g), "Filter", filter)
	if r := c.byID[id]; r != nil && r.Type == "AWS::S3::Bucket" {
		lc := r.Properties.Path("NotificationConfiguration", "LambdaConfigurations")
		lc.List = append(lc.List, conf)
		r.DependsOn = append(r.DependsOn, permID)
		return
	}
	c.add(id, "AWS::S3::Bucket", g.p, g.m("BucketName", g.str(name),
		"NotificationConfiguration", g.m("LambdaConfigurations", g.list(conf))), permID)
}

// existingS3 compiles an s3 event on a bucket the stack does not own: the
// framework's Custom::S3 resource, run by its own handler function.
func (c *compiler) existingS3(f *function, name string, event, rules *app.Node, g mk) {
	c.customHandler("custom-resource-existing-s3", "s3", g, []string{"s3:PutBucketNotification", "s3:GetBucketNotification"},
		g.join(":", "arn", g.partition(), "s3", "", "", name))
	if rules == nil {
		rules = g.list()
	}
	cfg := g.m("Event", event, "Rules", rules)
	id := f.norm + "CustomS31"
	if r := c.byID[id]; r != nil {
		bc := r.Properties.Get("BucketConfigs")
		bc.List = append(bc.List, cfg)
		return
	}
	c.add(id, "Custom::S3", g.p, g.m("ServiceToken", g.getAtt("CustomDashresourceDashexistingDashs3LambdaFunction", "Arn"),
		"FunctionName", f.nameNode, "BucketName", g.str(name), "BucketConfigs", g.list(cfg)),
		f.id, "CustomDashresourceDashexistingDashs3LambdaFunction")
}

// customHandler adds (once) one of the framework's custom resource
// handler functions and the role they share, granting actions on res.
func (c *compiler) customHandler(name, dir string, g mk, actions []string, res *app.Node) {
	roleID := "IamRoleCustomResourcesLambdaExecution"
	role := c.byID[roleID]
	if role == nil {
		role = c.add(roleID, "AWS::IAM::Role", g.p, g.m(
			"AssumeRolePolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
				"Effect", g.str("Allow"), "Principal", g.m("Service", g.strs("lambda.amazonaws.com")), "Action", g.strs("sts:AssumeRole")))),
			"Policies", g.list(g.m("PolicyName", g.join("-", c.service, c.stage, "custom-resources-lambda"),
				"PolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list())))))
	}
	stmts := role.Properties.Get("Policies").List[0].Path("PolicyDocument", "Statement")
	stmts.List = append(stmts.List, g.allow(actions, res))
	if len(stmts.List) == 1 {
		stmts.List = append(stmts.List, g.allow([]string{"lambda:AddPermission", "lambda:RemovePermission"},
			g.join(":", "arn", g.partition(), "lambda", g.region(), g.account(), "function", "*")))
	}
	id := normalizedName(name) + "LambdaFunction"
	if c.byID[id] != nil {
		return
	}
	c.add(id, "AWS::Lambda::Function", g.p, g.m(
		"Code", g.m("S3Bucket", g.ref("ServerlessDeploymentBucket"), "S3Key", g.str("serverless/"+c.service+"/"+c.stage+"/custom-resources.zip")),
		"FunctionName", g.str(c.service+"-"+c.stage+"-"+name),
		"Handler", g.str(dir+"/handler.handler"),
		"MemorySize", g.num(1024), "Runtime", g.str("nodejs18.x"), "Timeout", g.num(180),
		"Role", g.getAtt(roleID, "Arn")), roleID)
}

func (c *compiler) snsEvent(f *function, v *app.Node, g mk) {
	var arn *app.Node
	topic := ""
	var opts *app.Node
	if s, ok := v.String(); ok {
		if strings.HasPrefix(s, "arn:") {
			arn = v
			topic = s[strings.LastIndexByte(s, ':')+1:]
		} else {
			topic = s
		}
	} else if isIntrinsic(v) {
		arn, topic = v, arnName(v)
	} else {
		opts = v
		topic = v.Get("topicName").Text()
		if a := v.Get("arn"); a != nil {
			arn = a
			if topic == "" {
				topic = arnName(a)
			}
		}
	}
	if topic == "" {
		c.diag(g.p, app.SevError, "function %s: sns event needs a topic name or arn (with topicName when the arn is not a literal)", f.key)
		return
	}
	fp := opts.Get("filterPolicy")
	rp := opts.Get("redrivePolicy")
	if arn == nil {
		// A topic the framework creates: subscribed inline, unless a
		// filter or redrive policy needs a subscription of its own.
		id := "SNSTopic" + alnum(topic)
		if c.byID[id] == nil {
			c.add(id, "AWS::SNS::Topic", g.p, g.m("TopicName", g.str(topic), "DisplayName", opts.Get("displayName"),
				"Subscription", g.list()))
		}
		if fp == nil && rp == nil {
			if r := c.byID[id]; r != nil && r.Type == "AWS::SNS::Topic" {
				sub := r.Properties.Get("Subscription")
				if sub == nil {
					sub = g.list()
					r.Properties.Set("Subscription", sub)
				}
				sub.List = append(sub.List, g.m("Endpoint", f.arn(g), "Protocol", g.str("lambda")))
			}
			c.permission(f, f.norm+"LambdaPermission"+alnum(topic)+"SNS", g, g.str("sns.amazonaws.com"),
				g.join("", "arn:", g.partition(), ":sns:", g.region(), ":", g.account(), ":", topic))
			return
		}
		arn = g.ref(id)
	}
	subProps := g.m("TopicArn", arn, "Protocol", g.str("lambda"), "Endpoint", f.arn(g),
		"FilterPolicy", fp, "FilterPolicyScope", opts.Get("filterPolicyScope"))
	if rp != nil {
		dl := rp.Get("deadLetterTargetArn")
		if ref := rp.Get("deadLetterTargetRef"); ref != nil {
			dl = c.mk(ref.Pos).getAtt(ref.Text(), "Arn")
		}
		subProps.Set("RedrivePolicy", c.mk(rp.Pos).m("deadLetterTargetArn", dl))
	}
	c.add(f.norm+"SnsSubscription"+alnum(topic), "AWS::SNS::Subscription", g.p, subProps)
	c.permission(f, f.norm+"LambdaPermission"+alnum(topic)+"SNS", g, g.str("sns.amazonaws.com"), arn)
}

// --- schedules and events ---

// scheduleEvent compiles one schedule event; a rate list gives one rule
// per expression. It returns how many rules it made.
func (c *compiler) scheduleEvent(f *function, v *app.Node, g mk, index int) int {
	rates, opts := v, (*app.Node)(nil)
	if v.IsMap() {
		rates, opts = v.Get("rate"), v
	}
	if rates == nil {
		c.diag(g.p, app.SevError, "function %s: schedule event has no rate", f.key)
		return 1
	}
	if m := opts.Get("method").Text(); m == "scheduler" {
		c.diag(g.p, app.SevWarning, "function %s: schedule method scheduler is compiled as an EventBridge rule", f.key)
	}
	state := "ENABLED"
	if b, ok := opts.Get("enabled").Truth(); ok && !b {
		state = "DISABLED"
	}
	n := 0
	for _, r := range rates.Items() {
		i := index + n
		n++
		id := f.norm + "EventsRuleSchedule" + strconv.Itoa(i)
		target := g.m("Arn", f.arn(g), "Id", g.str(f.key+"Schedule"))
		if in := opts.Get("input"); in != nil {
			if in.IsScalar() {
				target.Set("Input", in)
			} else {
				target.Set("Input", c.mk(in.Pos).str(compactJSON(in)))
			}
		}
		if ip := opts.Get("inputPath"); ip != nil {
			target.Set("InputPath", ip)
		}
		c.add(id, "AWS::Events::Rule", g.p, g.m("ScheduleExpression", r, "State", g.str(state),
			"Name", opts.Get("name"), "Description", opts.Get("description"), "Targets", g.list(target)))
		c.permission(f, f.norm+"LambdaPermissionEventsRuleSchedule"+strconv.Itoa(i), g, g.str("events.amazonaws.com"), g.getAtt(id, "Arn"))
	}
	return max(n, 1)
}

func (c *compiler) eventBridgeEvent(f *function, v *app.Node, g mk, index int) {
	bus := v.Get("eventBus")
	busName := bus.Text()
	createBus := false
	if strings.HasPrefix(busName, "arn:") {
		busName = busName[strings.IndexByte(busName, '/')+1:]
	} else if busName != "" && busName != "default" {
		createBus = true
	}
	ruleName := v.Get("name")
	if ruleName == nil {
		ruleName = g.str(f.name + "-rule-" + strconv.Itoa(index))
	}
	target := g.m("Arn", f.arn(g), "Id", g.str(ruleName.Text()+"-target"))
	if in := v.Get("input"); in != nil {
		target.Set("Input", c.mk(in.Pos).str(compactJSON(in)))
	}
	if ip := v.Get("inputPath"); ip != nil {
		target.Set("InputPath", ip)
	}
	if it := v.Get("inputTransformer"); it != nil {
		target.Set("InputTransformer", c.mk(it.Pos).m("InputTemplate", it.Get("inputTemplate"), "InputPathsMap", it.Get("inputPathsMap")))
	}
	if rp := v.Get("retryPolicy"); rp != nil {
		target.Set("RetryPolicy", c.mk(rp.Pos).m("MaximumEventAgeInSeconds", rp.Get("maximumEventAge"), "MaximumRetryAttempts", rp.Get("maximumRetryAttempts")))
	}
	if dl := v.Get("deadLetterQueueArn"); dl != nil {
		target.Set("DeadLetterConfig", c.mk(dl.Pos).m("Arn", dl))
	}
	props := g.m("Description", v.Get("description"), "EventPattern", v.Get("pattern"), "Name", ruleName,
		"ScheduleExpression", v.Get("schedule"), "State", g.str("ENABLED"), "Targets", g.list(target))
	var deps []string
	if createBus {
		busID := normalizedName(busName) + "EventBridgeEventBus"
		if c.byID[busID] == nil {
			c.add(busID, "AWS::Events::EventBus", bus.Pos, c.mk(bus.Pos).m("Name", bus))
		}
		deps = append(deps, busID)
	}
	if busName != "" && busName != "default" {
		props.Set("EventBusName", c.mk(bus.Pos).str(busName))
		if !createBus {
			props.Set("EventBusName", bus)
		}
	}
	c.add(alnum(f.name+"-rule-"+strconv.Itoa(index))+"EventBridgeRule", "AWS::Events::Rule", g.p, props, deps...)
	path := []any{"rule", ruleName}
	if busName != "" && busName != "default" {
		path = []any{"rule", c.mk(bus.Pos).str(busName), ruleName}
	}
	c.permission(f, f.norm+"EventBridgeLambdaPermission"+strconv.Itoa(index), g, g.str("events.amazonaws.com"),
		g.join(":", "arn", g.partition(), "events", g.region(), g.account(), g.join("/", path...)))
}

func (c *compiler) cloudwatchEvent(f *function, v *app.Node, g mk, index int) {
	id := f.norm + "EventsRuleCloudWatchEvent" + strconv.Itoa(index)
	state := "ENABLED"
	if b, ok := v.Get("enabled").Truth(); ok && !b {
		state = "DISABLED"
	}
	c.add(id, "AWS::Events::Rule", g.p, g.m("EventPattern", v.Get("event"), "State", g.str(state),
		"Name", v.Get("name"), "Description", v.Get("description"),
		"Targets", g.list(g.m("Arn", f.arn(g), "Id", g.str(f.key+"CloudWatchEvent")))))
	c.permission(f, f.norm+"LambdaPermissionEventsRuleCloudWatchEvent"+strconv.Itoa(index), g, g.str("events.amazonaws.com"), g.getAtt(id, "Arn"))
}

func (c *compiler) cloudwatchLogEvent(f *function, v *app.Node, g mk, index int) {
	lg, filter := v, g.str("")
	if v.IsMap() {
		lg = v.Get("logGroup")
		if fp := v.Get("filter"); fp != nil {
			filter = fp
		}
	}
	if lg == nil {
		c.diag(g.p, app.SevError, "function %s: cloudwatchLog event has no logGroup", f.key)
		return
	}
	perm := f.norm + "LambdaPermissionLogsSubscriptionFilterCloudWatchLog"
	c.add(f.norm+"LogsSubscriptionFilterCloudWatchLog"+strconv.Itoa(index), "AWS::Logs::SubscriptionFilter", g.p,
		g.m("DestinationArn", f.arn(g), "FilterPattern", filter, "LogGroupName", lg), perm)
	c.permission(f, perm, g, g.join("", "logs.", g.region(), ".", g.ref("AWS::URLSuffix")),
		g.join("", "arn:", g.partition(), ":logs:", g.region(), ":", g.account(), ":log-group:*"))
}

func (c *compiler) iotEvent(f *function, v *app.Node, g mk, index int) {
	id := f.norm + "IotTopicRule" + strconv.Itoa(index)
	disabled := false
	if b, ok := v.Get("enabled").Truth(); ok {
		disabled = !b
	}
	c.add(id, "AWS::IoT::TopicRule", g.p, g.m("RuleName", v.Get("name"), "TopicRulePayload", g.m(
		"RuleDisabled", g.boolean(disabled), "Sql", v.Get("sql"), "AwsIotSqlVersion", v.Get("sqlVersion"),
		"Description", v.Get("description"),
		"Actions", g.list(g.m("Lambda", g.m("FunctionArn", f.arn(g)))))))
	c.permission(f, f.norm+"LambdaPermissionIotTopicRule"+strconv.Itoa(index), g, g.str("iot.amazonaws.com"),
		g.join("", "arn:", g.partition(), ":iot:", g.region(), ":", g.account(), ":rule/", g.ref(id)))
}

// --- websockets, ALB ---

func (c *compiler) websocketEvent(f *function, v *app.Node, g mk) {
	route := v.Text()
	if v.IsMap() {
		route = v.Get("route").Text()
	}
	if route == "" {
		c.diag(g.p, app.SevError, "function %s: websocket event has no route", f.key)
		return
	}
	c.ws = true
	integ := f.norm + "WebsocketsIntegration"
	c.add(integ, "AWS::ApiGatewayV2::Integration", g.p, g.m("ApiId", g.ref("WebsocketsApi"), "IntegrationType", g.str("AWS_PROXY"),
		"IntegrationUri", g.join("", "arn:", g.partition(), ":apigateway:", g.region(), ":lambda:path/2015-03-31/functions/", f.arn(g), "/invocations")))
	c.permission(f, f.norm+"LambdaPermissionWebsockets", g, g.str("apigateway.amazonaws.com"), nil)
	id := routeReplacer.Replace(route) + "WebsocketsRoute"
	if c.add(id, "AWS::ApiGatewayV2::Route", g.p, g.m("ApiId", g.ref("WebsocketsApi"), "RouteKey", g.str(route),
		"AuthorizationType", g.str("NONE"), "Target", g.join("/", "integrations", g.ref(integ)))) != nil {
		c.wsRoutes = append(c.wsRoutes, id)
	}
}

func (c *compiler) websocketAPI(pp app.Pos) {
	g := c.mk(pp)
	name := c.prov.Get("websocketsApiName")
	if name == nil {
		name = g.str(c.stage + "-" + c.service + "-websockets")
	}
	sel := c.prov.Get("websocketsApiRouteSelectionExpression")
	if sel == nil {
		sel = g.str("$request.body.action")
	}
	c.add("WebsocketsApi", "AWS::ApiGatewayV2::Api", pp, g.m("Name", name, "RouteSelectionExpression", sel,
		"Description", g.str("Serverless Websockets"), "ProtocolType", g.str("WEBSOCKET")))
	dep := "WebsocketsDeployment" + hash(strings.Join(c.wsRoutes, ","))
	c.add(dep, "AWS::ApiGatewayV2::Deployment", pp, g.m("ApiId", g.ref("WebsocketsApi"), "Description", g.str("Serverless Websockets")), c.wsRoutes...)
	c.add("WebsocketsDeploymentStage", "AWS::ApiGatewayV2::Stage", pp, g.m("ApiId", g.ref("WebsocketsApi"),
		"DeploymentId", g.ref(dep), "StageName", g.str(c.stage), "Description", g.str("Serverless Websockets")))
}

func (c *compiler) albEvent(f *function, v *app.Node, g mk) {
	listener := v.Get("listenerArn")
	prio := v.Get("priority").Text()
	if listener == nil || prio == "" {
		c.diag(g.p, app.SevError, "function %s: alb event needs listenerArn and priority", f.key)
		return
	}
	albID := refTarget(listener)
	if s := listener.Text(); s != "" {
		parts := strings.Split(s, "/")
		if len(parts) >= 4 {
			albID = parts[len(parts)-2]
		}
	}
	multi, _ := v.Get("multiValueHeaders").Truth()
	tg := f.norm + "Alb"
	if multi {
		tg += "MultiValue"
	}
	tg += "TargetGroup" + alnum(albID)
	if c.byID[tg] == nil {
		c.add(tg, "AWS::ElasticLoadBalancingV2::TargetGroup", g.p, g.m("TargetType", g.str("lambda"),
			"Targets", g.list(g.m("Id", f.arn(g))), "HealthCheckEnabled", g.boolean(false)),
			f.norm+"LambdaPermissionRegisterTarget")
		c.permission(f, f.norm+"LambdaPermissionRegisterTarget", g, g.str("elasticloadbalancing.amazonaws.com"), nil)
		c.permission(f, f.norm+"LambdaPermissionAlb", g, g.str("elasticloadbalancing.amazonaws.com"), g.ref(tg))
	}
	conds := g.list()
	cv := v.Get("conditions")
	if p := cv.Get("path"); p != nil {
		conds.List = append(conds.List, g.m("Field", g.str("path-pattern"), "Values", c.mk(p.Pos).list(p.Items()...)))
	}
	if m := cv.Get("method"); m != nil {
		conds.List = append(conds.List, g.m("Field", g.str("http-request-method"), "HttpRequestMethodConfig", g.m("Values", c.mk(m.Pos).list(m.Items()...))))
	}
	if h := cv.Get("host"); h != nil {
		conds.List = append(conds.List, g.m("Field", g.str("host-header"), "Values", c.mk(h.Pos).list(h.Items()...)))
	}
	c.add(f.norm+"AlbListenerRule"+prio, "AWS::ElasticLoadBalancingV2::ListenerRule", g.p, g.m(
		"Actions", g.list(g.m("Type", g.str("forward"), "TargetGroupArn", g.ref(tg))),
		"Conditions", conds, "ListenerArn", listener, "Priority", v.Get("priority")))
}

// --- Kafka, MSK, MQ, Cognito ---

func (c *compiler) kafkaEvent(f *function, v *app.Node, g mk) {
	topic := v.Get("topic")
	if topic == nil || v.Get("bootstrapServers") == nil {
		c.diag(g.p, app.SevError, "function %s: kafka event needs topic and bootstrapServers", f.key)
		return
	}
	access := g.list()
	if ac := v.Get("accessConfigurations"); ac.IsMap() {
		kinds := map[string]string{"vpcSubnet": "VPC_SUBNET", "vpcSecurityGroup": "VPC_SECURITY_GROUP",
			"saslPlainAuth": "BASIC_AUTH", "saslScram256Auth": "SASL_SCRAM_256_AUTH", "saslScram512Auth": "SASL_SCRAM_512_AUTH",
			"clientCertificateTlsAuth": "CLIENT_CERTIFICATE_TLS_AUTH", "serverRootCaCertificate": "SERVER_ROOT_CA_CERTIFICATE"}
		for i, k := range ac.Keys {
			t := kinds[k]
			if t == "" {
				continue
			}
			for _, it := range ac.Values[i].Items() {
				uri := it
				if t == "VPC_SUBNET" {
					uri = c.mk(it.Pos).str("subnet:" + it.Text())
				} else if t == "VPC_SECURITY_GROUP" {
					uri = c.mk(it.Pos).str("security_group:" + it.Text())
				}
				access.List = append(access.List, g.m("Type", g.str(t), "URI", uri))
			}
		}
	}
	props := g.m("FunctionName", f.arn(g), "StartingPosition", orDefault(v.Get("startingPosition"), g.str("TRIM_HORIZON")),
		"SelfManagedEventSource", g.m("Endpoints", g.m("KafkaBootstrapServers", v.Get("bootstrapServers"))),
		"Topics", g.list(topic), "SourceAccessConfigurations", access, "BatchSize", v.Get("batchSize"),
		"Enabled", v.Get("enabled"), "MaximumBatchingWindowInSeconds", v.Get("maximumBatchingWindow"))
	if cg := v.Get("consumerGroupId"); cg != nil {
		props.Set("SelfManagedKafkaEventSourceConfig", c.mk(cg.Pos).m("ConsumerGroupId", cg))
	}
	c.add(f.norm+"EventSourceMappingKafka"+truncate(alnum(topic.Text()), 158), "AWS::Lambda::EventSourceMapping", g.p, props, c.roleDeps(f)...)
}

func orDefault(n, d *app.Node) *app.Node {
	if n != nil {
		return n
	}
	return d
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (c *compiler) mskEvent(f *function, v *app.Node, g mk) {
	arn, topic := v.Get("arn"), v.Get("topic")
	if arn == nil || topic == nil {
		c.diag(g.p, app.SevError, "function %s: msk event needs arn and topic", f.key)
		return
	}
	cluster := arnName(arn)
	if s := arn.Text(); strings.Contains(s, ":cluster/") {
		cluster = strings.SplitN(s[strings.Index(s, ":cluster/")+9:], "/", 2)[0]
	}
	props := g.m("EventSourceArn", arn, "FunctionName", f.arn(g),
		"StartingPosition", orDefault(v.Get("startingPosition"), g.str("TRIM_HORIZON")), "Topics", g.list(topic),
		"BatchSize", v.Get("batchSize"), "Enabled", v.Get("enabled"), "MaximumBatchingWindowInSeconds", v.Get("maximumBatchingWindow"))
	c.add(f.norm+"EventSourceMappingMSK"+truncate(alnum(cluster), 79)+truncate(alnum(topic.Text()), 79),
		"AWS::Lambda::EventSourceMapping", g.p, props, c.roleDeps(f)...)
	f.statement(g.allow([]string{"kafka:DescribeCluster", "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"}, arn))
	f.statement(g.allow([]string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
		"ec2:DeleteNetworkInterface", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"}, g.str("*")))
}

func (c *compiler) mqEvent(f *function, typ string, v *app.Node, g mk) {
	arn, queue, auth := v.Get("arn"), v.Get("queue"), v.Get("basicAuthArn")
	if arn == nil || queue == nil || auth == nil {
		c.diag(g.p, app.SevError, "function %s: %s event needs arn, queue and basicAuthArn", f.key, typ)
		return
	}
	access := g.list(g.m("Type", g.str("BASIC_AUTH"), "URI", auth))
	if vh := v.Get("virtualHost"); vh != nil {
		access.List = append(access.List, g.m("Type", g.str("VIRTUAL_HOST"), "URI", vh))
	}
	props := g.m("EventSourceArn", arn, "FunctionName", f.arn(g), "Queues", g.list(queue),
		"SourceAccessConfigurations", access, "BatchSize", v.Get("batchSize"), "Enabled", v.Get("enabled"),
		"MaximumBatchingWindowInSeconds", v.Get("maximumBatchingWindow"))
	name := "ActiveMQ"
	if typ == "rabbitmq" {
		name = "RabbitMQ"
	}
	c.add(f.norm+"EventSourceMapping"+name+truncate(alnum(queue.Text()), 150), "AWS::Lambda::EventSourceMapping", g.p, props, c.roleDeps(f)...)
	f.statement(g.allow([]string{"mq:DescribeBroker"}, arn))
	f.statement(g.allow([]string{"secretsmanager:GetSecretValue"}, auth))
}

func (c *compiler) cognitoEvent(f *function, v *app.Node, g mk) {
	pool, trigger := v.Get("pool").Text(), v.Get("trigger").Text()
	if pool == "" || trigger == "" {
		c.diag(g.p, app.SevError, "function %s: cognitoUserPool event needs pool and trigger", f.key)
		return
	}
	if b, _ := v.Get("existing").Truth(); b {
		c.diag(g.p, app.SevWarning, "function %s: cognitoUserPool existing: true is a custom resource; the trigger edge is not modelled", f.key)
		return
	}
	id := "CognitoUserPool" + alnum(pool)
	perm := f.norm + "LambdaPermissionCognitoUserPool" + alnum(pool) + "TriggerSource" + alnum(trigger)
	if r := c.byID[id]; r != nil {
		r.Properties.Get("LambdaConfig").Set(trigger, f.arn(g))
		r.DependsOn = append(r.DependsOn, perm)
	} else {
		c.add(id, "AWS::Cognito::UserPool", g.p, g.m("UserPoolName", g.str(pool), "LambdaConfig", g.m(trigger, f.arn(g))), perm)
	}
	c.permission(f, perm, g, g.str("cognito-idp.amazonaws.com"), g.getAtt(id, "Arn"))
}

// compactJSON renders a node as compact JSON, as the framework
// stringifies inputs and filter patterns.
func compactJSON(n *app.Node) string {
	var b strings.Builder
	var w func(n *app.Node)
	w = func(n *app.Node) {
		switch {
		case n == nil || n.Kind == app.NullNode:
			b.WriteString("null")
		case n.Kind == app.StringNode:
			b.WriteString(strconv.Quote(n.Scalar))
		case n.IsScalar():
			b.WriteString(n.Scalar)
		case n.IsList():
			b.WriteByte('[')
			for i, it := range n.List {
				if i > 0 {
					b.WriteByte(',')
				}
				w(it)
			}
			b.WriteByte(']')
		default:
			b.WriteByte('{')
			for i, k := range n.Keys {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(k))
				b.WriteByte(':')
				w(n.Values[i])
			}
			b.WriteByte('}')
		}
	}
	w(n)
	return b.String()
}
