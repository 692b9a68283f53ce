package sam

import (
	"github.com/fnops/fnops/internal/app"
)

// applyAuth writes an API's authorizers into its definition (Swagger
// securityDefinitions, OpenAPI components.securitySchemes) and the
// authorizer in effect on each route into the route's security, as the
// translator does: the event's Auth.Authorizer, else the API's
// DefaultAuthorizer; NONE opts a route out. Rules read the routes'
// security to find unauthenticated endpoints.
func (x *tx) applyAuth(st *apiState, body *app.Node, g gen) {
	auth := st.props.Get("Auth")
	authorizers := auth.Get("Authorizers")
	def := auth.Get("DefaultAuthorizer")
	apiKey, _ := auth.Get("ApiKeyRequired").Truth()
	used := false
	for _, rt := range st.paths {
		if rt.auth != nil || def != nil || apiKey {
			used = true
		}
	}
	if !used && !authorizers.IsMap() {
		return
	}
	schemes := x.securitySchemes(st, body, g)
	if schemes == nil {
		return
	}
	if authorizers.IsMap() {
		for i, name := range authorizers.Keys {
			if schemes.Get(name) == nil {
				schemes.Set(name, x.authorizerScheme(st, authorizers.Values[i], x.at(keyPos(authorizers, name))))
			}
		}
	}
	for _, rt := range st.paths {
		rg := x.at(rt.pos)
		name := def
		if a := rt.auth.Get("Authorizer"); a != nil {
			name = a
		}
		security := rg.list()
		switch n := name.Text(); {
		case n == "NONE":
			security.List = append(security.List, rg.m("NONE", rg.list()))
		case n == "AWS_IAM":
			if schemes.Get("AWS_IAM") == nil {
				schemes.Set("AWS_IAM", rg.m("type", rg.str("apiKey"), "name", rg.str("Authorization"),
					"in", rg.str("header"), "x-amazon-apigateway-authtype", rg.str("awsSigv4")))
			}
			security.List = append(security.List, rg.m("AWS_IAM", rg.list()))
		case n != "":
			scopes := rt.auth.Get("AuthorizationScopes")
			if scopes == nil {
				scopes = authorizers.Get(n).Get("AuthorizationScopes")
			}
			if scopes == nil {
				scopes = rg.list()
			}
			if authorizers.Get(n) == nil {
				x.diag(posOr(name, rt.pos), app.SevError, "%s: authorizer %q is not defined in Auth.Authorizers", st.id, n)
			}
			security.List = append(security.List, rg.m(n, scopes))
		}
		key := apiKey
		if k, ok := rt.auth.Get("ApiKeyRequired").Truth(); ok {
			key = k
		}
		if key && !st.http {
			if schemes.Get("api_key") == nil {
				schemes.Set("api_key", rg.m("type", rg.str("apiKey"), "name", rg.str("x-api-key"), "in", rg.str("header")))
			}
			security.List = append(security.List, rg.m("api_key", rg.list()))
		}
		if len(security.List) > 0 && rt.op.Get("security") == nil {
			rt.op.Set("security", security)
		}
	}
}

// securitySchemes returns (creating it) the map of security schemes of
// the definition: securityDefinitions for Swagger 2.0, components.
// securitySchemes for OpenAPI 3.
func (x *tx) securitySchemes(st *apiState, body *app.Node, g gen) *app.Node {
	if !body.IsMap() {
		return nil
	}
	if body.Get("swagger") != nil || (!st.http && body.Get("openapi") == nil) {
		s := body.Get("securityDefinitions")
		if s == nil {
			s = g.m()
			body.Set("securityDefinitions", s)
		}
		if !s.IsMap() {
			return nil
		}
		return s
	}
	c := body.Get("components")
	if c == nil {
		c = g.m()
		body.Set("components", c)
	}
	if !c.IsMap() {
		return nil
	}
	s := c.Get("securitySchemes")
	if s == nil {
		s = g.m()
		c.Set("securitySchemes", s)
	}
	if !s.IsMap() {
		return nil
	}
	return s
}

// authorizerScheme renders one Auth.Authorizers entry as the security
// scheme the translator writes for it.
func (x *tx) authorizerScheme(st *apiState, a *app.Node, g gen) *app.Node {
	header := a.Path("Identity", "Header")
	if header == nil {
		header = g.str("Authorization")
	}
	if pool := a.Get("UserPoolArn"); pool != nil {
		return g.m("type", g.str("apiKey"), "name", header, "in", g.str("header"),
			"x-amazon-apigateway-authtype", g.str("cognito_user_pools"),
			"x-amazon-apigateway-authorizer", g.m("type", g.str("cognito_user_pools"), "providerARNs", g.list(pool.Items()...)))
	}
	if jwt := a.Get("JwtConfiguration"); jwt != nil {
		source := a.Get("IdentitySource")
		if source == nil {
			source = g.str("$request.header.Authorization")
		}
		return g.m("type", g.str("oauth2"), "x-amazon-apigateway-authorizer", g.m(
			"type", g.str("jwt"), "jwtConfiguration", jwt, "identitySource", source))
	}
	fn := a.Get("FunctionArn")
	if fn == nil {
		x.diag(g.p, app.SevError, "%s: authorizer needs FunctionArn, UserPoolArn or JwtConfiguration", st.id)
		return g.m()
	}
	uri := g.subVars("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
		"__FunctionArn__", fn)
	if st.http {
		return g.m("type", g.str("apiKey"), "name", header, "in", g.str("header"),
			"x-amazon-apigateway-authorizer", g.m("type", g.str("request"), "authorizerUri", uri,
				"authorizerPayloadFormatVersion", a.Get("AuthorizerPayloadFormatVersion"),
				"enableSimpleResponses", a.Get("EnableSimpleResponses")))
	}
	typ := "token"
	if a.Get("FunctionPayloadType").Text() == "REQUEST" {
		typ = "request"
	}
	return g.m("type", g.str("apiKey"), "name", header, "in", g.str("header"),
		"x-amazon-apigateway-authtype", g.str("custom"),
		"x-amazon-apigateway-authorizer", g.m("type", g.str(typ), "authorizerUri", uri))
}
