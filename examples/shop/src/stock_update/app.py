import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])


def handler(event, context):
    # One bad message fails all ten: see README.md, batch-item-failures.
    for record in event["Records"]:
        update = json.loads(record["body"])
        table.update_item(
            Key={"id": update["productId"]},
            UpdateExpression="SET stock = :s",
            ExpressionAttributeValues={":s": int(update["stock"])},
        )
