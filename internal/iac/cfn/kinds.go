package cfn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// typeInfo is what the adapter knows about one CloudFormation type: its
// kind and the property that fixes its physical name.
type typeInfo struct {
	kind app.Kind
	name string
}

var types = map[string]*typeInfo{
	"AWS::Lambda::Function":               {app.KindFunction, "FunctionName"},
	"AWS::Serverless::Function":           {app.KindFunction, "FunctionName"},
	"AWS::Lambda::Alias":                  {app.KindAlias, ""},
	"AWS::Lambda::Version":                {app.KindVersion, ""},
	"AWS::Lambda::LayerVersion":           {app.KindLayer, "LayerName"},
	"AWS::Serverless::LayerVersion":       {app.KindLayer, "LayerName"},
	"AWS::Lambda::EventSourceMapping":     {app.KindEventSourceMapping, ""},
	"AWS::Lambda::Permission":             {app.KindPermission, ""},
	"AWS::Lambda::EventInvokeConfig":      {app.KindEventInvokeConfig, ""},
	"AWS::Lambda::Url":                    {app.KindURL, ""},
	"AWS::SQS::Queue":                     {app.KindQueue, "QueueName"},
	"AWS::SQS::QueuePolicy":               {app.KindPolicy, ""},
	"AWS::SQS::QueueInlinePolicy":         {app.KindPolicy, ""},
	"AWS::SNS::Topic":                     {app.KindTopic, "TopicName"},
	"AWS::SNS::Subscription":              {app.KindSubscription, ""},
	"AWS::SNS::TopicPolicy":               {app.KindPolicy, ""},
	"AWS::SNS::TopicInlinePolicy":         {app.KindPolicy, ""},
	"AWS::S3::Bucket":                     {app.KindBucket, "BucketName"},
	"AWS::S3::BucketPolicy":               {app.KindPolicy, ""},
	"AWS::DynamoDB::Table":                {app.KindTable, "TableName"},
	"AWS::DynamoDB::GlobalTable":          {app.KindTable, "TableName"},
	"AWS::Serverless::SimpleTable":        {app.KindTable, "TableName"},
	"AWS::Kinesis::Stream":                {app.KindStream, "Name"},
	"AWS::Events::EventBus":               {app.KindEventBus, "Name"},
	"AWS::Events::Rule":                   {app.KindRule, "Name"},
	"AWS::Scheduler::Schedule":            {app.KindSchedule, "Name"},
	"AWS::ApiGateway::RestApi":            {app.KindAPI, "Name"},
	"AWS::ApiGatewayV2::Api":              {app.KindAPI, "Name"},
	"AWS::Serverless::Api":                {app.KindAPI, "Name"},
	"AWS::Serverless::HttpApi":            {app.KindAPI, "Name"},
	"AWS::ApiGateway::Stage":              {app.KindOther, ""},
	"AWS::ApiGatewayV2::Stage":            {app.KindOther, ""},
	"AWS::ApiGateway::Method":             {app.KindOther, ""},
	"AWS::ApiGatewayV2::Route":            {app.KindOther, ""},
	"AWS::StepFunctions::StateMachine":    {app.KindStateMachine, "StateMachineName"},
	"AWS::Serverless::StateMachine":       {app.KindStateMachine, "Name"},
	"AWS::IAM::Role":                      {app.KindRole, "RoleName"},
	"AWS::IAM::Policy":                    {app.KindPolicy, ""},
	"AWS::IAM::ManagedPolicy":             {app.KindPolicy, "ManagedPolicyName"},
	"AWS::Logs::LogGroup":                 {app.KindLogGroup, "LogGroupName"},
	"AWS::Logs::SubscriptionFilter":       {app.KindLogSubscription, ""},
	"AWS::SecretsManager::Secret":         {app.KindSecret, "Name"},
	"AWS::SSM::Parameter":                 {app.KindParameter, "Name"},
	"AWS::KMS::Key":                       {app.KindKey, ""},
	"AWS::CloudFormation::Stack":          {app.KindStack, ""},
	"AWS::Serverless::Application":        {app.KindStack, ""},
	"AWS::Cognito::UserPool":              {app.KindUserPool, "UserPoolName"},
	"AWS::IoT::TopicRule":                 {app.KindIoTRule, "RuleName"},
	"AWS::AppSync::GraphQLApi":            {app.KindAppSync, "Name"},
	"AWS::Serverless::GraphQLApi":         {app.KindAppSync, "Name"},
	"AWS::CloudWatch::Alarm":              {app.KindAlarm, "AlarmName"},
	"AWS::CodeDeploy::DeploymentGroup":    {app.KindDeploymentGroup, "DeploymentGroupName"},
	"AWS::CloudFormation::CustomResource": {app.KindOther, ""},
}

// typeAttrs reads the attributes of each type. It is apart from types
// because the readers use the type table themselves.
var typeAttrs = map[string]func(*builder){
	"AWS::Lambda::Function":            functionAttrs,
	"AWS::Serverless::Function":        functionAttrs,
	"AWS::Lambda::Alias":               aliasAttrs,
	"AWS::Lambda::Version":             aliasAttrs,
	"AWS::Lambda::EventSourceMapping":  esmAttrs,
	"AWS::Lambda::Permission":          permissionAttrs,
	"AWS::Lambda::EventInvokeConfig":   eicAttrs,
	"AWS::Lambda::Url":                 urlAttrs,
	"AWS::SQS::Queue":                  queueAttrs,
	"AWS::SNS::Topic":                  topicAttrs,
	"AWS::SNS::Subscription":           subscriptionAttrs,
	"AWS::S3::Bucket":                  bucketAttrs,
	"AWS::DynamoDB::Table":             tableAttrs,
	"AWS::DynamoDB::GlobalTable":       tableAttrs,
	"AWS::Kinesis::Stream":             streamAttrs,
	"AWS::Events::Rule":                ruleAttrs,
	"AWS::Scheduler::Schedule":         scheduleAttrs,
	"AWS::ApiGateway::RestApi":         restAPIAttrs,
	"AWS::ApiGatewayV2::Api":           httpAPIAttrs,
	"AWS::Serverless::Api":             restAPIAttrs,
	"AWS::Serverless::HttpApi":         httpAPIAttrs,
	"AWS::ApiGateway::Stage":           stageAttrs,
	"AWS::ApiGatewayV2::Stage":         stageAttrs,
	"AWS::ApiGateway::Method":          methodAttrs,
	"AWS::ApiGatewayV2::Route":         methodAttrs,
	"AWS::StepFunctions::StateMachine": stateMachineAttrs,
	"AWS::Serverless::StateMachine":    stateMachineAttrs,
	"AWS::IAM::Role":                   roleAttrs,
	"AWS::Logs::LogGroup":              logGroupAttrs,
	"AWS::SecretsManager::Secret":      secretAttrs,
}

// lookupType returns what is known of a type, nil for any other.
func lookupType(typ string) *typeInfo { return types[typ] }

// fullServices lists every resource type of the services whose whole type
// list the adapter knows, so a misspelt type there is reported.
var fullServices = map[string][]string{
	"Lambda":        {"Alias", "CapacityProvider", "CodeSigningConfig", "EventInvokeConfig", "EventSourceMapping", "Function", "LayerVersion", "LayerVersionPermission", "Permission", "Url", "Version"},
	"SQS":           {"Queue", "QueuePolicy", "QueueInlinePolicy"},
	"SNS":           {"Topic", "TopicPolicy", "TopicInlinePolicy", "Subscription"},
	"DynamoDB":      {"Table", "GlobalTable"},
	"StepFunctions": {"Activity", "StateMachine", "StateMachineAlias", "StateMachineVersion"},
	"Serverless":    {"Function", "Api", "HttpApi", "SimpleTable", "LayerVersion", "Application", "StateMachine", "Connector", "GraphQLApi", "CapacityProvider"},
	"Kinesis":       {"Stream", "StreamConsumer", "ResourcePolicy"},
	"Scheduler":     {"Schedule", "ScheduleGroup"},
}

// services are the CloudFormation namespaces of AWS services (AWS::X::...).
var services = func() map[string]bool {
	m := make(map[string]bool)
	for _, s := range strings.Fields(`AccessAnalyzer ACMPCA AIOps Amplify AmplifyUIBuilder ApiGateway ApiGatewayV2
	AppConfig AppFlow AppIntegrations ApplicationAutoScaling ApplicationInsights ApplicationSignals AppMesh AmazonMQ Kafka
	AppRunner AppStream AppSync APS AppTest ARCRegionSwitch ARCZonalShift Athena AuditManager AutoScaling
	AutoScalingPlans B2BI Backup BackupGateway Batch BCMDataExports Bedrock BedrockAgentCore Billing
	BillingConductor Budgets Cases Cassandra CE CertificateManager Chatbot CleanRooms CleanRoomsML Cloud9
	CloudFormation CloudFront CloudTrail CloudWatch CodeArtifact CodeBuild CodeCommit CodeConnections
	CodeDeploy CodeGuruProfiler CodeGuruReviewer CodePipeline CodeStar CodeStarConnections
	CodeStarNotifications Cognito Comprehend Config Connect ConnectCampaigns ConnectCampaignsV2 ControlTower
	CUR CustomerProfiles DataBrew DataPipeline DataSync DataZone DAX Deadline Detective DevOpsGuru
	DirectoryService DLM DMS DocDB DocDBElastic DSQL DynamoDB EC2 ECR ECS EFS EKS ElastiCache
	ElasticBeanstalk ElasticLoadBalancing ElasticLoadBalancingV2 Elasticsearch EMR EMRContainers
	EMRServerless EntityResolution Events EventSchemas Evidently EVS FinSpace FIS FMS Forecast
	FraudDetector FSx GameLift GameLiftStreams GlobalAccelerator Glue Grafana Greengrass GreengrassV2
	GroundStation GuardDuty HealthImaging HealthLake IAM IdentityStore ImageBuilder Inspector InspectorV2
	InternetMonitor Invoicing IoT IoT1Click IoTAnalytics IoTCoreDeviceAdvisor IoTEvents IoTFleetHub
	IoTFleetWise IoTManagedIntegrations IoTSiteWise IoTThingsGraph IoTTwinMaker IoTWireless IVS IVSChat
	KafkaConnect Kendra KendraRanking Kinesis KinesisAnalytics KinesisAnalyticsV2 KinesisFirehose
	KinesisVideo KMS LakeFormation Lambda LaunchWizard Lex LicenseManager Lightsail Location Logs
	LookoutEquipment LookoutMetrics LookoutVision M2 Macie ManagedBlockchain MediaConnect MediaConvert
	MediaLive MediaPackage MediaPackageV2 MediaStore MediaTailor MemoryDB MPA MSK MWAA Neptune NeptuneGraph
	NetworkFirewall NetworkManager NimbleStudio Notifications NotificationsContacts OAM ObservabilityAdmin
	ODB Omics OpenSearchServerless OpenSearchService OpsWorks OpsWorksCM Organizations OSIS Panorama
	PaymentCryptography PCAConnectorAD PCAConnectorSCEP PCS Personalize Pinpoint PinpointEmail Pipes
	Proton QBusiness QLDB QuickSight RAM RDS Redshift RedshiftServerless RefactorSpaces Rekognition
	ResilienceHub ResourceExplorer2 ResourceGroups RoboMaker RolesAnywhere Route53 Route53Profiles
	Route53RecoveryControl Route53RecoveryReadiness Route53Resolver RTBFabric RUM S3 S3Express
	S3ObjectLambda S3Outposts S3Tables S3Vectors SageMaker Scheduler SDB SecretsManager SecurityHub
	SecurityLake ServiceCatalog ServiceCatalogAppRegistry ServiceDiscovery SES Shield Signer
	SimSpaceWeaver SMSVOICE SNS SQS SSM SSMContacts SSMGuiConnect SSMIncidents SSMQuickSetup SSO
	StepFunctions SupportApp Synthetics SystemsManagerSAP Timestream Transfer VerifiedPermissions VoiceID
	VpcLattice WAF WAFRegional WAFv2 Wisdom WorkSpaces WorkSpacesThinClient WorkSpacesWeb XRay Serverless CDK`) {
		m[s] = true
	}
	return m
}()

// checkType returns a warning for a type CloudFormation would not know,
// "" for any plausible one. Unknown AWS types of a known service are
// accepted (the adapter models only some) unless they are within a typo
// of a modelled one.
func checkType(typ string) string {
	if strings.HasPrefix(typ, "Custom::") || strings.HasPrefix(typ, "Alexa::") {
		return ""
	}
	parts := strings.Split(typ, "::")
	if len(parts) != 3 || parts[0] != "AWS" || !services[parts[1]] {
		if len(parts) == 3 && parts[0] != "AWS" && parts[1] != "" && parts[2] != "" {
			// Registry extensions (MongoDB::Atlas::Cluster) look like this.
			return fmt.Sprintf("unknown resource type %s (not an AWS, Custom:: or Alexa:: type; a registry extension?)", typ)
		}
		return "unknown resource type " + typ + suggest(typ)
	}
	if list, ok := fullServices[parts[1]]; ok {
		for _, r := range list {
			if r == parts[2] {
				return ""
			}
		}
		return "unknown resource type " + typ + suggest(typ)
	}
	if s := suggest(typ); s != "" {
		return "unknown resource type " + typ + s
	}
	return ""
}

// suggest names the modelled type within two edits of typ, if any. Only
// types of the same namespace are compared (a typo in the namespace itself
// is caught as an unknown namespace), which keeps this cheap for the many
// AWS types the adapter does not model.
func suggest(typ string) string {
	best, bestD := "", 3
	ns := ""
	if i := strings.LastIndex(typ, "::"); i >= 0 {
		ns = typ[:i+2]
	}
	lower := strings.ToLower(typ)
	for _, known := range typesIn[ns] {
		if d := editDistance(lower, strings.ToLower(known), bestD); d < bestD && known != typ {
			best, bestD = known, d
		}
	}
	if best == "" && len(strings.Split(typ, "::")) != 3 {
		for known := range types {
			if d := editDistance(lower, strings.ToLower(known), bestD); d < bestD {
				best, bestD = known, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// typesIn lists the modelled types by namespace ("AWS::Lambda::").
var typesIn = func() map[string][]string {
	m := make(map[string][]string)
	for t := range types {
		ns := t[:strings.LastIndex(t, "::")+2]
		m[ns] = append(m[ns], t)
	}
	return m
}()

// editDistance is the Levenshtein distance of a and b, or max when it is
// at least max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}

// builder reads one resource's attributes.
type builder struct {
	s *scope
	e *entry
	r *app.Resource
	p *app.Node
}

func (b *builder) set(attr string, n *app.Node) {
	if n != nil && n != noValue && n.Kind != app.NullNode {
		b.r.SetAttr(attr, n)
	}
}

// prop sets attr from the property at path, when written.
func (b *builder) prop(attr string, path ...string) *app.Node {
	n := b.p.Path(path...)
	b.set(attr, n)
	return n
}

// ref sets attr to the id of the resource n names, or to n itself (an ARN,
// a symbolic reference) when it names none. The id keeps n's position.
func (b *builder) ref(attr string, n *app.Node) {
	if n == nil {
		return
	}
	if id, ok := b.s.resolveTarget(n); ok {
		b.set(attr, app.Str(id, n.Pos))
		return
	}
	b.set(attr, n)
}

func (b *builder) defStr(attr, v string) {
	if b.r.Attr(attr) == nil {
		b.r.Default(attr, b.s.a.node(app.StringNode, v))
	}
}

func (b *builder) defInt(attr string, v int64) {
	if b.r.Attr(attr) == nil {
		b.r.Default(attr, b.s.a.node(app.NumberNode, strconv.FormatInt(v, 10)))
	}
}

func (b *builder) defBool(attr string, v bool) {
	if b.r.Attr(attr) == nil {
		b.r.Default(attr, b.s.a.node(app.BoolNode, strconv.FormatBool(v)))
	}
}

// first returns the first item of a list property, or a scalar as is.
func first(n *app.Node) *app.Node {
	if n.IsList() {
		if len(n.List) == 0 {
			return nil
		}
		return n.List[0]
	}
	return n
}

func functionAttrs(b *builder) {
	b.prop(app.AttrRuntime, "Runtime")
	b.prop(app.AttrHandler, "Handler")
	b.prop(app.AttrMemorySize, "MemorySize")
	b.defInt(app.AttrMemorySize, 128)
	b.prop(app.AttrTimeout, "Timeout")
	b.defInt(app.AttrTimeout, 3)
	b.set(app.AttrArchitecture, first(b.p.Get("Architectures")))
	b.defStr(app.AttrArchitecture, "x86_64")
	b.prop(app.AttrEphemeralStorage, "EphemeralStorage", "Size")
	b.defInt(app.AttrEphemeralStorage, 512)
	b.prop(app.AttrReservedConcurrency, "ReservedConcurrentExecutions")
	b.prop(app.AttrProvisioned, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions")
	if b.prop(app.AttrTracing, "TracingConfig", "Mode") == nil {
		b.prop(app.AttrTracing, "Tracing") // SAM's shorthand, when untransformed
	}
	b.defStr(app.AttrTracing, "PassThrough")
	b.prop(app.AttrPackageType, "PackageType")
	b.defStr(app.AttrPackageType, "Zip")
	b.prop(app.AttrRecursiveLoop, "RecursiveLoop")
	b.defStr(app.AttrRecursiveLoop, "Terminate")
	b.prop(app.AttrLogFormat, "LoggingConfig", "LogFormat")
	b.defStr(app.AttrLogFormat, "Text")
	if b.prop(app.AttrLogGroupName, "LoggingConfig", "LogGroup") == nil {
		// Lambda logs to /aws/lambda/<function name>. With a generated name
		// the value is written the way a log group declared for it is
		// rendered (LogGroupName: !Sub /aws/lambda/${Fn}), so rules can pair
		// them by Name.
		name := "${" + b.e.src.ID + "}"
		if n := b.p.Get("FunctionName"); n != nil {
			name = symbolicText(n)
		}
		b.set(app.AttrLogGroupName, app.Str("/aws/lambda/"+name, b.r.Pos).AsDerived())
	}
	b.prop(app.AttrSnapStart, "SnapStart", "ApplyOn")
	b.defStr(app.AttrSnapStart, "None")
	b.prop(app.AttrKMSKey, "KmsKeyArn")
	if vpc := b.p.Get("VpcConfig"); vpc != nil {
		subnets := vpc.Get("SubnetIds")
		b.set(app.AttrInVPC, app.Bool(subnets != nil && (subnets.Len() > 0 || !subnets.IsList()), vpc.Pos))
	}
	b.defBool(app.AttrInVPC, false)
	b.prop(app.AttrEnvironment, "Environment", "Variables")
	b.prop(app.AttrLayers, "Layers")
	b.ref(app.AttrDeadLetterTarget, b.p.Path("DeadLetterConfig", "TargetArn"))
	b.prop(app.AttrAutoPublishAlias, "AutoPublishAlias")
	b.prop(app.AttrDeploymentPref, "DeploymentPreference")
	// Async settings come from an EventInvokeConfig; its attributes are
	// copied onto the function, then defaults (see scope.attrs).
}

func aliasAttrs(b *builder) {
	b.s.functionRef(b, b.p.Get("FunctionName"))
	b.prop(app.AttrProvisioned, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions")
}

func permissionAttrs(b *builder) {
	b.s.functionRef(b, b.p.Get("FunctionName"))
	b.prop(app.AttrPrincipal, "Principal")
	b.prop(app.AttrSourceArn, "SourceArn")
	b.prop(app.AttrSourceAccount, "SourceAccount")
	b.prop(app.AttrAction, "Action")
}

func eicAttrs(b *builder) {
	b.s.functionRef(b, b.p.Get("FunctionName"))
	b.prop(app.AttrAsyncMaxRetries, "MaximumRetryAttempts")
	b.prop(app.AttrAsyncMaxEventAge, "MaximumEventAgeInSeconds")
	b.ref(app.AttrOnFailure, b.p.Path("DestinationConfig", "OnFailure", "Destination"))
	b.ref(app.AttrOnSuccess, b.p.Path("DestinationConfig", "OnSuccess", "Destination"))
}

func urlAttrs(b *builder) {
	b.s.functionRef(b, b.p.Get("TargetFunctionArn"))
	b.prop(app.AttrURLAuth, "AuthType")
}

// sourceType names the kind of an event source mapping's source from the
// resource it resolves to or from its ARN.
func sourceType(s *scope, src *app.Node, p *app.Node) string {
	if p.Get("SelfManagedEventSource") != nil || p.Get("SelfManagedKafkaEventSourceConfig") != nil {
		return "kafka"
	}
	if id, ok := s.resolveTarget(src); ok {
		switch s.a.g.Resource(id).Kind {
		case app.KindQueue:
			return "sqs"
		case app.KindStream:
			return "kinesis"
		case app.KindTable:
			return "dynamodb"
		}
	}
	text := symbolicText(src)
	switch {
	case strings.Contains(text, ":sqs:"):
		return "sqs"
	case strings.Contains(text, ":kinesis:"):
		return "kinesis"
	case strings.Contains(text, ":dynamodb:") || strings.Contains(text, "StreamArn}"):
		return "dynamodb"
	case strings.Contains(text, ":kafka:"):
		return "kafka"
	case strings.Contains(text, ":mq:"):
		return "mq"
	case strings.Contains(text, ":rds:") || strings.Contains(text, ":docdb"):
		return "docdb"
	}
	return ""
}

func esmAttrs(b *builder) {
	src := b.p.Get("EventSourceArn")
	b.ref(app.AttrSource, src)
	b.s.functionRef(b, b.p.Get("FunctionName"))
	st := sourceType(b.s, src, b.p)
	if st != "" {
		b.set(app.AttrSourceType, app.Str(st, b.r.Pos).AsDerived())
	}
	b.prop(app.AttrBatchSize, "BatchSize")
	switch st {
	case "sqs":
		b.defInt(app.AttrBatchSize, 10)
	case "kinesis", "dynamodb", "kafka", "mq", "docdb":
		b.defInt(app.AttrBatchSize, 100)
	}
	b.prop(app.AttrBatchWindow, "MaximumBatchingWindowInSeconds")
	b.defInt(app.AttrBatchWindow, 0)
	b.prop(app.AttrMaxRetries, "MaximumRetryAttempts")
	b.prop(app.AttrMaxRecordAge, "MaximumRecordAgeInSeconds")
	b.prop(app.AttrBisect, "BisectBatchOnFunctionError")
	b.prop(app.AttrParallelization, "ParallelizationFactor")
	if st == "kinesis" || st == "dynamodb" {
		b.defInt(app.AttrMaxRetries, -1)
		b.defInt(app.AttrMaxRecordAge, -1)
		b.defBool(app.AttrBisect, false)
		b.defInt(app.AttrParallelization, 1)
	}
	b.prop(app.AttrStartingPosition, "StartingPosition")
	report := false
	for _, t := range b.p.Get("FunctionResponseTypes").Items() {
		if t.Text() == "ReportBatchItemFailures" {
			b.set(app.AttrReportBatchFailures, app.Bool(true, t.Pos))
			report = true
		}
	}
	if !report {
		b.defBool(app.AttrReportBatchFailures, false)
	}
	b.prop(app.AttrMaximumConcurrency, "ScalingConfig", "MaximumConcurrency")
	b.prop(app.AttrEnabled, "Enabled")
	b.defBool(app.AttrEnabled, true)
	b.ref(app.AttrOnFailure, b.p.Path("DestinationConfig", "OnFailure", "Destination"))
	b.prop(app.AttrFilter, "FilterCriteria")
}

// redrive reads an SQS or SNS RedrivePolicy, written as an object or as a
// JSON string.
func (s *scope) redrive(n *app.Node) *app.Node {
	if str, ok := n.String(); ok {
		doc, _, err := ParseDocument(n.Pos.File, []byte(str))
		if err != nil || !doc.IsMap() {
			return nil
		}
		reposition(doc, n.Pos)
		return doc
	}
	return n
}

// reposition moves a document parsed from a string property to the
// property's position: its own line numbers count from the string.
func reposition(n *app.Node, p app.Pos) {
	if n == nil {
		return
	}
	n.Pos = p
	for i := range n.KeyPos {
		n.KeyPos[i] = p
	}
	for _, c := range n.List {
		reposition(c, p)
	}
	for _, c := range n.Values {
		reposition(c, p)
	}
}

func queueAttrs(b *builder) {
	b.prop(app.AttrVisibilityTimeout, "VisibilityTimeout")
	b.defInt(app.AttrVisibilityTimeout, 30)
	b.prop(app.AttrRetention, "MessageRetentionPeriod")
	b.defInt(app.AttrRetention, 345600)
	b.prop(app.AttrFIFO, "FifoQueue")
	b.defBool(app.AttrFIFO, false)
	b.prop(app.AttrDelay, "DelaySeconds")
	b.defInt(app.AttrDelay, 0)
	b.prop(app.AttrReceiveWait, "ReceiveMessageWaitTimeSeconds")
	b.defInt(app.AttrReceiveWait, 0)
	if rp := b.s.redrive(b.p.Get("RedrivePolicy")); rp != nil {
		b.set(app.AttrMaxReceiveCount, rp.Get("maxReceiveCount"))
		b.ref(app.AttrDeadLetterTarget, rp.Get("deadLetterTargetArn"))
	}
	if k := b.prop(app.AttrKMSKey, "KmsMasterKeyId"); k != nil {
		b.set(app.AttrSSE, app.Str("kms", k.Pos))
	} else if v := b.p.Get("SqsManagedSseEnabled"); v != nil {
		if on, ok := v.Truth(); ok && !on {
			b.set(app.AttrSSE, app.Str("none", v.Pos))
		} else if ok {
			b.set(app.AttrSSE, app.Str("sqs-managed", v.Pos))
		}
	}
	// New queues get SSE-SQS unless told otherwise (since October 2022).
	b.defStr(app.AttrSSE, "sqs-managed")
}

func topicAttrs(b *builder) {
	b.prop(app.AttrFIFO, "FifoTopic")
	b.defBool(app.AttrFIFO, false)
	if k := b.prop(app.AttrKMSKey, "KmsMasterKeyId"); k != nil {
		b.set(app.AttrSSE, app.Str("kms", k.Pos))
	}
	b.defStr(app.AttrSSE, "none")
}

func subscriptionAttrs(b *builder) {
	if rp := b.s.redrive(b.p.Get("RedrivePolicy")); rp != nil {
		b.ref(app.AttrDeadLetterTarget, rp.Get("deadLetterTargetArn"))
	}
}

func bucketAttrs(b *builder) {
	rules := b.p.Path("BucketEncryption", "ServerSideEncryptionConfiguration")
	if r := first(rules); r != nil {
		alg := r.Path("ServerSideEncryptionByDefault", "SSEAlgorithm")
		switch alg.Text() {
		case "aws:kms", "aws:kms:dsse":
			b.set(app.AttrSSE, app.Str("kms", alg.Pos))
			b.set(app.AttrKMSKey, r.Path("ServerSideEncryptionByDefault", "KMSMasterKeyID"))
		case "AES256":
			b.set(app.AttrSSE, app.Str("s3-managed", alg.Pos))
		}
	}
	// Every new bucket is encrypted with SSE-S3 since January 2023.
	b.defStr(app.AttrSSE, "s3-managed")
	if name := b.r.Name; name != "" && b.p.Get("BucketName").IsScalar() {
		b.set(app.AttrARN, app.Str("arn:"+b.s.a.opts.Partition+":s3:::"+name, b.p.Get("BucketName").Pos).AsDerived())
	}
}

func tableAttrs(b *builder) {
	b.prop(app.AttrBillingMode, "BillingMode")
	b.defStr(app.AttrBillingMode, "PROVISIONED")
	b.prop(app.AttrReadCapacity, "ProvisionedThroughput", "ReadCapacityUnits")
	b.prop(app.AttrWriteCapacity, "ProvisionedThroughput", "WriteCapacityUnits")
	b.prop(app.AttrStreamViewType, "StreamSpecification", "StreamViewType")
	b.prop(app.AttrPITR, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
	b.defBool(app.AttrPITR, false)
	if v := b.p.Path("SSESpecification", "SSEEnabled"); v != nil {
		if on, _ := v.Truth(); on {
			b.set(app.AttrSSE, app.Str("kms", v.Pos))
		}
	}
	b.defStr(app.AttrSSE, "aws-owned")
}

func streamAttrs(b *builder) {
	b.prop(app.AttrShardCount, "ShardCount")
	b.prop(app.AttrStreamMode, "StreamModeDetails", "StreamMode")
	b.defStr(app.AttrStreamMode, "PROVISIONED")
	b.prop(app.AttrRetentionHours, "RetentionPeriodHours")
	b.defInt(app.AttrRetentionHours, 24)
	if enc := b.p.Path("StreamEncryption", "EncryptionType"); enc != nil {
		b.set(app.AttrSSE, app.Str(strings.ToLower(enc.Text()), enc.Pos))
	}
	b.defStr(app.AttrSSE, "none")
}

func ruleAttrs(b *builder) {
	b.prop(app.AttrScheduleExpression, "ScheduleExpression")
	b.prop(app.AttrEventPattern, "EventPattern")
	b.prop(app.AttrState, "State")
	b.defStr(app.AttrState, "ENABLED")
}

func scheduleAttrs(b *builder) {
	b.prop(app.AttrScheduleExpression, "ScheduleExpression")
	b.prop(app.AttrTimezone, "ScheduleExpressionTimezone")
	b.defStr(app.AttrTimezone, "UTC")
	b.prop(app.AttrState, "State")
	b.defStr(app.AttrState, "ENABLED")
}

func restAPIAttrs(b *builder) {
	b.set(app.AttrProtocol, app.Str("REST", b.r.Pos).AsDerived())
}

func httpAPIAttrs(b *builder) {
	if b.prop(app.AttrProtocol, "ProtocolType") == nil {
		if b.e.src.Type == "AWS::Serverless::HttpApi" || b.p.Get("Body") != nil || b.p.Get("BodyS3Location") != nil {
			b.set(app.AttrProtocol, app.Str("HTTP", b.r.Pos).AsDerived())
		}
	}
}

func stageAttrs(b *builder) {
	b.prop(app.AttrStage, "StageName")
	if b.prop(app.AttrAccessLog, "AccessLogSetting") == nil {
		b.prop(app.AttrAccessLog, "AccessLogSettings")
	}
	if b.prop(app.AttrThrottleRate, "DefaultRouteSettings", "ThrottlingRateLimit") == nil {
		for _, ms := range b.p.Get("MethodSettings").Items() {
			if v := ms.Get("ThrottlingRateLimit"); v != nil {
				b.set(app.AttrThrottleRate, v)
				break
			}
		}
	}
	if v := b.p.Get("TracingEnabled"); v != nil {
		if on, ok := v.Truth(); ok && on {
			b.set(app.AttrTracing, app.Str("Active", v.Pos))
		}
	}
}

func methodAttrs(b *builder) {
	b.prop(app.AttrAuth, "AuthorizationType")
	b.defStr(app.AttrAuth, "NONE")
}

func stateMachineAttrs(b *builder) {
	b.prop(app.AttrSFNType, "StateMachineType")
	if b.e.src.Type == "AWS::Serverless::StateMachine" {
		b.prop(app.AttrSFNType, "Type")
	}
	b.defStr(app.AttrSFNType, "STANDARD")
	if def := b.s.definition(b.e); def != nil {
		b.set(app.AttrDefinition, def.node)
	}
	if b.prop(app.AttrLogLevel, "LoggingConfiguration", "Level") == nil {
		b.prop(app.AttrLogLevel, "Logging", "Level")
	}
	b.defStr(app.AttrLogLevel, "OFF")
	if v := b.p.Path("TracingConfiguration", "Enabled"); v != nil {
		if on, ok := v.Truth(); ok && on {
			b.set(app.AttrTracing, app.Str("Active", v.Pos))
		}
	} else if v := b.p.Path("Tracing", "Enabled"); v != nil {
		if on, ok := v.Truth(); ok && on {
			b.set(app.AttrTracing, app.Str("Active", v.Pos))
		}
	}
	b.defStr(app.AttrTracing, "PassThrough")
}

func roleAttrs(b *builder) {
	b.prop("managed_policies", "ManagedPolicyArns")
	b.prop("assume_role_policy", "AssumeRolePolicyDocument")
	b.prop("permissions_boundary", "PermissionsBoundary")
}

func logGroupAttrs(b *builder) {
	b.prop(app.AttrRetentionDays, "RetentionInDays")
	b.prop(app.AttrKMSKey, "KmsKeyId")
}

func secretAttrs(b *builder) {
	b.prop(app.AttrKMSKey, "KmsKeyId")
}
