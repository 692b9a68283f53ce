import json
import os
import urllib.request

import boto3

ssm = boto3.client("ssm")
WEBHOOK = ssm.get_parameter(Name=os.environ["CHAT_WEBHOOK_PARAMETER"], WithDecryption=True)["Parameter"]["Value"]


def handler(event, context):
    for record in event["Records"]:
        alarm = json.loads(record["Sns"]["Message"])
        text = f":rotating_light: {alarm['AlarmName']} is {alarm['NewStateValue']}: {alarm['NewStateReason']}"
        request = urllib.request.Request(WEBHOOK, data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).close()
