import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])


def handler(event, context):
    items = table.scan(Limit=50)["Items"]
    return {"statusCode": 200, "body": json.dumps(items, default=str)}
