import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";

const ses = new SESv2Client({});

export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const order = JSON.parse(record.body);
      await ses.send(new SendEmailCommand({
        FromEmailAddress: process.env.SENDER,
        Destination: { ToAddresses: [order.email.S] },
        Content: { Simple: { Subject: { Data: "Your order" }, Body: { Text: { Data: `Order ${order.pk.S} is ${order.status.S}.` } } } },
      }));
    } catch (err) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
