import json
import os
import urllib.request

import boto3

payments = boto3.resource("dynamodb").Table(os.environ["PAYMENTS_TABLE"])


def handler(event, context):
    order_id = event["pk"].removeprefix("ORDER#")
    total = sum(line["price"] * line["quantity"] for line in event["lines"])
    request = urllib.request.Request(
        os.environ["PAYMENT_PROVIDER_URL"],
        data=json.dumps({"order": order_id, "amount": str(total)}).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": order_id},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        charge = json.load(response)
    payments.put_item(Item={"orderId": order_id, "chargeId": charge["id"], "amount": str(total), "status": "PAID"})
    return {"orderId": order_id, "chargeId": charge["id"]}
