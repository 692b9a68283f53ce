import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])


def handler(event, context):
    for line in event["lines"]:
        table.update_item(
            Key={"id": line["productId"]},
            UpdateExpression="SET stock = stock - :q",
            ConditionExpression="stock >= :q",
            ExpressionAttributeValues={":q": line["quantity"]},
        )
    return event
