package cfn

import (
	"fmt"
	"strings"
	"testing"
)

// adaptBenchTemplate is a typical ~7 KB plain CloudFormation template: n
// functions, each with a role and inline policy, a queue with a DLQ and an
// event source mapping, a table, and an environment naming them.
func adaptBenchTemplate(n int) string {
	var b strings.Builder
	b.WriteString("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Stage:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n")
	for i := range n {
		fmt.Fprintf(&b, `  Fn%[1]d:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-fn%[1]d-${Stage}"
      Runtime: python3.12
      Handler: app.handler
      MemorySize: !If [IsProd, 1024, 256]
      Timeout: 30
      Role: !GetAtt Fn%[1]dRole.Arn
      Environment:
        Variables:
          TABLE: !Ref Table%[1]d
          QUEUE_URL: !Ref Queue%[1]d
      Tags:
        - Key: team
          Value: orders
  Fn%[1]dRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: data
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:PutItem, dynamodb:GetItem, dynamodb:Query]
                Resource: [!GetAtt Table%[1]d.Arn, !Sub "${Table%[1]d.Arn}/index/*"]
              - Effect: Allow
                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
                Resource: !GetAtt Queue%[1]d.Arn
  Queue%[1]d:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq%[1]d.Arn
        maxReceiveCount: 5
  Dlq%[1]d:
    Type: AWS::SQS::Queue
  Mapping%[1]d:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue%[1]d.Arn
      FunctionName: !Ref Fn%[1]d
      BatchSize: 10
  Table%[1]d:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
`, i)
	}
	return b.String()
}

// BenchmarkAdapt measures Adapt alone on a ~7 KB template.
func BenchmarkAdapt(b *testing.B) {
	src := []byte(adaptBenchTemplate(4))
	tpl, err := Parse("bench.yaml", src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Adapt(tpl, Options{Region: "us-east-1"})
	}
}

// BenchmarkLoad measures parse plus adapt, the whole load of one template:
// the budget is 500µs (2,000 templates a second on one core).
func BenchmarkLoad(b *testing.B) {
	src := []byte(adaptBenchTemplate(4))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		tpl, err := Parse("bench.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		Adapt(tpl, Options{Region: "us-east-1"})
	}
}

func TestAdaptBenchTemplate(t *testing.T) {
	src := adaptBenchTemplate(4)
	if len(src) < 6000 || len(src) > 8000 {
		t.Fatalf("bench template is %d bytes, want about 7 KB", len(src))
	}
	tpl, err := Parse("bench.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g := Adapt(tpl, Options{})
	if len(g.Diags) > 0 || len(g.Resources) != 24 || len(g.Edges) < 4*7 {
		t.Fatalf("diags %v, %d resources, %d edges", g.Diags, len(g.Resources), len(g.Edges))
	}
}
