package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// iamRules are the least-privilege rules. They read every statement a role
// really has: its inline policies, every AWS::IAM::Policy and
// ManagedPolicy of the template attached to it, and the SAM policy
// templates and DLQ/destination grants as the transform expands them,
// each statement of each document (checkov CKV_AWS_63 stops at the first).
func iamRules() []*Rule {
	return []*Rule{
		iamAdminRule(),
		iamWildcardActionRule(),
		iamPassRoleRule(),
		iamAllowNotRule(),
		iamManagedPolicyRule(),
		iamStarRule(classPrivesc),
		iamStarRule(classCredentials),
		iamStarRule(classPolicy),
		iamStarRule(classExfiltration),
		iamStarRule(classWrite),
		iamStarRule(classRead),
		trustPublicRule(),
		trustAccountRule(),
		trustExternalIDRule(),
		roleSharedRule(),
	}
}

// grant is one identity-policy statement with where it is written and who
// holds it.
type iamGrant struct {
	s app.Statement
	// holder is where a finding goes: the policy resource the statement is
	// written in, or the function or state machine whose generated role
	// holds it (SAM), or the role.
	holder *app.Resource
	role   *app.Resource // nil for a policy attached to no role of the graph
	// generated is true for statements a transform wrote (SAM policy
	// templates, DLQ and destination grants) or a CDK library construct
	// made for its own plumbing.
	generated bool
}

// cdkPlumbing matches the construct paths of the roles CDK creates for
// its own singleton handlers (log retention, bucket notifications,
// auto-delete, AwsCustomResource): their "*" grants are the library's,
// not the app's, and cdk-nag users suppress them by the hundred.
var cdkPlumbing = regexp.MustCompile(`/(LogRetention[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}|AWS679f53fac002430cb0da5b7982bd2287|Custom::[A-Za-z0-9]+CustomResourceProvider)/`)

// isCDKPlumbing reports a resource of CDK's own handlers.
func isCDKPlumbing(r *app.Resource) bool {
	if r == nil || r.Format != "cdk" {
		return false
	}
	return cdkPlumbing.MatchString(r.Metadata.Get("aws:cdk:path").Text())
}

// iamGrants returns every identity-policy statement of the graph once,
// in graph order, with the roles that hold it.
func iamGrants(c *Context) []iamGrant {
	return once(c, "iam-grants", func() []iamGrant { return buildGrants(c) })
}

func buildGrants(c *Context) []iamGrant {
	type key struct {
		policy string
		pos    app.Pos
		sid    string
	}
	seen := make(map[key]bool)
	var out []iamGrant
	add := func(s app.Statement, role, fallback *app.Resource) {
		// Statement.Policy is the logical id of the policy's resource, in
		// the scope (file, nested stack) of the resource holding it.
		policy := scopeOf(fallback.ID) + s.Policy
		k := key{policy, s.Pos, s.Sid}
		if seen[k] {
			return
		}
		seen[k] = true
		g := iamGrant{s: s, role: role, generated: generatedStatement(s)}
		g.holder = c.Graph.Resource(policy)
		if g.holder == nil || (g.holder.Kind == app.KindRole && g.holder.Implicit) {
			g.holder = fallback
		}
		g.generated = g.generated || isCDKPlumbing(g.holder) || isCDKPlumbing(role)
		out = append(out, g)
	}
	for _, r := range c.Resources(app.KindRole) {
		owner := roleOwner(c, r)
		for _, s := range r.Statements {
			add(s, r, owner)
		}
	}
	for _, r := range c.Resources(app.KindPolicy, app.KindFunction, app.KindStateMachine) {
		if r.Kind == app.KindPolicy && r.Type != "AWS::IAM::Policy" && r.Type != "AWS::IAM::ManagedPolicy" {
			continue // bucket, queue and topic policies are resource policies
		}
		for _, s := range r.Statements {
			add(s, nil, r)
		}
	}
	return out
}

// roleOwner is the resource a finding about role belongs to: for a role a
// transform generated (SAM), the function or state machine it was made
// for; else the role.
func roleOwner(c *Context, role *app.Resource) *app.Resource {
	if !role.Implicit {
		return role
	}
	for _, e := range c.In(role, app.UsesRole) {
		if p := c.Peer(role, e); p != nil && (p.Kind == app.KindFunction || p.Kind == app.KindStateMachine) {
			return p
		}
	}
	return role
}

// generatedStatement reports a statement every resource of which a
// transform wrote (a SAM policy template, a DLQ grant).
func generatedStatement(s app.Statement) bool {
	if len(s.Resources) == 0 {
		return false
	}
	for _, n := range s.Resources {
		if n == nil || n.Origin != app.Derived {
			return false
		}
	}
	return true
}

func isAllow(s app.Statement) bool { return strings.EqualFold(s.Effect, "Allow") }

// onStar reports whether s allows its actions on every resource.
func onStar(s app.Statement) bool {
	return slices.ContainsFunc(s.Resources, isStar)
}

// who names the role and the functions using it for messages.
func who(c *Context, g iamGrant) string {
	if g.role == nil {
		return "policy " + g.holder.ID
	}
	var users []string
	for _, e := range c.In(g.role, app.UsesRole) {
		if p := c.Peer(g.role, e); p != nil && p.Kind == app.KindFunction {
			users = append(users, p.ID)
		}
	}
	slices.Sort(users)
	users = slices.Compact(users)
	switch {
	case len(users) == 1 && g.role.Implicit:
		return "the role of function " + users[0]
	case len(users) > 0:
		return fmt.Sprintf("role %s (used by function %s)", g.role.ID, strings.Join(users, ", "))
	}
	return "role " + g.role.ID
}

func grantRelated(g iamGrant) []string { return resourceIDs(g.role, g.holder) }

var iamAliases = []string{"cfn-nag:W11", "cfn-nag:W12", "cfn-nag:W13", "cdk-nag:AwsSolutions-IAM5"}

func iamAdminRule() *Rule {
	return &Rule{
		ID:       "iam-admin-access",
		Title:    "Role or policy grants full administrator access",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "`Action: \"*\"` on `Resource: \"*\"`, or the AWS managed `AdministratorAccess` or " +
			"`PowerUserAccess`, lets whoever holds the role do anything in the account: a bug or an " +
			"injected payload in one function becomes an account takeover. Every statement of every " +
			"policy the role has is read, including separate `AWS::IAM::Policy` resources and policies " +
			"written as JSON strings, however the role is referenced.",
		Remediation: "Grant the actions the code calls on the resources it uses (SAM policy templates " +
			"such as `DynamoDBCrudPolicy` do this in one line).",
		Aliases: []string{
			"checkov:CKV_AWS_62",
			"checkov:CKV_AWS_1",
			"kics:IAM Policies With Full Privileges",
			"kics:IAM Policy Grants Full Permissions",
			"kics:Lambda Functions With Full Privileges",
			"kics:Serverless Role With Full Privileges",
		},
		Fail: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Everything:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: everything
      Roles: [!Ref Role]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: xray:PutTraceSegments, Resource: "*"}
          - {Effect: Allow, Action: "*", Resource: "*"}
`,
		Pass: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: orders
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: dynamodb:PutItem, Resource: arn:aws:dynamodb:eu-west-1:123456789012:table/orders}
`,
		Check: func(c *Context) {
			for _, g := range iamGrants(c) {
				if isAllow(g.s) && slices.Contains(g.s.Actions, "*") && onStar(g.s) {
					c.Report(Issue{Resource: g.holder, Pos: g.s.Pos, Related: grantRelated(g),
						Message: fmt.Sprintf("%s may do anything to anything (Action \"*\" on Resource \"*\")", who(c, g))})
				}
			}
			for _, role := range c.Resources(app.KindRole) {
				for _, n := range role.Attr("managed_policies").Items() {
					switch name := managedName(n); name {
					case "AdministratorAccess", "PowerUserAccess":
						c.Report(Issue{Resource: roleOwner(c, role), At: n, Related: []string{role.ID},
							Message: fmt.Sprintf("%s has the AWS managed policy %s", who(c, iamGrant{role: role, holder: role}), name)})
					}
				}
			}
		},
	}
}

func iamWildcardActionRule() *Rule {
	return &Rule{
		ID:       "iam-wildcard-action",
		Title:    "Policy allows every action of a service",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "`s3:*` or `dynamodb:*` grants deletes, policy changes and configuration along with " +
			"the reads and writes the code needs. Partial wildcards (`s3:Get*`) are accepted. Every " +
			"statement of every policy a role has is read (serverless-rules WS1003 and cdk-nag read only " +
			"inline role policies, checkov CKV_AWS_63 only the first statement), whatever role it is; " +
			"the statements SAM writes from its policy templates are AWS's own and not flagged. `*` on " +
			"`*` is `iam-admin-access`.",
		Remediation: "List the actions the code calls (`s3:GetObject`, `s3:PutObject`), or use a SAM " +
			"policy template.",
		Aliases: append([]string{
			"checkov:CKV_AWS_63",
			"checkov:CKV_AWS_49",
			"serverless-rules:WS1003",
			"cdk-nag:Serverless-LambdaStarPermissions",
			"tflint:aws_iam_role_lambda_no_star",
		}, iamAliases...),
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: arn:aws:dynamodb:eu-west-1:123456789012:table/orders
            - Effect: Allow
              Action: s3:*
              Resource: arn:aws:s3:::reports/*
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Policies:
        - Statement:
            - Effect: Allow
              Action: [s3:Get*, s3:PutObject]
              Resource: arn:aws:s3:::reports/*
`,
		Check: func(c *Context) {
			for _, g := range iamGrants(c) {
				if !isAllow(g.s) || g.generated {
					continue
				}
				var wild []string
				for _, a := range g.s.Actions {
					if a == "*" && onStar(g.s) {
						continue // iam-admin-access
					}
					if _, name, ok := strings.Cut(a, ":"); a == "*" || (ok && name == "*") {
						wild = append(wild, a)
					}
				}
				if len(wild) > 0 {
					c.Report(Issue{Resource: g.holder, Pos: g.s.Pos, Related: grantRelated(g),
						Message: fmt.Sprintf("%s is allowed %s: every action of %s", who(c, g), strings.Join(wild, ", "),
							map[bool]string{true: "every service", false: "the service"}[slices.Contains(wild, "*")])})
				}
			}
		},
	}
}

func iamPassRoleRule() *Rule {
	return &Rule{
		ID:       "iam-passrole-wildcard",
		Title:    "Policy lets the role pass any role",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "`iam:PassRole` on `Resource: \"*\"` lets the holder hand any role of the account, " +
			"administrators' included, to a service it can start (a function, an instance, a stack) and " +
			"act through it.",
		Remediation: "Name the roles that may be passed, and add an `iam:PassedToService` condition.",
		Aliases:     iamAliases,
		Fail: `Resources:
  Deployer:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: iam:PassRole, Resource: "*"}
`,
		Pass: `Resources:
  Deployer:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: iam:PassRole
            Resource: arn:aws:iam::123456789012:role/orders-worker
            Condition:
              StringEquals: {iam:PassedToService: lambda.amazonaws.com}
`,
		Check: func(c *Context) {
			for _, g := range iamGrants(c) {
				if !isAllow(g.s) || !onStar(g.s) {
					continue
				}
				for _, a := range g.s.Actions {
					if a != "*" && actionMatches(a, "iam:PassRole") {
						c.Report(Issue{Resource: g.holder, Pos: g.s.Pos, Related: grantRelated(g),
							Message: fmt.Sprintf("%s may pass any role (%s on Resource \"*\")", who(c, g), a)})
						break
					}
				}
			}
		},
	}
}

func iamAllowNotRule() *Rule {
	return &Rule{
		ID:       "iam-allow-not",
		Title:    "Allow statement with NotAction, NotResource or NotPrincipal",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "An `Allow` with `NotAction` allows every action but the ones listed, including " +
			"actions AWS adds later; `NotResource` every resource but those; `NotPrincipal` in a trust " +
			"policy every principal but those. They are almost always broader than meant. (With `Deny` " +
			"they are a useful guard and not flagged.)",
		Remediation: "Rewrite the statement as an `Allow` of the actions, resources or principals meant.",
		Fail: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: all-but-iam
          PolicyDocument:
            Statement:
              - {Effect: Allow, NotAction: "iam:*", Resource: "*"}
`,
		Pass: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: no-iam
          PolicyDocument:
            Statement:
              - {Effect: Deny, NotAction: "s3:GetObject", Resource: "*"}
`,
		Check: func(c *Context) {
			for _, g := range iamGrants(c) {
				if !isAllow(g.s) {
					continue
				}
				var what []string
				if len(g.s.NotActions) > 0 {
					what = append(what, "NotAction "+strings.Join(g.s.NotActions, ", "))
				}
				if len(g.s.NotResources) > 0 {
					what = append(what, "NotResource")
				}
				if len(what) > 0 {
					c.Report(Issue{Resource: g.holder, Pos: g.s.Pos, Related: grantRelated(g),
						Message: fmt.Sprintf("%s has an Allow with %s: it allows everything not listed", who(c, g), strings.Join(what, " and "))})
				}
			}
			for _, t := range trustStatements(c) {
				if t.allow && t.st.Get("NotPrincipal") != nil {
					c.Report(Issue{Resource: t.owner, At: t.st.Get("NotPrincipal"), Related: []string{t.role.ID},
						Message: fmt.Sprintf("role %s may be assumed by every principal but those in NotPrincipal", t.role.ID)})
				}
			}
		},
	}
}

func iamManagedPolicyRule() *Rule {
	return &Rule{
		ID:       "iam-aws-managed-policy",
		Title:    "Role uses an AWS managed policy",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "AWS managed policies are written for every customer, so they grant more than one " +
			"function needs (`AmazonS3FullAccess` on every bucket) and AWS may widen them. The policies " +
			"SAM attaches by itself (`AWSLambdaBasicExecutionRole`, X-Ray, VPC and event-source " +
			"execution roles) are not flagged: they are narrow and nobody chose them. Opt-in, because " +
			"most teams accept the narrow service-role policies; cdk-nag's AwsSolutions-IAM4 flags them " +
			"all.",
		Remediation: "Replace the managed policy with statements (or a SAM policy template) for the " +
			"actions and resources the function uses.",
		Aliases: []string{"cdk-nag:AwsSolutions-IAM4"},
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Policies:
        - AmazonS3FullAccess
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Tracing: Active
      Policies:
        - S3ReadPolicy:
            BucketName: reports
`,
		Check: func(c *Context) {
			for _, role := range c.Resources(app.KindRole) {
				for _, n := range role.Attr("managed_policies").Items() {
					name := managedName(n)
					if name == "" || isSAMAutomatic(n) {
						continue
					}
					c.Report(Issue{Resource: roleOwner(c, role), At: n, Related: []string{role.ID},
						Message: fmt.Sprintf("%s uses the AWS managed policy %s", who(c, iamGrant{role: role, holder: role}), name)})
				}
			}
		},
	}
}

// starRuleInfo is what tells the resource-"*" rules apart.
var starRuleInfo = map[starClass]struct {
	id, title, what string
	sev             app.Severity
	aliases         []string
	action          string // for the snippets
}{
	classPrivesc: {"iam-privilege-escalation", "Policy lets the role raise its own privileges",
		"can raise its own privileges", app.SevError, []string{"checkov:CKV_AWS_110"}, "iam:AttachRolePolicy"},
	classCredentials: {"iam-credentials-exposure", "Policy lets the role obtain credentials for any principal",
		"can obtain credentials", app.SevError, []string{"checkov:CKV_AWS_107",
			"kics:IAM Policy Grants 'AssumeRole' Permission Across All Services"}, "sts:AssumeRole"},
	classPolicy: {"iam-permissions-management", "Policy lets the role change permissions on any resource",
		"can change who may do what", app.SevError, []string{"checkov:CKV_AWS_109"}, "s3:PutBucketPolicy"},
	classExfiltration: {"iam-data-exfiltration", "Policy lets the role read every object, parameter or secret",
		"can read data out of every", app.SevWarning, []string{"checkov:CKV_AWS_108"}, "secretsmanager:GetSecretValue"},
	classWrite: {"iam-unconstrained-write", "Policy allows writes on every resource",
		"may write to every resource", app.SevWarning, []string{"checkov:CKV_AWS_111"}, "dynamodb:PutItem"},
	classRead: {"iam-wildcard-resource", "Policy allows actions on every resource",
		"may act on every resource", app.SevWarning, nil, "dynamodb:GetItem"},
}

// iamStarRule builds the rule for one class of action allowed on
// Resource "*". The classes split the actions, so one statement's
// actions are reported once each, by the most specific rule.
func iamStarRule(class starClass) *Rule {
	info := starRuleInfo[class]
	descriptions := map[starClass]string{
		classPrivesc: "Some actions let their holder give itself more permissions: attaching or writing " +
			"policies (`iam:AttachRolePolicy`, `iam:PutRolePolicy`, `iam:CreatePolicyVersion`), creating " +
			"keys or passwords for users, replacing a function's code, or passing a role to compute it " +
			"starts (`iam:PassRole` with `lambda:CreateFunction` and `lambda:InvokeFunction`, with " +
			"`ec2:RunInstances`, with `cloudformation:CreateStack`). Granted on `Resource: \"*\"`, these " +
			"make the role an administrator in waiting. Cloudsplaining's privilege-escalation methods, " +
			"checked over all the role's statements together.",
		classCredentials: "Actions that mint credentials (`sts:AssumeRole`, `iam:CreateAccessKey`, " +
			"`sts:GetFederationToken`, `redshift:GetClusterCredentials` ...) on `Resource: \"*\"` let the " +
			"role become any principal that trusts it and take keys out of the account. " +
			"`ecr:GetAuthorizationToken`, which takes no resource, is not flagged.",
		classPolicy: "IAM writes and resource-policy changes (`iam:CreateRole`, `s3:PutBucketPolicy`, " +
			"`lambda:AddPermission`, `kms:PutKeyPolicy`, `sqs:AddPermission` ...) on `Resource: \"*\"` " +
			"let the role open any resource to anyone. Actions that cannot be scoped " +
			"(`logs:PutResourcePolicy` for vended log delivery) are not flagged.",
		classExfiltration: "`s3:GetObject`, `ssm:GetParameter(s)`, `secretsmanager:GetSecretValue` on " +
			"`Resource: \"*\"` let the role read every object, parameter and secret of the account: " +
			"one injected request in the function and the whole account's data leaves.",
		classWrite: "Write actions (`Put`, `Create`, `Delete`, `Update`, `Send`, `Publish` ...) on " +
			"`Resource: \"*\"` let the role change every resource of the service, other teams' " +
			"included. Actions IAM cannot scope to a resource (`xray:PutTraceSegments`, " +
			"`cloudwatch:PutMetricData`, log delivery, VPC network interfaces) are not flagged, nor " +
			"the statements SAM writes from its policy templates, nor the roles CDK makes for its own " +
			"handlers (log retention, bucket notifications), whose grants the app cannot change.",
		classRead: "Reads and other actions on `Resource: \"*\"` reach every resource of the service, " +
			"where the code uses a few. Actions IAM cannot scope (account-level lists, " +
			"`ec2:Describe*`, log delivery) are not flagged, nor SAM's policy templates and CDK's own " +
			"handler roles; writes, secrets and permission changes on `*` have rules of their own.",
	}
	aliases := append(slices.Clone(info.aliases), iamAliases...)
	fail := fmt.Sprintf(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: app
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: [xray:PutTraceSegments, %s], Resource: "*"}
`, info.action)
	pass := fmt.Sprintf(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: app
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: xray:PutTraceSegments, Resource: "*"}
              - {Effect: Allow, Action: %s, Resource: !Sub "arn:${AWS::Partition}:%s"}
`, info.action, map[starClass]string{
		classPrivesc:      "iam::${AWS::AccountId}:role/app-*",
		classCredentials:  "iam::${AWS::AccountId}:role/reporting",
		classPolicy:       "s3:::app-uploads",
		classExfiltration: "secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:app/db-*",
		classWrite:        "dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders",
		classRead:         "dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders",
	}[class])
	return &Rule{
		ID:          info.id,
		Title:       info.title,
		Severity:    info.sev,
		Category:    CategorySecurity,
		Description: descriptions[class],
		Remediation: "Scope `Resource` to the ARNs the code uses (a table, a bucket's `/*`, a secret's " +
			"name prefix), or use a SAM policy template that does.",
		Aliases: aliases,
		Fail:    fail,
		Pass:    pass,
		Check: func(c *Context) {
			grants := iamGrants(c)
			if class == classPrivesc {
				checkCombos(c, grants)
			}
			for _, g := range grants {
				if !isAllow(g.s) || !onStar(g.s) || g.generated {
					continue
				}
				var hit []string
				for _, a := range g.s.Actions {
					if classify(c, a) == class {
						hit = append(hit, a)
					}
				}
				if len(hit) == 0 {
					continue
				}
				c.Report(Issue{Resource: g.holder, Pos: g.s.Pos, Related: grantRelated(g),
					Message: fmt.Sprintf("%s %s: %s on Resource \"*\"", who(c, g), info.what+starNoun(class), strings.Join(hit, ", "))})
			}
		},
	}
}

func starNoun(class starClass) string {
	if class == classExfiltration {
		return " object, parameter or secret"
	}
	return ""
}

// checkCombos reports each role whose statements together allow one of
// the escalation combinations on Resource "*".
func checkCombos(c *Context, grants []iamGrant) {
	byRole := make(map[*app.Resource][]iamGrant)
	var roles []*app.Resource
	for _, g := range grants {
		if g.role == nil || !isAllow(g.s) || !onStar(g.s) {
			continue
		}
		if byRole[g.role] == nil {
			roles = append(roles, g.role)
		}
		byRole[g.role] = append(byRole[g.role], g)
	}
	for _, role := range roles {
		gs := byRole[role]
		allowed := func(action string) (iamGrant, bool) {
			for _, g := range gs {
				for _, a := range g.s.Actions {
					if a != "*" && actionMatches(a, action) {
						return g, true
					}
				}
			}
			return iamGrant{}, false
		}
		for _, combo := range privescCombos {
			var first iamGrant
			ok := true
			for i, a := range combo {
				g, has := allowed(a)
				if !has {
					ok = false
					break
				}
				if i == 0 {
					first = g
				}
			}
			if ok {
				c.Report(Issue{Resource: first.holder, Pos: first.s.Pos, Related: grantRelated(first),
					Message: fmt.Sprintf("%s can raise its own privileges: %s on Resource \"*\"", who(c, first), strings.Join(combo, " + "))})
				break
			}
		}
	}
}

// trust is one statement of a role's trust policy.
type trust struct {
	role, owner *app.Resource
	st          *app.Node
	allow       bool
}

func trustStatements(c *Context) []trust {
	return once(c, "iam-trust", func() []trust { return buildTrust(c) })
}

func buildTrust(c *Context) []trust {
	var out []trust
	for _, role := range c.Resources(app.KindRole) {
		doc := role.Attr("assume_role_policy")
		if doc == nil {
			doc = role.Props.Get("AssumeRolePolicyDocument")
		}
		for _, st := range doc.Get("Statement").Items() {
			if !st.IsMap() {
				continue
			}
			out = append(out, trust{role: role, owner: roleOwner(c, role), st: st,
				allow: strings.EqualFold(st.Get("Effect").Text(), "Allow")})
		}
	}
	return out
}

// awsPrincipals returns the AWS principals a trust statement names, as
// nodes: "*" for Principal "*".
func awsPrincipals(st *app.Node) []*app.Node {
	p := st.Get("Principal")
	if s, ok := p.String(); ok {
		return []*app.Node{app.Str(s, p.Pos)}
	}
	return p.Get("AWS").Items()
}

// hasCondition reports whether the statement's Condition names one of
// the keys (case-insensitively), or any key when none are given.
func hasCondition(st *app.Node, keys ...string) bool {
	cond := st.Get("Condition")
	if cond == nil || cond.Kind == app.NullNode || (cond.IsMap() && cond.Len() == 0) {
		return false
	}
	if len(keys) == 0 {
		return true
	}
	if _, _, fn := cond.Intrinsic(); fn || !cond.IsMap() {
		return true // decided elsewhere: give the benefit of the doubt
	}
	for _, op := range cond.Values {
		for _, k := range op.Keys {
			for _, want := range keys {
				if strings.EqualFold(k, want) {
					return true
				}
			}
		}
	}
	return false
}

func trustPublicRule() *Rule {
	return &Rule{
		ID:       "role-trust-public",
		Title:    "Anyone may assume the role",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "A trust policy that allows `sts:AssumeRole` to `Principal: \"*\"` (or `AWS: \"*\"`) " +
			"without a condition lets any AWS principal of any account take the role and everything it " +
			"may do. A wildcard principal narrowed by a condition (`aws:PrincipalOrgID`, " +
			"`aws:PrincipalArn`) is not flagged.",
		Remediation: "Name the service or accounts that assume the role, or add a condition such as " +
			"`StringEquals: {aws:PrincipalOrgID: o-...}`.",
		Aliases: []string{"checkov:CKV_AWS_60"},
		Fail: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: "*"}, Action: sts:AssumeRole}
`,
		Pass: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: sts:AssumeRole
            Condition:
              StringEquals: {aws:PrincipalOrgID: o-a1b2c3d4e5}
`,
		Check: func(c *Context) {
			for _, t := range trustStatements(c) {
				if !t.allow || hasCondition(t.st) {
					continue
				}
				for _, p := range awsPrincipals(t.st) {
					if p.Text() == "*" {
						c.Report(Issue{Resource: t.owner, At: p, Related: []string{t.role.ID},
							Message: fmt.Sprintf("role %s may be assumed by any AWS principal of any account", t.role.ID)})
						break
					}
				}
			}
		},
	}
}

var (
	accountID  = regexp.MustCompile(`^\d{12}$`)
	rootARN    = regexp.MustCompile(`^arn:[^:]+:iam::([^:]+):root$`)
	accountARN = regexp.MustCompile(`^arn:[^:]+:(?:iam|sts)::(\d{12}):`)
)

// principalAccount returns the account an AWS principal belongs to ("" when
// unknown, "self" for this stack's own account) and whether it names the
// whole account (its root).
func principalAccount(n *app.Node) (account string, root bool) {
	if name, arg, fn := n.Intrinsic(); fn && name == "Ref" && arg.Text() == "AWS::AccountId" {
		return "self", true
	}
	s, ok := arnText(n)
	if !ok {
		return "", false
	}
	if name, arg, fn := n.Intrinsic(); fn && name == "Fn::Sub" {
		tmpl := arg.Text()
		if arg.IsList() && len(arg.List) > 0 {
			tmpl = arg.List[0].Text()
		}
		if strings.Contains(tmpl, "${AWS::AccountId}") {
			return "self", s == "{}" || strings.HasSuffix(s, ":root")
		}
	}
	switch {
	case accountID.MatchString(s):
		return s, true
	case rootARN.MatchString(s):
		if acct := rootARN.FindStringSubmatch(s)[1]; accountID.MatchString(acct) {
			return acct, true
		}
		return "", true
	case accountARN.MatchString(s):
		return accountARN.FindStringSubmatch(s)[1], false
	}
	return "", false
}

func trustAccountRule() *Rule {
	return &Rule{
		ID:       "role-trust-account",
		Title:    "Every principal of an account may assume the role",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A trust policy naming an account (`123456789012` or `arn:aws:iam::123456789012:root`) " +
			"lets every user and role of that account with `sts:AssumeRole` permission assume this role, " +
			"this stack's own account included: the role is then as widely held as the broadest " +
			"permission in the account. A condition (`aws:PrincipalArn`, `sts:ExternalId`, MFA) that " +
			"narrows it is accepted.",
		Remediation: "Name the roles that assume it (`arn:aws:iam::123456789012:role/deployer`), or add " +
			"an `aws:PrincipalArn` condition.",
		Aliases: []string{"checkov:CKV_AWS_61", "kics:IAM Role Allows All Principals To Assume"},
		Fail: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: sts:AssumeRole
`,
		Pass: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/deployer"}
            Action: sts:AssumeRole
`,
		Check: func(c *Context) {
			for _, t := range trustStatements(c) {
				if !t.allow || hasCondition(t.st) {
					continue
				}
				for _, p := range awsPrincipals(t.st) {
					if acct, root := principalAccount(p); root {
						of := "account " + principalText(p)
						if acct == "self" {
							of = "this stack's own account"
						}
						c.Report(Issue{Resource: t.owner, At: p, Related: []string{t.role.ID},
							Message: fmt.Sprintf("role %s may be assumed by every principal of %s", t.role.ID, of)})
						break
					}
				}
			}
		},
	}
}

func principalText(n *app.Node) string {
	if s, ok := arnText(n); ok {
		return strings.ReplaceAll(s, "{}", "${...}")
	}
	return "(unresolved)"
}

func trustExternalIDRule() *Rule {
	return &Rule{
		ID:       "role-trust-external-id",
		Title:    "Another account may assume the role without an external id or MFA",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A role that another account assumes (a vendor, a CI account) should require " +
			"`sts:ExternalId` (which stops the confused deputy: the vendor acting for another of its " +
			"customers) or MFA for people. Principals in this stack's own account " +
			"(`${AWS::AccountId}`) are not cross-account.",
		Remediation: "Add `Condition: {StringEquals: {sts:ExternalId: <the id agreed with the other " +
			"party>}}`, or `Bool: {aws:MultiFactorAuthPresent: true}` for people.",
		Aliases: []string{"kics:Cross-Account IAM Assume Role Policy Without ExternalId or MFA"},
		Fail: `Resources:
  VendorRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:role/vendor-scanner}
            Action: sts:AssumeRole
`,
		Pass: `Resources:
  VendorRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:role/vendor-scanner}
            Action: sts:AssumeRole
            Condition:
              StringEquals: {sts:ExternalId: 7d1c4e0a-9b2f-4c3e-8a51-2f6d0e9b7c14}
`,
		Check: func(c *Context) {
			for _, t := range trustStatements(c) {
				if !t.allow || hasCondition(t.st, "sts:ExternalId", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge") {
					continue
				}
				for _, p := range awsPrincipals(t.st) {
					if acct, _ := principalAccount(p); acct != "" && acct != "self" {
						c.Report(Issue{Resource: t.owner, At: p, Related: []string{t.role.ID},
							Message: fmt.Sprintf("role %s may be assumed from account %s without an external id or MFA", t.role.ID, acct)})
						break
					}
				}
			}
		},
	}
}

func roleSharedRule() *Rule {
	return &Rule{
		ID:       "role-shared",
		Title:    "Several functions share one role",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A role shared by several functions holds the union of their permissions, so each " +
			"function may do what any of them needs, and a grant added for one widens all. Functions " +
			"are matched to roles however the role is referenced (`!GetAtt R.Arn`, `!Sub ...${R}`, an " +
			"ARN string), where KICS compares the raw values.",
		Remediation: "Give each function its own role (SAM does when `Role` is left out; use `Policies`).",
		Aliases: []string{
			"kics:Lambda Functions Without Unique IAM Roles",
			"kics:Serverless Function Without Unique IAM Role",
		},
		Fail: `Resources:
  Shared:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  A:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !GetAtt Shared.Arn
  B:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Shared}"
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
  B:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
`,
		Check: func(c *Context) {
			users := make(map[string][]*app.Resource)
			var keys []string
			pos := make(map[string]*app.Node)
			for _, fn := range c.Resources(app.KindFunction) {
				key := ""
				for _, e := range c.Out(fn, app.UsesRole) {
					if role := c.Peer(fn, e); role != nil {
						key = "id:" + role.ID
					}
				}
				if key == "" {
					if s, ok := fn.Props.Get("Role").String(); ok {
						key = "arn:" + s
					}
				}
				if key == "" {
					continue
				}
				if users[key] == nil {
					keys = append(keys, key)
					pos[key] = fn.Props.Get("Role")
				}
				users[key] = append(users[key], fn)
			}
			for _, k := range keys {
				fns := users[k]
				if len(fns) < 2 {
					continue
				}
				name, _ := strings.CutPrefix(strings.TrimPrefix(k, "id:"), "arn:")
				at := c.Graph.Resource(name)
				if at == nil {
					at = fns[0]
				}
				c.Report(Issue{Resource: at, Related: resourceIDs(fns...),
					Message: fmt.Sprintf("role %s is shared by %d functions (%s): each may do what any of them needs",
						name, len(fns), strings.Join(resourceIDs(fns...), ", "))})
			}
		},
	}
}
