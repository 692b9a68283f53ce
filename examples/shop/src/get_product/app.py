import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])


def handler(event, context):
    item = table.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"message": "no such product"})}
    return {"statusCode": 200, "body": json.dumps(item, default=str)}
