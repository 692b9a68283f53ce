package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// invokeRules are the rules about who may invoke a function: Lambda
// permissions and function URLs.
func invokeRules() []*Rule {
	return []*Rule{
		permissionPublicRule(),
		permissionSourceRule(),
		permissionActionRule(),
		permissionAPIWideRule(),
		permissionPrincipalsRule(),
		functionURLAuthRule(),
		functionURLCORSRule(),
	}
}

// permission is one AWS::Lambda::Permission with what rules read of it.
type permission struct {
	r         *app.Resource
	fn        *app.Resource // nil when the function is not in the graph
	principal string        // "" when unresolved
	pNode     *app.Node
}

func permissions(c *Context) []permission {
	return once(c, "permissions", func() []permission { return buildPermissions(c) })
}

func buildPermissions(c *Context) []permission {
	var out []permission
	for _, p := range c.Resources(app.KindPermission) {
		n := value(p, app.AttrPrincipal, "Principal")
		s, _ := n.String()
		fn := c.Graph.Resource(p.Text(app.AttrFunction))
		if fn != nil && fn.Kind != app.KindFunction {
			fn = nil
		}
		out = append(out, permission{r: p, fn: fn, principal: s, pNode: n})
	}
	return out
}

// owner is where a finding about the permission belongs: the function
// when a transform generated the permission (SAM events, FunctionUrlConfig),
// the permission itself when it is written.
func (p permission) owner() *app.Resource {
	if p.r.Implicit && p.fn != nil {
		return p.fn
	}
	return p.r
}

func (p permission) related() []string { return resourceIDs(p.r, p.fn) }

// fnName names the permission's function for messages.
func (p permission) fnName() string {
	if p.fn != nil {
		return p.fn.Display()
	}
	if s, ok := p.r.Props.Get("FunctionName").String(); ok {
		return s
	}
	return "(unresolved)"
}

// scoped reports whether a permission says whose calls it accepts beyond
// its principal: a source ARN, source account, organization or event
// source token.
func (p permission) scoped() bool {
	return value(p.r, app.AttrSourceArn, "SourceArn") != nil || value(p.r, app.AttrSourceAccount, "SourceAccount") != nil ||
		p.r.Props.Get("PrincipalOrgID") != nil || p.r.Props.Get("EventSourceToken") != nil
}

// urlPublic reports a permission that belongs to a function URL without
// auth: function-url-auth reports those.
func (p permission) urlPublic() bool {
	return p.r.Props.Get("FunctionUrlAuthType").Text() == "NONE"
}

func isService(principal string) bool {
	return strings.HasSuffix(principal, ".amazonaws.com") || strings.HasSuffix(principal, ".amazonaws.com.cn")
}

func permissionPublicRule() *Rule {
	return &Rule{
		ID:       "permission-public",
		Title:    "Anyone may invoke the function",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "A Lambda permission with `Principal: \"*\"` and nothing narrowing it (`SourceArn`, " +
			"`SourceAccount`, `PrincipalOrgID`) lets every AWS account invoke the function, paying for it " +
			"and reading what it returns. A wildcard principal limited to your organization or to one " +
			"source is not flagged (KICS flags any `*`). Permissions of a function URL with `AuthType: " +
			"NONE` are left to `function-url-auth`.",
		Remediation: "Name the principal (a service such as `s3.amazonaws.com` with `SourceArn` and " +
			"`SourceAccount`, or an account), or add `PrincipalOrgID`.",
		Aliases: []string{
			"kics:Lambda Permission Principal Is Wildcard",
			"guard:LAMBDA_NO_WILDCARD_PRINCIPALS",
			"cfn-nag:F13",
		},
		Fail: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: "*"
`,
		Pass: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: "*"
      PrincipalOrgID: o-a1b2c3d4e5
`,
		Check: func(c *Context) {
			for _, p := range permissions(c) {
				if p.principal != "*" || p.scoped() || p.urlPublic() {
					continue
				}
				c.Report(Issue{Resource: p.owner(), At: p.pNode, Related: p.related(),
					Message: fmt.Sprintf("permission %s lets any AWS account invoke function %s", p.r.ID, p.fnName())})
			}
		},
	}
}

func permissionSourceRule() *Rule {
	return &Rule{
		ID:       "permission-source-scope",
		Title:    "Service permission does not say which resource or account may invoke",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A permission for a service principal (`s3.amazonaws.com`, `sns.amazonaws.com`, " +
			"`events.amazonaws.com` ...) without `SourceArn` or `SourceAccount` lets that service invoke " +
			"the function on behalf of any resource of any account: someone else's bucket or topic can " +
			"drive it (the confused deputy). S3 bucket ARNs carry no account, so an S3 permission needs " +
			"`SourceAccount` even with a `SourceArn`: a bucket you delete can be re-created by anyone " +
			"(cfn-lint W3663). The permissions SAM generates for events are scoped and pass.",
		Remediation: "Add `SourceArn` (the bucket, topic, rule or API that triggers the function) and, for " +
			"S3, `SourceAccount: !Ref AWS::AccountId`.",
		Aliases: []string{
			"checkov:CKV_AWS_364",
			"guard:LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
			"cfn-lint:W3663",
		},
		Fail: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: sns.amazonaws.com
`,
		Pass: `Resources:
  Topic:
    Type: AWS::SNS::Topic
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: sns.amazonaws.com
      SourceArn: !Ref Topic
`,
		Check: func(c *Context) {
			for _, p := range permissions(c) {
				if !isService(p.principal) {
					continue
				}
				if !p.scoped() {
					c.Report(Issue{Resource: p.owner(), At: p.pNode, Related: p.related(),
						Message: fmt.Sprintf("permission %s lets %s invoke function %s for any resource of any account (no SourceArn or SourceAccount)",
							p.r.ID, p.principal, p.fnName())})
					continue
				}
				if value(p.r, app.AttrSourceAccount, "SourceAccount") != nil || p.r.Props.Get("PrincipalOrgID") != nil {
					continue
				}
				src := value(p.r, app.AttrSourceArn, "SourceArn")
				if src != nil && sourceWithoutAccount(c, src) {
					c.Report(Issue{Resource: p.owner(), At: src, Related: p.related(),
						Message: fmt.Sprintf("permission %s names its source by an ARN without an account (an S3 bucket): add SourceAccount, "+
							"or a bucket of that name in another account can invoke function %s", p.r.ID, p.fnName())})
				}
			}
		},
	}
}

// sourceWithoutAccount reports a SourceArn that names an S3 bucket, whose
// ARN has no account field.
func sourceWithoutAccount(c *Context, n *app.Node) bool {
	if s, ok := arnText(n); ok {
		return strings.Contains(s, ":s3:::")
	}
	buckets := once(c, "bucket-ids", func() map[string]bool {
		m := make(map[string]bool)
		for _, b := range c.Resources(app.KindBucket) {
			m[logicalID(b.ID)] = true
		}
		return m
	})
	for _, id := range refIDs(n) {
		if buckets[id] {
			return true
		}
	}
	return false
}

// arnText renders an ARN-valued node as text: literal parts as written,
// every unresolved variable as "{}" (not a wildcard: it names one thing
// nobody knows yet). ok is false for anything but text, Sub and Join.
func arnText(n *app.Node) (string, bool) {
	if s, ok := n.String(); ok {
		return s, true
	}
	name, arg, isFn := n.Intrinsic()
	if !isFn {
		return "", false
	}
	switch name {
	case "Fn::Sub":
		tmpl, vars := arg.Text(), (*app.Node)(nil)
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0].Text()
			if len(arg.List) > 1 {
				vars = arg.List[1]
			}
		}
		var b strings.Builder
		for {
			i := strings.Index(tmpl, "${")
			j := strings.IndexByte(tmpl[max(i, 0):], '}')
			if i < 0 || j < 0 {
				b.WriteString(tmpl)
				return b.String(), true
			}
			b.WriteString(tmpl[:i])
			v := tmpl[i+2 : i+j]
			switch {
			case strings.HasPrefix(v, "!"):
				b.WriteString("${" + v[1:] + "}")
			case vars.Get(v).IsScalar():
				b.WriteString(vars.Get(v).Text())
			default:
				b.WriteString("{}")
			}
			tmpl = tmpl[i+j+1:]
		}
	case "Fn::Join":
		if !arg.IsList() || len(arg.List) != 2 {
			return "", false
		}
		var parts []string
		for _, it := range arg.List[1].Items() {
			if s, ok := it.String(); ok {
				parts = append(parts, s)
			} else {
				parts = append(parts, "{}")
			}
		}
		return strings.Join(parts, arg.List[0].Text()), true
	}
	return "", false
}

func permissionActionRule() *Rule {
	return &Rule{
		ID:       "permission-action",
		Title:    "Lambda permission grants more than invoking",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A function's resource policy should let others invoke it and nothing else. " +
			"`lambda:*` or actions such as `lambda:GetFunction` or `lambda:UpdateFunctionCode` hand the " +
			"principal the code, the configuration or control of the function. `lambda:InvokeFunctionUrl` " +
			"(function URLs) is an invoke too.",
		Remediation: "Use `Action: lambda:InvokeFunction` (or `lambda:InvokeFunctionUrl` for a function URL).",
		Aliases: []string{
			"kics:Lambda Permission Misconfigured",
			"guard:LAMBDA_PERMISSION_INVOKE_FUNCTION_ACTION",
			"cfn-nag:W24",
		},
		Fail: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:*
      FunctionName: orders
      Principal: events.amazonaws.com
      SourceAccount: "123456789012"
`,
		Pass: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: events.amazonaws.com
      SourceAccount: "123456789012"
`,
		Check: func(c *Context) {
			for _, p := range permissions(c) {
				n := value(p.r, app.AttrAction, "Action")
				a, ok := n.String()
				if !ok {
					continue
				}
				switch strings.ToLower(a) {
				case "lambda:invokefunction", "lambda:invokefunctionurl", "lambda:invokeasync":
					continue
				}
				c.Report(Issue{Resource: p.owner(), At: n, Related: p.related(),
					Message: fmt.Sprintf("permission %s grants %s on function %s, not just lambda:InvokeFunction", p.r.ID, a, p.fnName())})
			}
		},
	}
}

func permissionAPIWideRule() *Rule {
	return &Rule{
		ID:       "permission-api-wide",
		Title:    "API Gateway may invoke the function from any API, stage or method",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "An API Gateway permission's `SourceArn` says which API, stage, method and path may " +
			"invoke the function. A wildcard API id lets any API in the account (or any account) call " +
			"it; `/*/*` on one API lets every stage and method, including test stages and routes added " +
			"later without auth. The permissions SAM writes for a function's own `Api`/`HttpApi` events " +
			"are exactly its routes and are not flagged; a variable (`${Api}`) is not a wildcard.",
		Remediation: "Scope `SourceArn` to the API, stage and method that integrate the function: " +
			"`!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod/GET/orders`.",
		Aliases: []string{"kics:Public Lambda via API Gateway"},
		Fail: `Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/*
`,
		Pass: `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders-api
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: orders
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod/POST/orders
`,
		Check: func(c *Context) {
			for _, p := range permissions(c) {
				if p.r.Implicit || (p.principal != "apigateway.amazonaws.com" && p.principal != "*") {
					continue
				}
				src := value(p.r, app.AttrSourceArn, "SourceArn")
				s, ok := arnText(src)
				if !ok {
					continue
				}
				fields := strings.SplitN(s, ":", 6)
				if len(fields) < 6 || fields[2] != "execute-api" {
					continue
				}
				parts := strings.Split(fields[5], "/")
				what := ""
				switch {
				case parts[0] == "*":
					what = "any API"
				case len(parts) >= 3 && parts[1] == "*" && parts[2] == "*" && (len(parts) == 3 || (len(parts) == 4 && parts[3] == "*")):
					what = "any stage and method of the API"
				default:
					continue
				}
				c.Report(Issue{Resource: p.owner(), At: src, Related: p.related(),
					Message: fmt.Sprintf("permission %s lets %s invoke function %s (SourceArn %s)", p.r.ID, what, p.fnName(), s)})
			}
		},
	}
}

func permissionPrincipalsRule() *Rule {
	return &Rule{
		ID:       "permission-mixed-principals",
		Title:    "Function is invoked by several kinds of principal",
		Severity: app.SevWarning,
		Category: CategoryGovernance,
		Description: "A function whose permissions admit different principals (an API and a bucket, a " +
			"topic and another account) serves several purposes: its role must hold the permissions of " +
			"all of them, its errors mix, and its timeout and concurrency cannot suit each caller. " +
			"Permissions are grouped by the function they resolve to, whatever the form of the " +
			"reference (`!Ref`, `!GetAtt`, an alias, a SAM event), where serverless-rules WS1002 never " +
			"groups literal names.",
		Remediation: "Split the function into one per trigger, sharing code through a library or layer.",
		Aliases:     []string{"serverless-rules:WS1002", "tflint:aws_lambda_permission_multiple_principals"},
		Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
  FromS3:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: s3.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
  FromSns:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: sns.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
`,
		Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
  FromS3:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: s3.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
`,
		Check: func(c *Context) {
			// Group by the function in the graph, or by the literal name of
			// one outside it (serverless-rules never groups literal names).
			byFn := make(map[string][]permission)
			var order []string
			for _, p := range permissions(c) {
				key := ""
				if p.fn != nil {
					key = "id:" + p.fn.ID
				} else if s, ok := p.r.Props.Get("FunctionName").String(); ok {
					key = "name:" + s[strings.LastIndexByte(s, ':')+1:]
				}
				if key == "" || p.principal == "" {
					continue
				}
				if byFn[key] == nil {
					order = append(order, key)
				}
				byFn[key] = append(byFn[key], p)
			}
			for _, key := range order {
				ps := byFn[key]
				var principals []string
				var related []string
				for _, p := range ps {
					related = append(related, p.r.ID)
					if !slices.Contains(principals, p.principal) {
						principals = append(principals, p.principal)
					}
				}
				if len(principals) < 2 {
					continue
				}
				slices.Sort(principals)
				at := ps[0].fn
				if at == nil {
					at = ps[0].r
				}
				c.Report(Issue{Resource: at, Related: related,
					Message: fmt.Sprintf("function %s may be invoked by %d kinds of principal: %s", ps[0].fnName(), len(principals), strings.Join(principals, ", "))})
			}
		},
	}
}

// functionURL is one AWS::Lambda::Url with its function.
type functionURL struct {
	r  *app.Resource
	fn *app.Resource
}

func functionURLs(c *Context) []functionURL {
	var out []functionURL
	for _, u := range c.Resources(app.KindURL) {
		fn := c.Graph.Resource(u.Text(app.AttrFunction))
		if fn != nil && fn.Kind != app.KindFunction {
			fn = nil
		}
		out = append(out, functionURL{u, fn})
	}
	return out
}

func (u functionURL) owner() *app.Resource {
	if u.r.Implicit && u.fn != nil {
		return u.fn
	}
	return u.r
}

func (u functionURL) name() string {
	if u.fn != nil {
		return "the URL of function " + u.fn.Display()
	}
	return "function URL " + u.r.ID
}

func functionURLAuthRule() *Rule {
	return &Rule{
		ID:       "function-url-auth",
		Title:    "Function URL needs no authentication",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "A function URL with `AuthType: NONE` is a public HTTPS endpoint: anyone who finds it " +
			"can invoke the function, as often as they like, at your cost. Webhooks sometimes need it; " +
			"then the function must check a signature itself, and the suppression should say so.",
		Remediation: "Use `AuthType: AWS_IAM` (callers sign requests; CloudFront with OAC for browsers), " +
			"or put the function behind API Gateway with an authorizer. For a webhook that verifies a " +
			"signature, suppress with that reason.",
		Aliases: []string{"checkov:CKV_AWS_258"},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      FunctionUrlConfig:
        AuthType: NONE
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      FunctionUrlConfig:
        AuthType: AWS_IAM
`,
		Check: func(c *Context) {
			for _, u := range functionURLs(c) {
				n := value(u.r, app.AttrURLAuth, "AuthType")
				if n.Text() == "NONE" {
					c.Report(Issue{Resource: u.owner(), At: n, Related: resourceIDs(u.r, u.fn),
						Message: fmt.Sprintf("%s needs no authentication: anyone can invoke it", u.name())})
				}
			}
		},
	}
}

func functionURLCORSRule() *Rule {
	return &Rule{
		ID:       "function-url-cors",
		Title:    "Function URL accepts browser calls from any origin",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "`Cors.AllowOrigins: [\"*\"]` on a function URL lets scripts on any web site call it " +
			"from a visitor's browser; with `AllowCredentials` they do so with the visitor's cookies. " +
			"List the origins of your own front end instead.",
		Remediation: "Set `Cors.AllowOrigins` to the front end's origins (`https://shop.example.com`).",
		Aliases:     []string{"checkov:CKV2_AWS_75"},
		Fail: `Resources:
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:orders
      AuthType: AWS_IAM
      Cors:
        AllowOrigins: ["*"]
`,
		Pass: `Resources:
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:orders
      AuthType: AWS_IAM
      Cors:
        AllowOrigins: [https://shop.example.com]
`,
		Check: func(c *Context) {
			for _, u := range functionURLs(c) {
				for _, o := range u.r.Props.Path("Cors", "AllowOrigins").Items() {
					if o.Text() == "*" {
						c.Report(Issue{Resource: u.owner(), At: o, Related: resourceIDs(u.r, u.fn),
							Message: fmt.Sprintf("%s allows CORS requests from any origin", u.name())})
						break
					}
				}
			}
		},
	}
}
