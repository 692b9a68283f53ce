import json
import os

import boto3

sns = boto3.client("sns")
TOPIC_ARN = os.environ["ORDER_EVENTS_TOPIC_ARN"]


def handler(event, context):
    # Any exception fails the whole batch, and the mapping retries it until
    # the records expire: see README.md, stream-failure-handling.
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("OldImage")
        sns.publish(
            TopicArn=TOPIC_ARN,
            Message=json.dumps(image),
            MessageAttributes={"eventName": {"DataType": "String", "StringValue": record["eventName"]}},
        )
