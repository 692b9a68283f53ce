import json
import os
import uuid
from datetime import datetime, timezone

import boto3

dynamodb = boto3.resource("dynamodb")
orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
products = dynamodb.Table(os.environ["PRODUCTS_TABLE"])


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    customer = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    lines = []
    for line in body.get("lines", []):
        product = products.get_item(Key={"id": line["productId"]}).get("Item")
        if product is None:
            return {"statusCode": 400, "body": json.dumps({"message": f"unknown product {line['productId']}"})}
        lines.append({"productId": line["productId"], "quantity": int(line["quantity"]), "price": product["price"]})
    order_id = str(uuid.uuid4())
    orders.put_item(Item={
        "pk": f"ORDER#{order_id}",
        "sk": "ORDER",
        "customer": customer,
        "lines": lines,
        "status": "NEW",
        "createdAt": datetime.now(timezone.utc).isoformat(),
    })
    return {"statusCode": 201, "body": json.dumps({"orderId": order_id})}
