package rules

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fnops/fnops/internal/app"
)

// noResourceActions are actions that IAM cannot scope to a resource: a
// statement granting them must say Resource "*", so that is no fault.
// The list holds the ones serverless apps commonly need; a glob covers a
// family.
var noResourceActions = []string{
	// CloudWatch Logs vended-log delivery (Step Functions, API Gateway)
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DeleteResourcePolicy",
	"logs:DescribeLogGroups", "logs:DescribeDestinations", "logs:DescribeExportTasks", "logs:DescribeQueries",
	"logs:DescribeQueryDefinitions", "logs:StopQuery", "logs:TestMetricFilter", "logs:GetLogRecord",
	// X-Ray and metrics
	"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
	"xray:GetSamplingStatisticSummaries", "cloudwatch:PutMetricData", "cloudwatch:GetMetricData",
	"cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "cloudwatch:DescribeAlarmsForMetric",
	// VPC functions' network interfaces, as AWSLambdaVPCAccessExecutionRole grants them
	"ec2:Describe*", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
	// account-level lists and lookups
	"sts:GetCallerIdentity", "s3:ListAllMyBuckets", "sqs:ListQueues", "sns:ListTopics", "sns:ListSubscriptions",
	"dynamodb:ListTables", "dynamodb:DescribeLimits", "dynamodb:DescribeEndpoints", "lambda:ListFunctions",
	"lambda:ListEventSourceMappings", "lambda:GetAccountSettings", "lambda:ListLayers", "states:ListStateMachines",
	"states:ListActivities", "kms:ListAliases", "kms:ListKeys", "ssm:DescribeParameters",
	"secretsmanager:GetRandomPassword", "secretsmanager:ListSecrets", "kinesis:ListStreams", "events:ListEventBuses",
	"ecr:GetAuthorizationToken", "tag:GetResources", "cloudformation:ListStacks", "iam:ListRoles",
	"iam:ListPolicies", "apigateway:GET", "cognito-idp:ListUserPools", "appsync:ListGraphqlApis",
	"textract:*", "comprehend:Detect*", "comprehend:BatchDetect*", "rekognition:Detect*",
	"rekognition:CompareFaces", "translate:TranslateText", "ses:GetSendQuota", "ses:GetSendStatistics",
	"ses:GetIdentityVerificationAttributes", "ses:VerifyEmailIdentity", "ses:ListIdentities",
}

// noResourceLower is noResourceActions lower-cased, for matching.
var noResourceLower = func() []string {
	out := make([]string, len(noResourceActions))
	for i, a := range noResourceActions {
		out[i] = strings.ToLower(a)
	}
	return out
}()

// takesNoResource reports whether action is one IAM cannot scope.
func takesNoResource(action string) bool {
	action = strings.ToLower(action)
	for _, p := range noResourceLower {
		if wildcard(p, action) {
			return true
		}
	}
	return false
}

// Cloudsplaining's risk classes (checkov CKV_AWS_107 to 111), for actions
// allowed on Resource "*".
var (
	// privescSingle are actions that on their own let a principal give
	// itself more permissions.
	privescSingle = []string{
		"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:CreateAccessKey", "iam:CreateLoginProfile",
		"iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
		"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:AddUserToGroup",
		"lambda:UpdateFunctionCode", "glue:UpdateDevEndpoint",
	}
	// privescCombos are sets that together do (a role passed to compute
	// the principal controls, or a trust policy it can rewrite).
	privescCombos = [][]string{
		{"iam:PassRole", "ec2:RunInstances"},
		{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"},
		{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"},
		{"iam:PassRole", "glue:CreateDevEndpoint"},
		{"iam:PassRole", "cloudformation:CreateStack"},
		{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"},
		{"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"},
	}
	// exfiltrationActions read data out of the account.
	exfiltrationActions = []string{
		"s3:GetObject", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
		"secretsmanager:GetSecretValue",
	}
	// credentialActions hand out credentials.
	credentialActions = []string{
		"iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateLoginProfile", "iam:CreateServiceSpecificCredential",
		"iam:ResetServiceSpecificCredential", "iam:UploadSSHPublicKey", "sts:AssumeRole", "sts:AssumeRoleWithSAML",
		"sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken", "sts:GetSessionToken", "ec2:GetPasswordData",
		"redshift:GetClusterCredentials", "rds-db:Connect", "sso:GetRoleCredentials",
		"cognito-identity:GetCredentialsForIdentity", "cognito-identity:GetOpenIdToken",
		"cognito-identity:GetOpenIdTokenForDeveloperIdentity", "lightsail:GetInstanceAccessDetails",
		"lightsail:GetRelationalDatabaseMasterUserPassword", "gamelift:RequestUploadCredentials",
		"chime:CreateApiKey", "codepipeline:PollForJobs", "connect:GetFederationToken",
		"mediapackage:RotateChannelCredentials", "mediapackage:RotateIngestEndpointCredentials",
	}
	// policyActions change who may do what: IAM writes and resource
	// policies.
	policyActions = []string{
		"iam:Attach*", "iam:Detach*", "iam:Put*", "iam:Delete*", "iam:Create*", "iam:Update*", "iam:Add*",
		"iam:Remove*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Upload*", "iam:Reset*", "iam:Enable*",
		"iam:Deactivate*", "iam:ChangePassword",
		"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl",
		"s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock", "sqs:AddPermission",
		"sqs:RemovePermission", "sns:AddPermission", "sns:RemovePermission", "lambda:AddPermission",
		"lambda:RemovePermission", "lambda:AddLayerVersionPermission", "kms:PutKeyPolicy", "kms:CreateGrant",
		"kms:RevokeGrant", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy",
		"ecr:SetRepositoryPolicy", "events:PutPermission", "events:RemovePermission",
		"apigateway:UpdateRestApiPolicy", "sts:SetSourceIdentity", "organizations:*", "ram:*",
	}
	// writeVerbs start the names of actions that change something.
	writeVerbs = []string{
		"Put", "Create", "Delete", "Update", "Send", "Publish", "Write", "Modify", "BatchWrite", "BatchPut",
		"BatchDelete", "Start", "Stop", "Invoke", "Execute", "Set", "Add", "Remove", "Attach", "Detach", "Tag",
		"Untag", "Restore", "Terminate", "Reboot", "Run", "Import", "Upload", "Change", "Reset", "Enable",
		"Disable", "Register", "Deregister", "Associate", "Disassociate", "Replace", "Rotate", "Cancel",
		"Abort", "Copy", "Purge", "Increase", "Decrease", "Complete", "Initiate", "Redrive", "Submit",
	}
)

// actionCovers reports whether the action pattern a grants something in
// list (patterns too): the two globs intersect.
func actionCovers(a string, list []string) (string, bool) {
	for _, l := range list {
		if actionMatches(a, l) || actionMatches(l, a) {
			return l, true
		}
	}
	return "", false
}

// isWrite reports whether an action (or the literal start of a pattern)
// names a write: "s3:PutObject", "s3:Put*", "s3:*".
func isWrite(action string) bool {
	svc, name, ok := strings.Cut(action, ":")
	if !ok || svc == "" {
		return false
	}
	lit, wild := name, false
	if i := strings.IndexAny(name, "*?"); i >= 0 {
		lit, wild = name[:i], true
	}
	lit = strings.ToLower(lit)
	for _, v := range writeVerbs {
		v = strings.ToLower(v)
		if strings.HasPrefix(lit, v) || (wild && strings.HasPrefix(v, lit)) {
			return true
		}
	}
	return false
}

// starClass is which resource-"*" rule an action belongs to; every action
// on "*" is reported by exactly one of them.
type starClass int

const (
	classNone starClass = iota // takes no resource, or a combination the admin/passrole rules report
	classPrivesc
	classCredentials
	classPolicy
	classExfiltration
	classWrite
	classRead
)

// classify sorts one action granted on "*". The same few hundred actions
// recur in every role of a large app, so the answers are kept for the run.
func classify(c *Context, action string) starClass {
	known := once(c, "iam-classes", func() *sync.Map { return new(sync.Map) })
	if v, ok := known.Load(action); ok {
		return v.(starClass)
	}
	v := classifyAction(action)
	known.Store(action, v)
	return v
}

func classifyAction(action string) starClass {
	if action == "*" || takesNoResource(action) || actionMatches(action, "iam:PassRole") && !strings.ContainsAny(action, "*?") {
		return classNone
	}
	if _, ok := actionCovers(action, privescSingle); ok {
		return classPrivesc
	}
	if _, ok := actionCovers(action, credentialActions); ok {
		return classCredentials
	}
	if _, ok := actionCovers(action, policyActions); ok {
		return classPolicy
	}
	if _, ok := actionCovers(action, exfiltrationActions); ok {
		return classExfiltration
	}
	if isWrite(action) {
		return classWrite
	}
	return classRead
}

// anyOfType is the resource part of an ARN naming every resource of a
// type: "table/*", "function:*", "stateMachine:*".
var anyOfType = regexp.MustCompile(`^(?:[A-Za-z-]+[/:])?\*$`)

// isStar reports whether an IAM Resource entry is every resource: "*", or
// an ARN whose resource part is "*" or every resource of one type (S3
// aside, where "bucket/*" is one bucket's objects).
func isStar(n *app.Node) bool {
	s, ok := n.String()
	if ok && s == "*" {
		return true
	}
	if !ok {
		if s, ok = arnText(n); !ok { // a Sub or Join: its variables name one thing each
			return false
		}
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return false
	}
	if f[2] == "s3" {
		return f[5] == "*"
	}
	return anyOfType.MatchString(f[5])
}

// managedName returns the name of an AWS managed policy ARN, "" for any
// other value.
func managedName(n *app.Node) string {
	s, ok := n.String()
	if !ok {
		return ""
	}
	_, name, found := strings.Cut(s, ":iam::aws:policy/")
	if !found {
		return ""
	}
	return name[strings.LastIndexByte(name, '/')+1:]
}

// samAutomatic are the managed policies SAM attaches by itself (logs,
// tracing, VPC, event sources): nobody chose them.
var samAutomatic = []string{
	"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSLambdaVPCAccessExecutionRole",
	"AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
	"AWSLambdaMSKExecutionRole", "AWSLambdaRole", "AWSCodeDeployRoleForLambda",
}

func isSAMAutomatic(n *app.Node) bool {
	return n.Origin == app.Derived && slices.Contains(samAutomatic, managedName(n))
}
