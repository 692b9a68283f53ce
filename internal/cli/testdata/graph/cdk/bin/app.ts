import * as cdk from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";

const app = new cdk.App();
const stack = new cdk.Stack(app, "MyStack");

const dlq = new sqs.Queue(stack, "OrdersDLQ", { retentionPeriod: cdk.Duration.days(14) });
const queue = new sqs.Queue(stack, "OrdersQueue", {
  visibilityTimeout: cdk.Duration.seconds(180),
  deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
});
const table = new dynamodb.Table(stack, "OrdersTable", {
  partitionKey: { name: "id", type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
});
const handler = new lambda.Function(stack, "Handler", {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: "index.handler",
  code: lambda.Code.fromAsset("lambda"),
  memorySize: 256,
  timeout: cdk.Duration.seconds(30),
  environment: { TABLE_NAME: table.tableName },
});
handler.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
table.grantWriteData(handler);
