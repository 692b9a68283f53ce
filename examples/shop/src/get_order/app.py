import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    item = table.get_item(Key={"pk": f"ORDER#{order_id}", "sk": "ORDER"}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"message": "no such order"})}
    return {"statusCode": 200, "body": json.dumps(item, default=str)}
