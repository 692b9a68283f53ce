package cfn

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchTemplateYAML generates a realistic SAM template of about size bytes:
// Parameters, Conditions, Globals, then a cycle of varied resource blocks
// (functions with events, queues with redrive, tables, topics, roles with
// policies, a state machine) using the short-form tags, and Outputs.
func benchTemplateYAML(size int) []byte {
	var b strings.Builder
	b.WriteString(`AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  Orders service: API, workers, queues and tables.
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, staging, prod]
  LogRetention:
    Type: Number
    Default: 14
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Globals:
  Function:
    Runtime: python3.12
    MemorySize: 512
    Timeout: 30
    Tracing: Active
    Environment:
      Variables:
        STAGE: !Ref Stage
        POWERTOOLS_SERVICE_NAME: orders
Resources:
`)
	blocks := []string{
		`  %[1]sFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.%[2]s.handler
      CodeUri: src/%[2]s/
      Architectures: [arm64]
      ReservedConcurrentExecutions: 10
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref %[1]sTable
        - SQSSendMessagePolicy:
            QueueName: !GetAtt %[1]sQueue.QueueName
      Events:
        Api:
          Type: Api
          Properties:
            Path: /%[2]s/{id}
            Method: get
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt %[1]sQueue.Arn
            BatchSize: 10
            FunctionResponseTypes:
              - ReportBatchItemFailures
`,
		`  %[1]sQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-%[2]s"
      VisibilityTimeout: 180
      MessageRetentionPeriod: 1209600
      KmsMasterKeyId: alias/aws/sqs
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt [%[1]sDLQ, Arn]
        maxReceiveCount: 5
  %[1]sDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
`,
		`  %[1]sTable:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: !Join ['-', [!Ref Stage, %[2]s]]
      BillingMode: PAY_PER_REQUEST
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: !If [IsProd, true, false]
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
        - AttributeName: sk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
        - AttributeName: sk
          KeyType: RANGE
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES
`,
		`  %[1]sTopic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub
        - "${Prefix}-%[2]s-events"
        - Prefix: !Ref Stage
      KmsMasterKeyId: alias/aws/sns
      Subscription:
        - Protocol: sqs
          Endpoint: !GetAtt %[1]sQueue.Arn
  %[1]sRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: [lambda.amazonaws.com]
            Action: sts:AssumeRole
      Policies:
        - PolicyName: access
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']
                Resource: !GetAtt %[1]sTable.Arn
              - Effect: Allow
                Action: sns:Publish
                Resource: !Ref %[1]sTopic
`,
		`  %[1]sWorkflow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Logging:
        Level: ERROR
        IncludeExecutionData: false
      Definition:
        StartAt: Process
        States:
          Process:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !GetAtt %[1]sFunction.Arn
              Payload.$: $
            Retry:
              - ErrorEquals: [States.TaskFailed]
                IntervalSeconds: 2
                MaxAttempts: 3
                BackoffRate: 2.0
            End: true
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Enabled: !If [IsProd, true, false]
`,
	}
	names := []string{"Orders", "Payments", "Invoices", "Shipping", "Returns", "Customers", "Catalog", "Reviews", "Coupons", "Carts"}
	var outputs strings.Builder
	outputs.WriteString("Outputs:\n")
	for i := 0; b.Len()+outputs.Len() < size-300; i++ {
		name := names[(i/len(blocks))%len(names)]
		if i >= len(blocks)*len(names) {
			name = fmt.Sprintf("%s%d", name, i)
		}
		fmt.Fprintf(&b, blocks[i%len(blocks)], name, strings.ToLower(name))
		if i%len(blocks) == 0 {
			fmt.Fprintf(&outputs, "  %[1]sFunctionArn:\n    Value: !GetAtt %[1]sFunction.Arn\n    Export:\n      Name: !Sub '${AWS::StackName}-%[1]s'\n", name)
		}
	}
	b.WriteString(outputs.String())
	return []byte(b.String())
}

// benchTemplateJSON is the same template as CloudFormation JSON, indented
// the way `aws cloudformation get-template` and the CDK write it.
func benchTemplateJSON(tb testing.TB, size int) []byte {
	root, _, err := ParseDocument("bench.yaml", benchTemplateYAML(size))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := json.MarshalIndent(root.Plain(), "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func BenchmarkParseYAML(b *testing.B) {
	data := benchTemplateYAML(7 << 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseDocument("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	data := benchTemplateJSON(b, 7<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseDocument("bench.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseYAMLv3 is the same template read by yaml.v3, the path
// documents outside the fast path's subset take.
func BenchmarkParseYAMLv3(b *testing.B) {
	data := benchTemplateYAML(7 << 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parseYAMLv3("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTemplate is Parse (document and resource list) on the YAML
// template, what a loader calls.
func BenchmarkParseTemplate(b *testing.B) {
	data := benchTemplateYAML(7 << 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
