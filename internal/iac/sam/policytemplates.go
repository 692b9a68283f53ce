package sam

import (
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// The SAM policy templates, transcribed from the translator's
// samtranslator/policy_templates_data/policy_templates.json (Apache-2.0,
// see testdata/translator/NOTICE). Each expands to the statements listed,
// with ${param} placeholders substituted by the values the template is
// given: the translator's own output form, Fn::Sub [pattern, {param:
// value}], so the written value node is kept as written.
type policyTemplate struct {
	params []string
	stmts  []tmplStmt
}

type tmplStmt struct {
	actions []string
	single  bool     // Action written as one string, not a list
	res     []string // "*", or an Fn::Sub pattern
	resList bool     // Resource written as a list
	cond    *tmplCond
}

// tmplCond is a one-key condition: {op: {key: Fn::Sub pattern}}.
type tmplCond struct{ op, key, sub string }

// arn is a regional ARN pattern of this account.
func arn(service, rest string) string {
	return "arn:${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}:" + rest
}

func st(actions []string, res ...string) tmplStmt { return tmplStmt{actions: actions, res: res} }

// stl is st with Resource written as a list.
func stl(actions []string, res ...string) tmplStmt {
	return tmplStmt{actions: actions, res: res, resList: true}
}

func a(actions ...string) []string { return actions }

func one(action string, res string) tmplStmt {
	return tmplStmt{actions: []string{action}, single: true, res: []string{res}}
}

func tpl(params string, stmts ...tmplStmt) policyTemplate {
	var ps []string
	if params != "" {
		ps = strings.Split(params, ",")
	}
	return policyTemplate{params: ps, stmts: stmts}
}

var (
	ddbTable  = arn("dynamodb", "table/${tableName}")
	ddbIndex  = arn("dynamodb", "table/${tableName}/index/*")
	ddbBackup = arn("dynamodb", "table/${tableName}/backup/*")
	s3Bucket  = "arn:${AWS::Partition}:s3:::${bucketName}"
	s3Objects = "arn:${AWS::Partition}:s3:::${bucketName}/*"
	emrClust  = arn("elasticmapreduce", "cluster/${clusterId}")
	rekColl   = arn("rekognition", "collection/${collectionId}")
	sesIdent  = arn("ses", "identity/${identityName}")
	kmsKey    = arn("kms", "key/${keyId}")
	sfnMach   = arn("states", "stateMachine:${stateMachineName}")
	fhStream  = arn("firehose", "deliverystream/${deliveryStreamName}")
	ccRepo    = arn("codecommit", "${repositoryName}")
	ssmDescr  = st(a("ssm:DescribeParameters"), "*")
)

var codeCommitRead = a("codecommit:GitPull", "codecommit:GetBranch", "codecommit:ListBranches",
	"codecommit:BatchDescribeMergeConflicts", "codecommit:DescribeMergeConflicts", "codecommit:GetMergeCommit",
	"codecommit:GetMergeOptions", "codecommit:BatchGetPullRequests", "codecommit:DescribePullRequestEvents",
	"codecommit:GetCommentsForPullRequest", "codecommit:GetCommitsFromMergeBase", "codecommit:GetMergeConflicts",
	"codecommit:GetPullRequest", "codecommit:ListPullRequests", "codecommit:GetBlob", "codecommit:GetFile",
	"codecommit:GetFolder", "codecommit:GetComment", "codecommit:GetCommentsForComparedCommit",
	"codecommit:BatchGetCommits", "codecommit:GetCommit", "codecommit:GetCommitHistory", "codecommit:GetDifferences",
	"codecommit:GetObjectIdentifier", "codecommit:GetReferences", "codecommit:GetTree", "codecommit:GetRepository",
	"codecommit:ListTagsForResource", "codecommit:GetRepositoryTriggers", "codecommit:TestRepositoryTriggers",
	"codecommit:GetBranch", "codecommit:GetCommit", "codecommit:GetUploadArchiveStatus")

var codeCommitCrud = a("codecommit:GitPull", "codecommit:GitPush", "codecommit:CreateBranch",
	"codecommit:DeleteBranch", "codecommit:GetBranch", "codecommit:ListBranches",
	"codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash", "codecommit:MergeBranchesByThreeWay",
	"codecommit:UpdateDefaultBranch", "codecommit:BatchDescribeMergeConflicts", "codecommit:CreateUnreferencedMergeCommit",
	"codecommit:DescribeMergeConflicts", "codecommit:GetMergeCommit", "codecommit:GetMergeOptions",
	"codecommit:BatchGetPullRequests", "codecommit:CreatePullRequest", "codecommit:DescribePullRequestEvents",
	"codecommit:GetCommentsForPullRequest", "codecommit:GetCommitsFromMergeBase", "codecommit:GetMergeConflicts",
	"codecommit:GetPullRequest", "codecommit:ListPullRequests", "codecommit:MergePullRequestByFastForward",
	"codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay", "codecommit:PostCommentForPullRequest",
	"codecommit:UpdatePullRequestDescription", "codecommit:UpdatePullRequestStatus", "codecommit:UpdatePullRequestTitle",
	"codecommit:DeleteFile", "codecommit:GetBlob", "codecommit:GetFile", "codecommit:GetFolder", "codecommit:PutFile",
	"codecommit:DeleteCommentContent", "codecommit:GetComment", "codecommit:GetCommentsForComparedCommit",
	"codecommit:PostCommentForComparedCommit", "codecommit:PostCommentReply", "codecommit:UpdateComment",
	"codecommit:BatchGetCommits", "codecommit:CreateCommit", "codecommit:GetCommit", "codecommit:GetCommitHistory",
	"codecommit:GetDifferences", "codecommit:GetObjectIdentifier", "codecommit:GetReferences", "codecommit:GetTree",
	"codecommit:GetRepository", "codecommit:UpdateRepositoryDescription", "codecommit:ListTagsForResource",
	"codecommit:TagResource", "codecommit:UntagResource", "codecommit:GetRepositoryTriggers",
	"codecommit:PutRepositoryTriggers", "codecommit:TestRepositoryTriggers", "codecommit:GetBranch",
	"codecommit:GetCommit", "codecommit:UploadArchive", "codecommit:GetUploadArchiveStatus",
	"codecommit:CancelUploadArchive")

var policyTemplates = map[string]policyTemplate{
	"AMIDescribePolicy":                     tpl("", st(a("ec2:DescribeImages"), "*")),
	"AWSSecretsManagerGetSecretValuePolicy": tpl("SecretArn", st(a("secretsmanager:GetSecretValue"), "${secretArn}")),
	"AWSSecretsManagerRotationPolicy": tpl("FunctionName",
		tmplStmt{actions: a("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
			"secretsmanager:UpdateSecretVersionStage"), res: []string{arn("secretsmanager", "secret:*")},
			cond: &tmplCond{"StringEquals", "secretsmanager:resource/AllowRotationLambdaArn", arn("lambda", "function:${functionName}")}},
		st(a("secretsmanager:GetRandomPassword"), "*")),
	"AcmGetCertificatePolicy": tpl("CertificateArn", st(a("acm:GetCertificate"), "${certificateArn}")),
	"AthenaQueryPolicy": tpl("WorkGroupName",
		st(a("athena:ListWorkGroups", "athena:GetExecutionEngine", "athena:GetExecutionEngines", "athena:GetNamespace",
			"athena:GetCatalogs", "athena:GetNamespaces", "athena:GetTables", "athena:GetTable"), "*"),
		st(a("athena:StartQueryExecution", "athena:GetQueryResults", "athena:DeleteNamedQuery", "athena:GetNamedQuery",
			"athena:ListQueryExecutions", "athena:StopQueryExecution", "athena:GetQueryResultsStream",
			"athena:ListNamedQueries", "athena:CreateNamedQuery", "athena:GetQueryExecution", "athena:BatchGetNamedQuery",
			"athena:BatchGetQueryExecution", "athena:GetWorkGroup"), arn("athena", "workgroup/${workgroupName}"))),
	"CloudFormationDescribeStacksPolicy":   tpl("", st(a("cloudformation:DescribeStacks"), arn("cloudformation", "stack/*"))),
	"CloudWatchDashboardPolicy":            tpl("", st(a("cloudwatch:GetDashboard", "cloudwatch:ListDashboards", "cloudwatch:PutDashboard", "cloudwatch:ListMetrics"), "*")),
	"CloudWatchDescribeAlarmHistoryPolicy": tpl("", st(a("cloudwatch:DescribeAlarmHistory"), "*")),
	"CloudWatchPutMetricPolicy":            tpl("", st(a("cloudwatch:PutMetricData"), "*")),
	"CodeCommitCrudPolicy":                 tpl("RepositoryName", st(codeCommitCrud, ccRepo)),
	"CodeCommitReadPolicy":                 tpl("RepositoryName", st(codeCommitRead, ccRepo)),
	"CodePipelineLambdaExecutionPolicy":    tpl("", st(a("codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult"), "*")),
	"CodePipelineReadOnlyPolicy":           tpl("PipelineName", st(a("codepipeline:ListPipelineExecutions"), arn("codepipeline", "${pipelinename}"))),
	"ComprehendBasicAccessPolicy": tpl("", st(a("comprehend:BatchDetectKeyPhrases", "comprehend:DetectDominantLanguage",
		"comprehend:DetectEntities", "comprehend:BatchDetectEntities", "comprehend:DetectKeyPhrases", "comprehend:DetectSentiment",
		"comprehend:BatchDetectDominantLanguage", "comprehend:BatchDetectSentiment"), "*")),
	"CostExplorerReadOnlyPolicy": tpl("", st(a("ce:GetCostAndUsage", "ce:GetDimensionValues", "ce:GetReservationCoverage",
		"ce:GetReservationPurchaseRecommendation", "ce:GetReservationUtilization", "ce:GetTags"), "*")),
	"DynamoDBBackupFullAccessPolicy": tpl("TableName",
		st(a("dynamodb:CreateBackup", "dynamodb:DescribeContinuousBackups"), ddbTable),
		st(a("dynamodb:DeleteBackup", "dynamodb:DescribeBackup", "dynamodb:ListBackups"), ddbBackup)),
	"DynamoDBCrudPolicy": tpl("TableName", stl(a("dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
		"dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem",
		"dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"), ddbTable, ddbIndex)),
	"DynamoDBReadPolicy": tpl("TableName", stl(a("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query",
		"dynamodb:BatchGetItem", "dynamodb:DescribeTable"), ddbTable, ddbIndex)),
	"DynamoDBReconfigurePolicy": tpl("TableName", st(a("dynamodb:UpdateTable"), ddbTable)),
	"DynamoDBRestoreFromBackupPolicy": tpl("TableName",
		st(a("dynamodb:RestoreTableFromBackup"), ddbBackup),
		st(a("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query",
			"dynamodb:Scan", "dynamodb:BatchWriteItem"), ddbTable)),
	"DynamoDBStreamReadPolicy": tpl("TableName,StreamName",
		st(a("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"), arn("dynamodb", "table/${tableName}/stream/${streamName}")),
		st(a("dynamodb:ListStreams"), arn("dynamodb", "table/${tableName}/stream/*"))),
	"DynamoDBWritePolicy": tpl("TableName", stl(a("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"), ddbTable, ddbIndex)),
	"EC2CopyImagePolicy":  tpl("ImageId", st(a("ec2:CopyImage"), arn("ec2", "image/${imageId}"))),
	"EC2DescribePolicy":   tpl("", st(a("ec2:DescribeRegions", "ec2:DescribeInstances"), "*")),
	"EFSWriteAccessPolicy": tpl("FileSystem,AccessPoint",
		tmplStmt{actions: a("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"),
			res:  []string{arn("elasticfilesystem", "file-system/${FileSystem}")},
			cond: &tmplCond{"StringEquals", "elasticfilesystem:AccessPointArn", arn("elasticfilesystem", "access-point/${AccessPoint}")}}),
	"EKSDescribePolicy":                              tpl("", st(a("eks:DescribeCluster", "eks:ListClusters"), "*")),
	"EcsRunTaskPolicy":                               tpl("TaskDefinition", st(a("ecs:RunTask"), arn("ecs", "task-definition/${taskDefinition}"))),
	"ElasticMapReduceAddJobFlowStepsPolicy":          tpl("ClusterId", one("elasticmapreduce:AddJobFlowSteps", emrClust)),
	"ElasticMapReduceCancelStepsPolicy":              tpl("ClusterId", one("elasticmapreduce:CancelSteps", emrClust)),
	"ElasticMapReduceModifyInstanceFleetPolicy":      tpl("ClusterId", st(a("elasticmapreduce:ModifyInstanceFleet", "elasticmapreduce:ListInstanceFleets"), emrClust)),
	"ElasticMapReduceModifyInstanceGroupsPolicy":     tpl("ClusterId", st(a("elasticmapreduce:ModifyInstanceGroups", "elasticmapreduce:ListInstanceGroups"), emrClust)),
	"ElasticMapReduceSetTerminationProtectionPolicy": tpl("ClusterId", one("elasticmapreduce:SetTerminationProtection", emrClust)),
	"ElasticMapReduceTerminateJobFlowsPolicy":        tpl("ClusterId", one("elasticmapreduce:TerminateJobFlows", emrClust)),
	"ElasticsearchHttpPostPolicy":                    tpl("DomainName", st(a("es:ESHttpPost", "es:ESHttpPut"), arn("es", "domain/${domainName}/*"))),
	"EventBridgePutEventsPolicy":                     tpl("EventBusName", one("events:PutEvents", arn("events", "event-bus/${eventBusName}"))),
	"FilterLogEventsPolicy":                          tpl("LogGroupName", st(a("logs:FilterLogEvents"), arn("logs", "log-group:${logGroupName}:log-stream:*"))),
	"FirehoseCrudPolicy": tpl("DeliveryStreamName", st(a("firehose:CreateDeliveryStream", "firehose:DeleteDeliveryStream",
		"firehose:DescribeDeliveryStream", "firehose:PutRecord", "firehose:PutRecordBatch", "firehose:UpdateDestination"), fhStream)),
	"FirehoseWritePolicy": tpl("DeliveryStreamName", st(a("firehose:PutRecord", "firehose:PutRecordBatch"), fhStream)),
	"KMSDecryptPolicy":    tpl("KeyId", one("kms:Decrypt", kmsKey)),
	"KMSEncryptPolicy":    tpl("KeyId", one("kms:Encrypt", kmsKey)),
	"KMSEncryptPolicy_v2": tpl("KeyId", st(a("kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
		"kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"), kmsKey)),
	"KinesisCrudPolicy": tpl("StreamName", st(a("kinesis:AddTagsToStream", "kinesis:CreateStream",
		"kinesis:DecreaseStreamRetentionPeriod", "kinesis:DeleteStream", "kinesis:DescribeStream",
		"kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:IncreaseStreamRetentionPeriod",
		"kinesis:ListTagsForStream", "kinesis:MergeShards", "kinesis:PutRecord", "kinesis:PutRecords",
		"kinesis:SplitShard", "kinesis:RemoveTagsFromStream"), arn("kinesis", "stream/${streamName}"))),
	"KinesisStreamReadPolicy": tpl("StreamName",
		st(a("kinesis:ListStreams", "kinesis:DescribeLimits"), arn("kinesis", "stream/*")),
		st(a("kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator"),
			arn("kinesis", "stream/${streamName}"))),
	"LambdaInvokePolicy":                   tpl("FunctionName", st(a("lambda:InvokeFunction"), arn("lambda", "function:${functionName}*"))),
	"MobileAnalyticsWriteOnlyAccessPolicy": tpl("", st(a("mobileanalytics:PutEvents"), "*")),
	"OrganizationsListAccountsPolicy":      tpl("", st(a("organizations:ListAccounts"), "*")),
	"PinpointEndpointAccessPolicy": tpl("PinpointApplicationId", st(a("mobiletargeting:GetEndpoint",
		"mobiletargeting:UpdateEndpoint", "mobiletargeting:UpdateEndpointsBatch"),
		arn("mobiletargeting", "apps/${pinpointApplicationId}/endpoints/*"))),
	"PollyFullAccessPolicy": tpl("LexiconName",
		stl(a("polly:GetLexicon", "polly:DeleteLexicon"), arn("polly", "lexicon/${lexiconName}")),
		stl(a("polly:DescribeVoices", "polly:ListLexicons", "polly:PutLexicon", "polly:SynthesizeSpeech"), arn("polly", "lexicon/*"))),
	"RekognitionDetectOnlyPolicy": tpl("", st(a("rekognition:DetectFaces", "rekognition:DetectLabels",
		"rekognition:DetectModerationLabels", "rekognition:DetectText"), "*")),
	"RekognitionFacesManagementPolicy": tpl("CollectionId", st(a("rekognition:IndexFaces", "rekognition:DeleteFaces",
		"rekognition:SearchFaces", "rekognition:SearchFacesByImage", "rekognition:ListFaces"), rekColl)),
	"RekognitionFacesPolicy":  tpl("", st(a("rekognition:CompareFaces", "rekognition:DetectFaces"), "*")),
	"RekognitionLabelsPolicy": tpl("", st(a("rekognition:DetectLabels", "rekognition:DetectModerationLabels"), "*")),
	"RekognitionNoDataAccessPolicy": tpl("CollectionId", st(a("rekognition:CompareFaces", "rekognition:DetectFaces",
		"rekognition:DetectLabels", "rekognition:DetectModerationLabels"), rekColl)),
	"RekognitionReadPolicy": tpl("CollectionId", st(a("rekognition:ListCollections", "rekognition:ListFaces",
		"rekognition:SearchFaces", "rekognition:SearchFacesByImage"), rekColl)),
	"RekognitionWriteOnlyAccessPolicy":      tpl("CollectionId", st(a("rekognition:CreateCollection", "rekognition:IndexFaces"), rekColl)),
	"Route53ChangeResourceRecordSetsPolicy": tpl("HostedZoneId", st(a("route53:ChangeResourceRecordSets"), "arn:${AWS::Partition}:route53:::hostedzone/${HostedZoneId}")),
	"S3CrudPolicy": tpl("BucketName", stl(a("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
		"s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"),
		s3Bucket, s3Objects)),
	"S3FullAccessPolicy": tpl("BucketName",
		stl(a("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject",
			"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging",
			"s3:PutObjectTagging", "s3:PutObjectVersionTagging"), s3Objects),
		stl(a("s3:ListBucket", "s3:GetBucketLocation", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"), s3Bucket)),
	"S3ReadPolicy": tpl("BucketName", stl(a("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
		"s3:GetLifecycleConfiguration"), s3Bucket, s3Objects)),
	"S3WritePolicy": tpl("BucketName", stl(a("s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"), s3Bucket, s3Objects)),
	"SESBulkTemplatedCrudPolicy": tpl("IdentityName", st(a("ses:GetIdentityVerificationAttributes", "ses:SendEmail",
		"ses:SendRawEmail", "ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail", "ses:VerifyEmailIdentity"), sesIdent)),
	"SESBulkTemplatedCrudPolicy_v2": tpl("IdentityName,TemplateName",
		stl(a("ses:SendEmail", "ses:SendRawEmail", "ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail"),
			sesIdent, arn("ses", "template/${templateName}")),
		st(a("ses:GetIdentityVerificationAttributes", "ses:VerifyEmailIdentity"), "*")),
	"SESCrudPolicy": tpl("IdentityName", st(a("ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail",
		"ses:VerifyEmailIdentity"), sesIdent)),
	"SESEmailTemplateCrudPolicy": tpl("", st(a("ses:CreateTemplate", "ses:GetTemplate", "ses:ListTemplates",
		"ses:UpdateTemplate", "ses:DeleteTemplate", "ses:TestRenderTemplate"), "*")),
	"SESSendBouncePolicy": tpl("IdentityName", st(a("ses:SendBounce"), sesIdent)),
	"SNSCrudPolicy": tpl("TopicName", st(a("sns:ListSubscriptionsByTopic", "sns:CreateTopic", "sns:SetTopicAttributes",
		"sns:Subscribe", "sns:Publish"), arn("sns", "${topicName}*"))),
	"SNSPublishMessagePolicy": tpl("TopicName", st(a("sns:Publish"), arn("sns", "${topicName}"))),
	"SQSPollerPolicy": tpl("QueueName", st(a("sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch",
		"sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"), arn("sqs", "${queueName}"))),
	"SQSSendMessagePolicy": tpl("QueueName", st(a("sqs:SendMessage*"), arn("sqs", "${queueName}"))),
	"SSMParameterReadPolicy": tpl("ParameterName", ssmDescr,
		st(a("ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"), arn("ssm", "parameter/${parameterName}"))),
	"SSMParameterWithSlashPrefixReadPolicy": tpl("ParameterName", ssmDescr,
		st(a("ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"), arn("ssm", "parameter${parameterName}"))),
	"SageMakerCreateEndpointConfigPolicy": tpl("EndpointConfigName", st(a("sagemaker:CreateEndpointConfig"), arn("sagemaker", "endpoint-config/${endpointConfigName}"))),
	"SageMakerCreateEndpointPolicy":       tpl("EndpointName", st(a("sagemaker:CreateEndpoint"), arn("sagemaker", "endpoint/${endpointName}"))),
	"ServerlessRepoReadWriteAccessPolicy": tpl("", stl(a("serverlessrepo:CreateApplication", "serverlessrepo:CreateApplicationVersion",
		"serverlessrepo:UpdateApplication", "serverlessrepo:GetApplication", "serverlessrepo:ListApplications",
		"serverlessrepo:ListApplicationVersions", "serverlessrepo:ListApplicationDependencies"), arn("serverlessrepo", "applications/*"))),
	"StepFunctionsCallbackPolicy":     tpl("StateMachineName", st(a("states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"), sfnMach)),
	"StepFunctionsExecutionPolicy":    tpl("StateMachineName", st(a("states:StartExecution"), sfnMach)),
	"StepFunctionsExecutionPolicy_v2": tpl("StateMachineName", st(a("states:StartExecution", "states:StartSyncExecution"), sfnMach)),
	"TextractDetectAnalyzePolicy": tpl("", st(a("textract:DetectDocumentText", "textract:StartDocumentTextDetection",
		"textract:StartDocumentAnalysis", "textract:AnalyzeDocument"), "*")),
	"TextractGetResultPolicy": tpl("", st(a("textract:GetDocumentTextDetection", "textract:GetDocumentAnalysis"), "*")),
	"TextractPolicy":          tpl("", st(a("textract:*"), "*")),
	"VPCAccessPolicy": tpl("", st(a("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
		"ec2:DescribeNetworkInterfaces", "ec2:DetachNetworkInterface"), "*")),
}

// expandTemplate returns the policy document of policy template name with
// args substituted, or nil (reported) when the name is unknown or a
// parameter is missing.
func (x *tx) expandTemplate(name string, args *app.Node, g gen) *app.Node {
	t, ok := policyTemplates[name]
	if !ok {
		x.diag(g.p, app.SevError, "Policies: %q is neither a policy document nor a known SAM policy template", name)
		return nil
	}
	if len(t.params) > 0 && !args.IsMap() {
		x.diag(posOr(args, g.p), app.SevError, "Policies: %s needs parameters %s", name, strings.Join(t.params, ", "))
		return nil
	}
	for _, p := range t.params {
		if args.Get(p) == nil {
			x.diag(posOr(args, g.p), app.SevError, "Policies: %s is missing parameter %s", name, p)
			return nil
		}
	}
	stmts := g.list()
	for _, s := range t.stmts {
		var action *app.Node
		if s.single {
			action = g.str(s.actions[0])
		} else {
			action = g.strs(s.actions...)
		}
		var res *app.Node
		if s.resList || len(s.res) > 1 {
			res = g.list()
			for _, r := range s.res {
				res.List = append(res.List, templateValue(g, r, t.params, args))
			}
		} else {
			res = templateValue(g, s.res[0], t.params, args)
		}
		stmt := g.m("Action", action, "Resource", res, "Effect", g.str("Allow"))
		if c := s.cond; c != nil {
			stmt.Set("Condition", g.m(c.op, g.m(c.key, templateValue(g, c.sub, t.params, args))))
		}
		stmts.List = append(stmts.List, stmt)
	}
	return g.m("Statement", stmts)
}

// templateValue renders one pattern: "*" as is, a pattern without
// parameters as Fn::Sub "pattern", else Fn::Sub [pattern, {var: value}].
func templateValue(g gen, pattern string, params []string, args *app.Node) *app.Node {
	if pattern == "*" {
		return g.str(pattern)
	}
	vars := g.m()
	rest := pattern
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		v := rest[i+2 : i+j]
		rest = rest[i+j+1:]
		if strings.Contains(v, "::") || vars.Get(v) != nil {
			continue
		}
		for _, p := range params {
			if strings.EqualFold(p, v) {
				vars.Set(v, args.Get(p))
			}
		}
	}
	if len(vars.Keys) == 0 {
		return g.sub(pattern)
	}
	return g.m("Fn::Sub", g.list(g.str(pattern), vars))
}
