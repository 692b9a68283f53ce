package sam

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// Implicit API logical ids.
const (
	implicitRestAPI = "ServerlessRestApi"
	implicitHTTPAPI = "ServerlessHttpApi"
)

// apiState collects what events add to one REST or HTTP API.
type apiState struct {
	id    string
	http  bool
	r     *cfn.Resource // the explicit API, nil for an implicit one until built
	owner *cfn.Resource // for an implicit API, the first resource with an event on it
	pos   app.Pos
	props *app.Node // explicit API properties merged with Globals
	paths []apiRoute
}

type apiRoute struct {
	path, method string
	op           *app.Node // the OpenAPI operation
	auth         *app.Node // the event's Auth
	pos          app.Pos
	// validator names the request validator the event's RequestModel asks
	// for (ValidateBody, ValidateParameters), "" for none.
	validator string
}

func (x *tx) registerAPI(r *cfn.Resource) {
	http := r.Type == typeHTTPAPI
	st := &apiState{id: r.ID, http: http, r: r, pos: r.Pos, props: x.withGlobals(r, r.Type)}
	x.apis[r.ID] = st
	x.apiOrder = append(x.apiOrder, r.ID)
}

// restStage is the stage name permission ids of a REST API carry.
func (st *apiState) restStage() string {
	if st.r == nil {
		return "Prod"
	}
	if s := alnum(st.props.Get("StageName").Text()); s != "" {
		return s
	}
	return "Stage"
}

// apiEvent attaches an Api or HttpApi event of owner to its API: the route
// goes into the API's definition, and for functions a permission lets API
// Gateway invoke them. integ is the integration for non-function owners.
func (x *tx) apiEvent(owner *cfn.Resource, e event, f *function, http bool) {
	x.apiEventWith(owner, e, f, http, nil, nil)
}

// apiEventWith is apiEvent with the integration and operation responses of
// a non-function owner.
func (x *tx) apiEventWith(owner *cfn.Resource, e event, f *function, http bool, integ, responses *app.Node) {
	g := x.at(e.pos)
	p := e.props
	idKey := "RestApiId"
	if http {
		idKey = "ApiId"
	}
	apiNode := p.Get(idKey)
	apiID := ""
	var st *apiState
	if apiNode != nil {
		apiID = refTarget(apiNode)
		st = x.apis[apiID]
		if st != nil && st.http != http {
			x.diag(posOr(apiNode, e.pos), app.SevError, "%s: event %s: %s is not an %s", owner.ID, e.name, apiID, map[bool]string{true: "HttpApi", false: "Api"}[http])
			return
		}
	} else {
		apiID = implicitRestAPI
		if http {
			apiID = implicitHTTPAPI
		}
		st = x.apis[apiID]
		if st == nil {
			st = &apiState{id: apiID, http: http, owner: owner, pos: e.pos, props: x.at(e.pos).m()}
			if gl := x.globals[map[bool]string{true: typeHTTPAPI, false: typeAPI}[http]]; gl != nil {
				st.props = mergeGlobal(gl, st.props)
			}
			x.apis[apiID] = st
			x.apiOrder = append(x.apiOrder, apiID)
		}
	}
	path, method := p.Get("Path").Text(), strings.ToLower(p.Get("Method").Text())
	if !http && (path == "" || method == "") {
		x.diag(e.pos, app.SevError, "%s: Api event %s needs Path and Method", owner.ID, e.name)
		return
	}
	if http && path == "" && method == "" {
		path, method = "$default", "any"
	}
	if integ == nil && f != nil {
		arn := "${" + f.r.ID + ".Arn}"
		if f.aliasID != "" {
			arn = "${" + f.aliasID + "}"
		}
		if http {
			pfv := p.Get("PayloadFormatVersion")
			if pfv == nil {
				pfv = g.str("2.0")
			}
			integ = g.m("httpMethod", g.str("POST"), "type", g.str("aws_proxy"),
				"uri", g.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+arn+"/invocations"),
				"payloadFormatVersion", pfv, "timeoutInMillis", p.Get("TimeoutInMillis"))
		} else {
			integ = g.m("httpMethod", g.str("POST"), "type", g.str("aws_proxy"),
				"uri", g.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+arn+"/invocations"))
		}
	}
	if st != nil && integ != nil {
		op := g.m("x-amazon-apigateway-integration", integ)
		if http && path == "$default" {
			op.Set("isDefaultRoute", g.boolean(true))
		}
		if responses == nil {
			responses = g.m()
		}
		op.Set("responses", responses)
		validator := ""
		if rm := p.Get("RequestModel"); !http && rm.IsMap() {
			body, _ := rm.Get("ValidateBody").Truth()
			params, _ := rm.Get("ValidateParameters").Truth()
			if validator = validatorName(body, params); validator != "" {
				op.Set("x-amazon-apigateway-request-validator", g.str(validator))
			}
		}
		st.paths = append(st.paths, apiRoute{path: path, method: method, op: op, auth: p.Get("Auth"), pos: e.pos, validator: validator})
	}
	if f == nil {
		return
	}
	apiRef := apiNode
	if apiRef == nil {
		apiRef = g.ref(apiID)
	}
	arnPath := "/" + strings.ToUpper(method) + permissionPath(path)
	if method == "any" {
		arnPath = "/*" + permissionPath(path)
	}
	if http && path == "$default" {
		arnPath = "/*"
	}
	permID := f.r.ID + e.name + "Permission"
	if !http {
		stage := "Prod"
		if st != nil {
			stage = st.restStage()
		}
		permID += stage
	}
	x.permission(f, permID, g, "apigateway.amazonaws.com", "SourceArn", g.subVars(
		"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}"+arnPath,
		"__ApiId__", apiRef, "__Stage__", g.str("*")))
}

// permissionPath turns path parameters into the wildcard execute-api ARNs use.
func permissionPath(path string) string {
	if path == "/" || path == "" {
		return "/"
	}
	parts := strings.Split(path, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}

func (x *tx) buildAPIs() {
	for _, id := range x.apiOrder {
		st := x.apis[id]
		if st.http {
			x.buildHTTPAPI(st)
		} else {
			x.buildRestAPI(st)
		}
	}
}

// definition returns the API's OpenAPI body with the events' routes added:
// the written DefinitionBody (copied) or, when there is none and no
// DefinitionUri, one the translator would generate.
func (x *tx) definition(st *apiState, g gen) *app.Node {
	p := st.props
	body := p.Get("DefinitionBody")
	if body == nil {
		if p.Get("DefinitionUri") != nil {
			if len(st.paths) > 0 {
				x.diag(keyPos(p, "DefinitionUri"), app.SevInfo, "%s: routes of events are not added to a DefinitionUri document", st.id)
			}
			return nil
		}
		title := p.Get("Name")
		if title == nil {
			title = g.ref("AWS::StackName")
		}
		info := g.m("version", g.str("1.0"), "title", title)
		switch v := p.Get("OpenApiVersion"); {
		case st.http:
			body = g.m("openapi", g.str("3.0.1"), "info", info, "paths", g.m())
		case v != nil && strings.HasPrefix(v.Text(), "3"):
			// OpenApiVersion 3.x makes the translator write an OpenAPI
			// document instead of Swagger 2.0.
			body = g.m("openapi", v, "info", info, "paths", g.m())
		default:
			body = g.m("swagger", g.str("2.0"), "info", info, "paths", g.m())
		}
	} else {
		if _, _, ok := body.Intrinsic(); ok || !body.IsMap() {
			return body
		}
		body = body.Clone()
	}
	paths := body.Get("paths")
	if paths == nil {
		paths = g.m()
		body.Set("paths", paths)
	}
	if !paths.IsMap() {
		return body
	}
	for _, rt := range st.paths {
		item := paths.Get(rt.path)
		if item == nil {
			item = x.at(rt.pos).m()
			paths.Set(rt.path, item)
		}
		if !item.IsMap() {
			continue
		}
		m := rt.method
		if m == "any" {
			m = "x-amazon-apigateway-any-method"
		}
		if old := item.Get(m); old.IsMap() && old.Get("x-amazon-apigateway-integration") != nil {
			// The definition already integrates this route: it wins.
			x.diag(rt.pos, app.SevInfo, "%s: route %s %s is already integrated in the API definition", st.id, strings.ToUpper(rt.method), rt.path)
			continue
		}
		item.Set(m, rt.op)
	}
	x.applyAuth(st, body, g)
	addValidators(st, body, g)
	return body
}

// validatorName is the name the translator gives the request validator
// of a RequestModel: body-only, params-only or body-and-params.
func validatorName(body, params bool) string {
	switch {
	case body && params:
		return "body-and-params"
	case body:
		return "body-only"
	case params:
		return "params-only"
	}
	return ""
}

// addValidators declares the request validators the routes use at the
// root of the definition (x-amazon-apigateway-request-validators), as the
// translator does.
func addValidators(st *apiState, body *app.Node, g gen) {
	for _, rt := range st.paths {
		if rt.validator == "" || !body.IsMap() {
			continue
		}
		vs := body.Get("x-amazon-apigateway-request-validators")
		if vs == nil {
			vs = g.m()
			body.Set("x-amazon-apigateway-request-validators", vs)
		}
		if !vs.IsMap() || vs.Get(rt.validator) != nil {
			continue
		}
		rg := g.at(rt.pos)
		vs.Set(rt.validator, rg.m("validateRequestBody", rg.boolean(strings.HasPrefix(rt.validator, "body")),
			"validateRequestParameters", rg.boolean(strings.HasSuffix(rt.validator, "params"))))
	}
}

// Serverless::Api properties that go to AWS::ApiGateway::RestApi as written.
var restAPIPassThrough = [...]string{"Name", "Description", "BinaryMediaTypes", "MinimumCompressionSize",
	"ApiKeySourceType", "DisableExecuteApiEndpoint", "Mode", "FailOnWarnings", "Policy"}

// Serverless::Api properties that go to the stage.
var restStagePassThrough = [...]string{"TracingEnabled", "MethodSettings", "AccessLogSetting", "Variables",
	"CacheClusterEnabled", "CacheClusterSize", "CanarySetting", "Description"}

func (x *tx) buildRestAPI(st *apiState) {
	g := x.at(st.pos)
	p := st.props
	props := g.m()
	if body := x.definition(st, g); body != nil {
		props.Set("Body", body)
	} else if uri := p.Get("DefinitionUri"); uri != nil {
		props.Set("BodyS3Location", s3Location(x.at(keyPos(p, "DefinitionUri")), uri, "Bucket", "Key", "Version"))
	}
	for _, k := range restAPIPassThrough {
		if v := p.Get(k); v != nil && !(k == "Description" && st.r == nil) {
			props.Set(k, v)
		}
	}
	if ec := p.Get("EndpointConfiguration"); ec != nil {
		eg := x.at(keyPos(p, "EndpointConfiguration"))
		if _, ok := ec.String(); ok {
			props.Set("EndpointConfiguration", eg.m("Types", eg.list(ec)))
		} else if ec.IsMap() && ec.Get("Type") != nil {
			props.Set("EndpointConfiguration", eg.m("Types", eg.list(ec.Get("Type")), "VpcEndpointIds", ec.Get("VPCEndpointIds")))
		} else {
			props.Set("EndpointConfiguration", ec)
		}
	}
	if t := p.Get("Tags"); t != nil {
		props.Set("Tags", tagList(x.at(keyPos(p, "Tags")), t, ""))
	}
	api := st.r
	if api == nil {
		api = x.add(st.owner, st.id, "AWS::ApiGateway::RestApi", st.pos, props)
		if api == nil {
			return
		}
		api.Condition = ""
	} else {
		x.convert(api, "AWS::ApiGateway::RestApi", props)
	}
	hash := contentHash(props)
	depID := st.id + "Deployment" + hash[:10]
	x.add(api, depID, "AWS::ApiGateway::Deployment", st.pos, g.m(
		"RestApiId", g.ref(st.id), "Description", g.str("RestApi deployment id: "+hash), "StageName", g.str("Stage")))
	stageName := p.Get("StageName")
	if stageName == nil {
		stageName = g.str("Prod")
	}
	// The translator names the stage after a literal StageName only:
	// <Api>ProdStage, but <Api>Stage for !Ref MyStageName.
	stageID := st.id + alnum(stageName.Text()) + "Stage"
	stage := g.m("DeploymentId", g.ref(depID), "RestApiId", g.ref(st.id), "StageName", stageName)
	for _, k := range restStagePassThrough {
		if v := p.Get(k); v != nil && k != "Description" {
			stage.Set(k, v)
		}
	}
	if t := p.Get("Tags"); t != nil {
		stage.Set("Tags", tagList(x.at(keyPos(p, "Tags")), t, ""))
	}
	x.add(api, stageID, "AWS::ApiGateway::Stage", st.pos, stage)
	x.refs[st.id+".Stage"] = stageID
	x.refs[st.id+".Deployment"] = depID
	x.usagePlan(api, st, stageID)
	x.authorizerPermissions(api, st, "/authorizers/*")
	x.apiDomain(api, st, stageID)
}

// authorizerPermissions lets API Gateway invoke the Lambda authorizers of
// Auth.Authorizers.
func (x *tx) authorizerPermissions(api *cfn.Resource, st *apiState, suffix string) {
	auths := st.props.Get("Auth").Get("Authorizers")
	if !auths.IsMap() {
		return
	}
	for i, name := range auths.Keys {
		a := auths.Values[i]
		fa := a.Get("FunctionArn")
		if fa == nil {
			continue
		}
		g := x.at(keyPos(auths, name))
		x.add(api, st.id+alnum(name)+"AuthorizerPermission", "AWS::Lambda::Permission", g.p, g.m(
			"Action", g.str("lambda:InvokeFunction"), "FunctionName", fa, "Principal", g.str("apigateway.amazonaws.com"),
			"SourceArn", g.subVars("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}"+suffix,
				"__ApiId__", g.ref(st.id))))
	}
}

// Serverless::HttpApi properties that go to AWS::ApiGatewayV2::Api as written.
var httpAPIPassThrough = [...]string{"Description", "FailOnWarnings", "DisableExecuteApiEndpoint", "Tags"}

func (x *tx) buildHTTPAPI(st *apiState) {
	g := x.at(st.pos)
	p := st.props
	props := g.m()
	if body := x.definition(st, g); body != nil {
		props.Set("Body", body)
	} else if uri := p.Get("DefinitionUri"); uri != nil {
		props.Set("BodyS3Location", s3Location(x.at(keyPos(p, "DefinitionUri")), uri, "Bucket", "Key", "Version"))
	}
	for _, k := range httpAPIPassThrough {
		if v := p.Get(k); v != nil {
			props.Set(k, v)
		}
	}
	if c := p.Get("CorsConfiguration"); c.IsMap() {
		props.Set("CorsConfiguration", c)
	}
	api := st.r
	if api == nil {
		api = x.add(st.owner, st.id, "AWS::ApiGatewayV2::Api", st.pos, props)
		if api == nil {
			return
		}
		api.Condition = ""
	} else {
		x.convert(api, "AWS::ApiGatewayV2::Api", props)
	}
	stageName := p.Get("StageName")
	stageID := st.id + "ApiGatewayDefaultStage"
	if s, ok := stageName.String(); ok && s != "$default" {
		stageID = st.id + alnum(s) + "Stage"
	} else if stageName == nil {
		stageName = g.str("$default")
	}
	stage := g.m("ApiId", g.ref(st.id), "StageName", stageName, "AutoDeploy", g.boolean(true),
		"AccessLogSettings", p.Get("AccessLogSettings"), "DefaultRouteSettings", p.Get("DefaultRouteSettings"),
		"RouteSettings", p.Get("RouteSettings"), "StageVariables", p.Get("StageVariables"))
	x.add(api, stageID, "AWS::ApiGatewayV2::Stage", st.pos, stage)
	x.refs[st.id+".Stage"] = stageID
	x.authorizerPermissions(api, st, "/authorizers/*")
	x.apiDomain(api, st, stageID)
}

// usagePlan expands Auth.UsagePlan of a REST API as the translator does:
// PER_API makes <Api>UsagePlan, <Api>ApiKey and <Api>UsagePlanKey;
// SHARED makes ServerlessUsagePlan (and its key) once, listing the stage
// of every API that shares it; NONE makes nothing.
func (x *tx) usagePlan(api *cfn.Resource, st *apiState, stageID string) {
	up := st.props.Path("Auth", "UsagePlan")
	mode := up.Get("CreateUsagePlan").Text()
	if mode != "PER_API" && mode != "SHARED" {
		return
	}
	g := x.at(keyPos(st.props.Get("Auth"), "UsagePlan"))
	apiStage := g.m("ApiId", g.ref(st.id), "Stage", g.ref(stageID))
	prefix := st.id
	if mode == "SHARED" {
		if x.sharedPlan != nil {
			x.sharedPlan.List = append(x.sharedPlan.List, apiStage)
			return
		}
		prefix = "Serverless"
	}
	stages := g.list(apiStage)
	props := g.m("ApiStages", stages, "Description", up.Get("Description"), "Quota", up.Get("Quota"),
		"Throttle", up.Get("Throttle"), "UsagePlanName", up.Get("UsagePlanName"), "Tags", up.Get("Tags"))
	if x.add(api, prefix+"UsagePlan", "AWS::ApiGateway::UsagePlan", g.p, props) == nil {
		return
	}
	if mode == "SHARED" {
		x.sharedPlan = stages
	}
	x.add(api, prefix+"ApiKey", "AWS::ApiGateway::ApiKey", g.p, g.m("Enabled", g.boolean(true),
		"StageKeys", g.list(g.m("RestApiId", g.ref(st.id), "StageName", g.ref(stageID)))))
	x.add(api, prefix+"UsagePlanKey", "AWS::ApiGateway::UsagePlanKey", g.p, g.m("KeyId", g.ref(prefix+"ApiKey"),
		"KeyType", g.str("API_KEY"), "UsagePlanId", g.ref(prefix+"UsagePlan")))
}
