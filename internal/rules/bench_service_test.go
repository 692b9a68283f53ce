package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/iac/corpus"
)

// serviceTemplate is a CloudFormation template with n copies of a
// bucket with a policy, a topic with a policy and an alarm, a FIFO queue
// pair, a REST API with a stage and a method, a state machine and a
// table: what the single-resource families read.
func serviceTemplate(n int) string {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := range n {
		fmt.Fprintf(&b, `  Bucket%[1]d:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration: {BlockPublicAcls: true}
  BucketPolicy%[1]d:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket%[1]d
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: !Sub "${Bucket%[1]d.Arn}/*"}
  Topic%[1]d:
    Type: AWS::SNS::Topic
    Properties: {KmsMasterKeyId: alias/aws/sns}
  TopicPolicy%[1]d:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic%[1]d]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: cloudwatch.amazonaws.com}, Action: sns:Publish, Resource: !Ref Topic%[1]d}
  Alarm%[1]d:
    Type: AWS::CloudWatch::Alarm
    Properties: {AlarmActions: [!Ref Topic%[1]d], Namespace: AWS/SQS, MetricName: X, Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: GreaterThanThreshold, Statistic: Maximum}
  Queue%[1]d:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DLQ%[1]d.Arn, maxReceiveCount: 5}
  DLQ%[1]d:
    Type: AWS::SQS::Queue
  Api%[1]d:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: api%[1]d}
  Stage%[1]d:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api%[1]d, DeploymentId: d, StageName: prod}
  Method%[1]d:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api%[1]d, ResourceId: r, HttpMethod: POST, AuthorizationType: NONE, Integration: {Type: MOCK}}
  Flow%[1]d:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineType: EXPRESS
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition: {StartAt: W, States: {W: {Type: Wait, Seconds: 600, End: true}}}
  Table%[1]d:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}
`, i)
	}
	return b.String()
}

// BenchmarkServiceRules runs the single-resource families (every rule,
// opt-in ones included) over the 600 generated templates of the audit
// speed target, and over a loaded template of n service groups, 14
// resources each.
func BenchmarkServiceRules(b *testing.B) {
	var rs []*Rule
	for _, f := range [][]*Rule{deliveryRules(), messagingRules(), s3Rules(), apiRules(), stepFunctionsRules(), dynamoDBRules()} {
		rs = append(rs, f...)
	}
	b.Run("corpus=600", func(b *testing.B) {
		dir := b.TempDir()
		if _, err := corpus.Generate(dir, 600, 1); err != nil {
			b.Fatal(err)
		}
		g := iac.Load([]string{dir}, iac.Options{})
		reg, err := NewRegistry(rs...)
		if err != nil {
			b.Fatal(err)
		}
		e := &Engine{Registry: reg, Rules: reg.Rules(), ReadFile: func(string) ([]byte, error) { return nil, nil }}
		b.ReportAllocs()
		for b.Loop() {
			e.Run(g)
		}
	})
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(serviceTemplate(n)), 0o644); err != nil {
				b.Fatal(err)
			}
			g := iac.Load([]string{path}, iac.Options{})
			reg, err := NewRegistry(rs...)
			if err != nil {
				b.Fatal(err)
			}
			e := &Engine{Registry: reg, Rules: reg.Rules(), ReadFile: func(string) ([]byte, error) { return nil, nil }}
			b.ReportAllocs()
			for b.Loop() {
				if fs := e.Run(g); len(fs) < 10*n {
					b.Fatalf("%d findings", len(fs))
				}
			}
		})
	}
}
