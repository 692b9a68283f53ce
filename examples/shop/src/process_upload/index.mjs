import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import sharp from "sharp";

const s3 = new S3Client({});

// Writes thumbnails/<name>.jpg into the bucket it is triggered by: the
// trigger only filters on the .jpg suffix, so each thumbnail triggers the
// function again (see README.md, event-loop).
export const handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const original = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const thumbnail = await sharp(await original.Body.transformToByteArray()).resize(200).jpeg().toBuffer();
    const name = key.split("/").pop();
    await s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: `${process.env.THUMBNAIL_PREFIX}${name}`,
      Body: thumbnail,
      ContentType: "image/jpeg",
    }));
  }
};
