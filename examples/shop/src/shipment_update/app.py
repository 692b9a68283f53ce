import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    detail = event["detail"]
    table.update_item(
        Key={"pk": f"ORDER#{detail['orderId']}", "sk": "ORDER"},
        UpdateExpression="SET #s = :s, trackingNumber = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "SHIPPED", ":t": detail["trackingNumber"]},
    )
