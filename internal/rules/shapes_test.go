package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/iac"
)

// oddProps are the properties the single-resource families read, at any
// depth; oddValues are shapes a template may put there that a rule does
// not expect.
var (
	oddTypes = []string{
		"AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy",
		"AWS::SNS::Subscription", "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::Events::Rule",
		"AWS::Events::EventBus", "AWS::Events::EventBusPolicy", "AWS::Scheduler::Schedule",
		"AWS::Kinesis::Stream", "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable",
		"AWS::ApplicationAutoScaling::ScalableTarget", "AWS::StepFunctions::StateMachine",
		"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment",
		"AWS::ApiGateway::Method", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::UsagePlan",
		"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route",
		"AWS::ApiGatewayV2::DomainName", "AWS::WAFv2::WebACLAssociation", "AWS::AppSync::GraphQLApi",
		"AWS::Lambda::EventSourceMapping",
	}
	oddProps = []string{
		"PolicyDocument", "Statement", "Principal", "Condition", "Action", "Policy", "Queues", "Topics",
		"Bucket", "TopicArn", "Protocol", "RedrivePolicy", "FifoQueue", "FifoTopic", "QueueName",
		"KmsMasterKeyId", "SqsManagedSseEnabled", "PublicAccessBlockConfiguration", "AccessControl",
		"BucketEncryption", "VersioningConfiguration", "LoggingConfiguration", "WebsiteConfiguration",
		"CorsConfiguration", "Targets", "Target", "EventBusName", "StreamEncryption", "BillingMode",
		"PointInTimeRecoverySpecification", "SSESpecification", "DeletionProtectionEnabled", "Replicas",
		"WriteProvisionedThroughputSettings", "ScalableDimension", "ResourceId", "StateMachineType",
		"Definition", "DefinitionString", "TracingConfiguration", "RestApiId",
		"ApiId", "StageName", "StageDescription", "AccessLogSetting", "AccessLogSettings", "MethodSettings",
		"DefaultRouteSettings", "TracingEnabled", "CacheClusterEnabled", "HttpMethod", "AuthorizationType",
		"ApiKeyRequired", "RequestValidatorId", "RouteKey", "Body", "EndpointConfiguration",
		"SecurityPolicy", "DomainName", "DomainNameConfigurations", "ApiStages", "ResourceArn",
		"XrayEnabled", "LogConfig", "EventSourceArn", "FunctionName", "BatchSize", "ProtocolType",
	}
	oddValues = []string{`[1, [2], {a: b}]`, `"text"`, `!Ref Param`, `{Fn::If: [C, [x], {y: z}]}`, `{a: [b], c: {d: e}}`, `null`, `7`}
)

// TestOddShapes feeds every resource type the single-resource families
// read with every property they read set to each odd shape, nested two
// levels deep too: no rule may fail.
func TestOddShapes(t *testing.T) {
	reg := Builtin()
	var enable []string
	for _, r := range reg.Rules() {
		enable = append(enable, r.ID)
	}
	run, err := reg.Select(Selection{Only: enable})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, v := range oddValues {
		var b strings.Builder
		b.WriteString("Parameters:\n  Param: {Type: String}\nConditions:\n  C: !Equals [!Ref Param, x]\nResources:\n")
		for j, typ := range oddTypes {
			fmt.Fprintf(&b, "  R%d:\n    Type: %s\n    Properties:\n", j, typ)
			for _, p := range oddProps {
				fmt.Fprintf(&b, "      %s: %s\n", p, v)
			}
			fmt.Fprintf(&b, "  N%d:\n    Type: %s\n    Properties:\n", j, typ)
			for _, p := range oddProps {
				fmt.Fprintf(&b, "      %s:\n", p)
				for _, q := range oddProps {
					fmt.Fprintf(&b, "        %s: %s\n", q, v)
				}
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("odd%d.yaml", i))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		g := iac.Load([]string{path}, iac.Options{})
		if len(g.Resources) < 2*len(oddTypes) {
			t.Fatalf("value %s: %d resources loaded: %v", v, len(g.Resources), g.Diags)
		}
		fs := (&Engine{Registry: reg, Rules: run, IncludeDisabled: true}).Run(g)
		if len(fs) == 0 {
			t.Errorf("value %s: no findings at all", v)
		}
		for _, f := range fs {
			if f.Rule == InternalErrorID {
				t.Errorf("value %s: %s", v, f.Message)
			}
		}
	}
}

// TestScopedReferences loads two templates that share logical ids (the
// loader names their resources file#Id): references must resolve inside
// their own template.
func TestScopedReferences(t *testing.T) {
	dir := t.TempDir()
	a := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.13, Handler: app.handler, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets: [{Id: fn, Arn: !GetAtt Fn.Arn}]
  Alarms:
    Type: AWS::SNS::Topic
    Properties: {KmsMasterKeyId: alias/aws/sns}
  Depth:
    Type: AWS::CloudWatch::Alarm
    Properties: {AlarmActions: [!Ref Alarms], Namespace: AWS/SQS, MetricName: X, Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: GreaterThanThreshold, Statistic: Maximum}
`
	b := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.13, Handler: app.handler, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets: [{Id: fn, Arn: !GetAtt Fn.Arn}]
  Alarms:
    Type: AWS::SNS::Topic
    Properties: {KmsMasterKeyId: alias/aws/sns}
`
	for name, src := range map[string]string{"a.yaml": a, "b.yaml": b} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g := iac.Load([]string{dir}, iac.Options{})
	if g.Resource("Fn") != nil {
		t.Fatalf("ids are not scoped by file: %v", g.Resources[0].ID)
	}
	var got []string
	for _, f := range (&Engine{Registry: Builtin()}).Run(g) {
		if f.Rule == "eventbridge-target-dlq" || f.Rule == "sns-managed-key-service-publisher" {
			got = append(got, f.Rule+" "+f.Resource)
		}
	}
	if len(got) != 1 || got[0] != "sns-managed-key-service-publisher a.yaml#Alarms" {
		t.Errorf("findings %q, want only sns-managed-key-service-publisher on a.yaml#Alarms", got)
	}
}
