package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// secretRules find secrets written into templates, where everyone who can
// read the repository, the CloudFormation console or the function's
// configuration can read them too, and the settings of the secrets kept
// properly.
func secretRules() []*Rule {
	return []*Rule{
		envSecretsRule(),
		literalSecretRule(),
		secretPatternRule(),
		ssmSecretRule(),
		secretKMSRule(),
		secretRotationRule(),
	}
}

// secretPattern is one credential format recognised by its shape alone.
type secretPattern struct {
	name  string
	hints []string // one of these is in every match: a cheap test first
	re    *regexp.Regexp
}

// secretPatterns are formats specific enough to flag wherever they
// appear (the detect-secrets / KICS kind of list, keeping only the ones
// that rarely match anything else).
var secretPatterns = []secretPattern{
	{"an AWS access key id", []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`)},
	{"a private key", []string{"PRIVATE KEY"}, regexp.MustCompile(`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY`)},
	{"a Slack token", []string{"xox"}, regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`)},
	{"a Slack webhook URL", []string{"hooks.slack.com"}, regexp.MustCompile(`https://hooks\.slack\.com/services/T[0-9A-Z]+/B[0-9A-Z]+/[0-9A-Za-z]+`)},
	{"a Stripe secret key", []string{"_live_"}, regexp.MustCompile(`\b(?:sk|rk)_live_[0-9A-Za-z]{16,}`)},
	{"a GitHub token", []string{"gh", "github_pat_"}, regexp.MustCompile(`\b(?:ghp|gho|ghs|ghu|ghr)_[0-9A-Za-z]{36}\b|\bgithub_pat_[0-9A-Za-z_]{60,}`)},
	{"a Google API key", []string{"AIza"}, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{"a SendGrid API key", []string{"SG."}, regexp.MustCompile(`\bSG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}\b`)},
	{"a Twilio API key", []string{"SK"}, regexp.MustCompile(`\bSK[0-9a-f]{32}\b`)},
	{"a password in a URL", []string{"://"}, regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@{}$]{3,}@`)},
	{"a JSON web token", []string{"eyJ"}, regexp.MustCompile(`\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}`)},
}

// matchSecret returns what kind of credential s holds, "" when none.
func matchSecret(s string) string {
	if len(s) < 16 {
		return "" // shorter than any credential format here
	}
	for _, p := range secretPatterns {
		for _, h := range p.hints {
			if strings.Contains(s, h) {
				if p.re.MatchString(s) {
					return p.name
				}
				break
			}
		}
	}
	return ""
}

var (
	// secretName is a variable or property name that says its value is a
	// secret.
	secretName = regexp.MustCompile(`(?i)(pass(word|wd|phrase)?|secret|token|api_?key|private_?key|credential|auth_?key|signing_?key|client_?secret)`)
	// notSecretName ends names that hold where a secret is, not the secret.
	notSecretName = regexp.MustCompile(`(?i)(_?arn|_?name|_?id|_?path|_?param(eter)?s?|_?url|_?uri|_?endpoint|_?ttl|_?header|_?length|_?region|_?file|_?location|_?ref|_?version|_?expiry|_?type|_?policy|_?prefix|_?key_?id)$`)
	// plainWords is a name made of lower-case words: my-app.db_password.
	plainWords = regexp.MustCompile(`^[a-z]+([._-][a-z]+)*$`)
	// awsSecretKey is the shape of an AWS secret access key.
	awsSecretKey = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
)

// looksLikeSecretValue reports whether a value under a secret-sounding
// name is a secret rather than a reference to one, a flag or a
// placeholder.
func looksLikeSecretValue(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 8 || strings.ContainsAny(v, " \t\n") {
		return false
	}
	lower := strings.ToLower(v)
	for _, p := range []string{"arn:", "{{resolve:", "http://", "https://", "/", "${", "alias/", "ssm:", "secretsmanager:"} {
		if strings.HasPrefix(lower, p) {
			return false
		}
	}
	switch lower {
	case "true", "false", "enabled", "disabled", "required", "optional", "changeme", "password", "placeholder", "none", "null":
		return false
	}
	// Names of things (my-app-db-password, orders.api.key) are not
	// secrets: a secret mixes character classes.
	classes := 0
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!#%&*+=?@^_~/.:;,|-"} {
		if strings.ContainsAny(v, set) {
			classes++
		}
	}
	if plainWords.MatchString(v) {
		return false
	}
	return classes >= 2
}

// envSecret judges one environment variable: what kind of secret it
// holds, "" for none.
func envSecret(name, v string) string {
	if strings.Contains(v, "{{resolve:") {
		return ""
	}
	if k := matchSecret(v); k != "" {
		return k
	}
	up := strings.ToUpper(name)
	if strings.Contains(up, "AWS") && strings.Contains(up, "SECRET") && awsSecretKey.MatchString(v) {
		return "an AWS secret access key"
	}
	if secretName.MatchString(name) && !notSecretName.MatchString(name) && looksLikeSecretValue(v) {
		return "a secret (by its name)"
	}
	return ""
}

func envSecretsRule() *Rule {
	return &Rule{
		ID:       "function-env-secrets",
		Title:    "Function environment holds a secret",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "Environment variables are shown in the Lambda console, returned by " +
			"`GetFunctionConfiguration` to anyone with read access, and written in the template and its " +
			"history. A value is flagged when it has the shape of a credential (AWS access keys, private " +
			"keys, Slack, Stripe, GitHub, Google, SendGrid and Twilio keys, a password inside a URL, a " +
			"JWT) or when the variable's name says it is a secret (`DB_PASSWORD`, `API_KEY`) and the value " +
			"looks like one. Names that hold where a secret is (`SECRET_ARN`, `TOKEN_PARAMETER`), " +
			"references (`!Ref`, `{{resolve:...}}`) and placeholders are not flagged. SAM " +
			"`Globals.Function.Environment` counts.",
		Remediation: "Keep the secret in Secrets Manager or SSM Parameter Store (SecureString), pass its " +
			"name or ARN in the environment, and read it at run time (the Parameters and Secrets Lambda " +
			"extension caches it); rotate the leaked value.",
		Aliases: []string{
			"checkov:CKV_AWS_45",
			"checkov:CKV_AWS_41",
			"kics:Hardcoded AWS Access Key In Lambda",
		},
		Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Environment:
        Variables:
          STRIPE_KEY: sk_live_51HqLyjWDarjtT1zdp7dcXj2
`,
		Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Environment:
        Variables:
          STRIPE_KEY_SECRET_ARN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe-AbCdEf
`,
		Check: func(c *Context) {
			for _, fn := range c.Resources(app.KindFunction) {
				env := value(fn, app.AttrEnvironment, "Environment", "Variables")
				if !env.IsMap() {
					continue
				}
				for i, k := range env.Keys {
					v, ok := env.Values[i].String()
					if !ok {
						continue
					}
					if kind := envSecret(k, v); kind != "" {
						c.Report(Issue{Resource: fn, At: env.Values[i],
							Message: fmt.Sprintf("environment variable %s of function %s holds %s in plain text", k, fn.Display(), kind)})
					}
				}
			}
		},
	}
}

// walkProps calls fn for every scalar under n with the path of keys to it.
// The path is only valid during the call.
func walkProps(n *app.Node, path []string, fn func(path []string, v *app.Node)) []string {
	switch {
	case n == nil:
	case n.IsScalar():
		fn(path, n)
	case n.IsList():
		for _, it := range n.List {
			path = walkProps(it, path, fn)
		}
	case n.IsMap():
		if _, _, isFn := n.Intrinsic(); isFn {
			return path // a reference, not a value
		}
		for i, k := range n.Keys {
			path = walkProps(n.Values[i], append(path, k), fn)
			path = path[:len(path)-1]
		}
	}
	return path
}

// secretProperties are the property names (lower-cased) that hold a secret
// wherever they are.
var secretProperties = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`masterpassword masteruserpassword password adminpassword dbpassword userpassword
		passphrase keypassphrase secretstring secretaccesskey secretkey accesstoken oauthtoken authtoken
		refreshtoken clientsecret apikey apitoken privatekey sharedsecret webhooksecret sasltoken basicauthcredentials`) {
		secretProperties[k] = true
	}
}

// isSecretProperty reports a property name that holds a secret.
func isSecretProperty(k string) bool {
	if len(k) < 6 || len(k) > 21 {
		return false
	}
	switch k[len(k)-1] | 0x20 {
	case 'd', 'e', 'g', 'y', 'n', 't', 's':
		return secretProperties[strings.ToLower(k)]
	}
	return false
}

// secretHit is a property value that is a secret: a literal under a
// secret property's name, or a credential by its shape.
type secretHit struct {
	r        *app.Resource
	path     string
	v        *app.Node
	property bool   // secret-literal-property's
	kind     string // secret-pattern's: the kind of credential
}

// secretHits walks every property of every resource once per run for the
// two rules that read them all. Function environments are
// function-env-secrets's, SSM parameter values ssm-parameter-secret's.
func secretHits(c *Context) []secretHit {
	return once(c, "secret-hits", func() []secretHit {
		var out []secretHit
		for _, r := range c.Resources() {
			walkProps(r.Props, nil, func(path []string, v *app.Node) {
				if len(path) == 0 || isEnvPath(r, path) {
					return
				}
				s, _ := v.String()
				if isSecretProperty(path[len(path)-1]) {
					if strings.TrimSpace(s) != "" && !strings.Contains(s, "{{resolve:") {
						out = append(out, secretHit{r: r, path: strings.Join(path, "."), v: v, property: true})
					}
					return
				}
				if r.Kind == app.KindParameter && len(path) == 1 && path[0] == "Value" {
					return
				}
				if kind := matchSecret(s); kind != "" {
					out = append(out, secretHit{r: r, path: strings.Join(path, "."), v: v, kind: kind})
				}
			})
		}
		return out
	})
}

// isEnvPath reports a path under a function's environment, which
// function-env-secrets judges.
func isEnvPath(r *app.Resource, path []string) bool {
	return r.Kind == app.KindFunction && len(path) >= 2 && path[0] == "Environment" && path[1] == "Variables"
}

func literalSecretRule() *Rule {
	return &Rule{
		ID:       "secret-literal-property",
		Title:    "Password or token written in the template",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "A property that holds a secret (`MasterUserPassword`, `Password`, `AccessToken`, " +
			"`OauthToken`, `ClientSecret`, `AuthToken`, a secret's `SecretString` ...) has a literal value " +
			"or a `Ref` to a parameter whose `Default` supplies it: the secret is in the repository and " +
			"in the stack's template for anyone with read access. A `Ref` to a `NoEcho` parameter without " +
			"a default and dynamic references (`{{resolve:secretsmanager:...}}`) are how it should look " +
			"and pass. Covers every resource type, where KICS has one query per type.",
		Remediation: "Use `{{resolve:secretsmanager:<secret>:SecretString:<key>}}`, " +
			"`ManageMasterUserPassword: true` for RDS, `GenerateSecretString` for a new secret, or a " +
			"`NoEcho` parameter without `Default`; rotate the exposed value.",
		Aliases: []string{
			"kics:DocDB Cluster Master Password In Plaintext",
			"kics:DMS Endpoint Password Exposed",
			"kics:Amplify App Access Token Exposed",
			"kics:IAM User LoginProfile Password Is In Plaintext",
		},
		Fail: `Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: Sup3rS3cret!
Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      MasterUsername: app
      MasterUserPassword: !Ref DbPassword
`,
		Pass: `Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      MasterUsername: app
      MasterUserPassword: "{{resolve:secretsmanager:orders-db:SecretString:password}}"
`,
		Check: func(c *Context) {
			for _, h := range secretHits(c) {
				if h.property {
					c.Report(Issue{Resource: h.r, At: h.v,
						Message: fmt.Sprintf("%s of %s is written in the template (a literal, or a parameter's Default)", h.path, h.r.Display())})
				}
			}
		},
	}
}

func secretPatternRule() *Rule {
	return &Rule{
		ID:       "secret-pattern",
		Title:    "Template property holds a credential",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "Every property value of every resource is matched against the shapes of common " +
			"credentials: AWS access key ids, private keys, Slack, Stripe, GitHub, Google, SendGrid and " +
			"Twilio keys, passwords inside URLs and JSON web tokens (inline function code included). " +
			"Only formats specific enough not to match ordinary values are used, so the rule can stay on " +
			"(generic high-entropy scans are what makes secret scanners noisy). Function environment " +
			"variables are `function-env-secrets`'s.",
		Remediation: "Move the credential to Secrets Manager and reference it with " +
			"`{{resolve:secretsmanager:...}}` or at run time; rotate the exposed one.",
		Fail: `Resources:
  Hook:
    Type: AWS::Events::Connection
    Properties:
      AuthorizationType: API_KEY
      AuthParameters:
        InvocationHttpParameters:
          HeaderParameters:
            - Key: X-Webhook
              Value: https://hooks.slack.com/services/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
`,
		Pass: `Resources:
  Hook:
    Type: AWS::Events::Connection
    Properties:
      AuthorizationType: API_KEY
      AuthParameters:
        ApiKeyAuthParameters:
          ApiKeyName: X-Api-Key
          ApiKeyValue: "{{resolve:secretsmanager:partner-api:SecretString:key}}"
`,
		Check: func(c *Context) {
			for _, h := range secretHits(c) {
				if h.kind != "" {
					c.Report(Issue{Resource: h.r, At: h.v,
						Message: fmt.Sprintf("%s of %s holds %s in plain text", h.path, h.r.Display(), h.kind)})
				}
			}
		},
	}
}

func ssmSecretRule() *Rule {
	return &Rule{
		ID:       "ssm-parameter-secret",
		Title:    "SSM parameter stores a secret as plain text",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "CloudFormation can only create `String` and `StringList` parameters, which are not " +
			"encrypted and whose value is written in the template. A parameter whose value has the shape " +
			"of a credential, or whose name says it is a secret and whose value looks like one, is " +
			"flagged.",
		Remediation: "Create the value as an `AWS::SecretsManager::Secret` (with `GenerateSecretString`), " +
			"or create a SecureString parameter outside the template and reference it.",
		Aliases: []string{"checkov:CKV_AWS_384"},
		Fail: `Resources:
  ApiToken:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /orders/partner-api-token
      Type: String
      Value: 9f8Kq2xLw7Zt4Rb1
`,
		Pass: `Resources:
  TableName:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /orders/table-name
      Type: String
      Value: orders-prod
`,
		Check: func(c *Context) {
			for _, p := range c.Resources(app.KindParameter) {
				v := p.Props.Get("Value")
				s, ok := v.String()
				if !ok {
					continue
				}
				name := p.Props.Get("Name").Text()
				if name == "" {
					name = p.ID
				}
				last := name[strings.LastIndexAny(name, "/.")+1:]
				kind := matchSecret(s)
				if kind == "" && secretName.MatchString(last) && !notSecretName.MatchString(last) && looksLikeSecretValue(s) {
					kind = "a secret (by its name)"
				}
				if kind != "" {
					c.Report(Issue{Resource: p, At: v,
						Message: fmt.Sprintf("SSM parameter %s holds %s as a plain String", name, kind)})
				}
			}
		},
	}
}

func secretKMSRule() *Rule {
	return &Rule{
		ID:       "secret-kms",
		Title:    "Secret is encrypted with the AWS managed key",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "Secrets Manager encrypts every secret; without `KmsKeyId` it uses the AWS managed " +
			"key `aws/secretsmanager`, which any principal of the account allowed " +
			"`secretsmanager:GetSecretValue` can use, and which cannot be shared with another account. " +
			"A customer key adds a second permission to read the secret. Opt-in.",
		Remediation: "Set `KmsKeyId` to a customer managed key and allow the readers `kms:Decrypt` on it.",
		Aliases:     []string{"checkov:CKV_AWS_149", "kics:Secrets Manager Should Specify KmsKeyId"},
		Fail: `Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        PasswordLength: 32
`,
		Pass: `Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: alias/orders-secrets
      GenerateSecretString:
        PasswordLength: 32
`,
		Check: func(c *Context) {
			for _, s := range c.Resources(app.KindSecret) {
				if value(s, app.AttrKMSKey, "KmsKeyId") == nil {
					c.Reportf(s, nil, "secret %s is encrypted with the AWS managed key aws/secretsmanager", s.Display())
				}
			}
		},
	}
}

func secretRotationRule() *Rule {
	return &Rule{
		ID:       "secret-rotation",
		Title:    "Secret is never rotated",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "A secret without an `AWS::SecretsManager::RotationSchedule` keeps its value until " +
			"someone changes it by hand, so a leaked copy works forever. Database credentials rotate " +
			"with AWS's hosted rotation functions; third-party API keys often cannot rotate without " +
			"code of your own, which is why this rule is opt-in. The schedule is matched to the secret " +
			"by any form of reference.",
		Remediation: "Add an `AWS::SecretsManager::RotationSchedule` for the secret (`HostedRotationLambda` " +
			"for RDS, Redshift and DocumentDB, or your own `RotationLambdaARN`).",
		Aliases: []string{"cdk-nag:AwsSolutions-SMG4"},
		Fail: `Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        PasswordLength: 32
`,
		Pass: `Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        PasswordLength: 32
  DbSecretRotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref DbSecret
      HostedRotationLambda:
        RotationType: PostgreSQLSingleUser
      RotationRules:
        ScheduleExpression: rate(30 days)
`,
		Check: func(c *Context) {
			var schedules []*app.Resource
			for _, r := range c.Resources() {
				if r.Type == "AWS::SecretsManager::RotationSchedule" {
					schedules = append(schedules, r)
				}
			}
			for _, s := range c.Resources(app.KindSecret) {
				rotated := false
				for _, rs := range schedules {
					id := rs.Props.Get("SecretId")
					if y, ok := refersTo(id, s.ID); (ok && y) || (s.Name != "" && id.Text() == s.Name) {
						rotated = true
					}
				}
				if !rotated {
					c.Reportf(s, nil, "secret %s has no rotation schedule", s.Display())
				}
			}
		},
	}
}
