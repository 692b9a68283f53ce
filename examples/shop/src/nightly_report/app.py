import csv
import io
import os
from datetime import date, timedelta

import boto3

orders = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
s3 = boto3.client("s3")


def handler(event, context):
    day = (date.today() - timedelta(days=1)).isoformat()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order", "status", "created"])
    scan = {"FilterExpression": "begins_with(createdAt, :d)", "ExpressionAttributeValues": {":d": day}}
    while True:
        page = orders.scan(**scan)
        for item in page["Items"]:
            writer.writerow([item["pk"], item["status"], item["createdAt"]])
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    s3.put_object(Bucket=os.environ["REPORTS_BUCKET"], Key=f"daily/{day}.csv", Body=out.getvalue())
