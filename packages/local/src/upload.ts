import { createReadStream } from "node:fs";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

/** Files up to this size go in one streamed PUT; larger ones in parts (S3 takes 5 GB in one PUT). */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
/** The size of each part of a multipart upload (S3: at least 5 MB, at most 10,000 parts). */
export const PART_BYTES = 16 * 1024 * 1024;

/** A failed upload, naming the file and the key. */
export class UploadError extends Error {
  override name = "UploadError";
}

/**
 * Uploads a local file to S3 streamed from disk, in one PUT or, past
 * {@link MULTIPART_THRESHOLD_BYTES}, in parts one at a time: memory stays at about one part
 * whatever the file's size. A failed multipart upload is aborted, so no part lingers.
 * @param options the client, where to, the file and its size
 * @returns the object's ETag
 * @throws UploadError naming the file
 */
export async function uploadFile({
  s3,
  bucket,
  key,
  path,
  size,
}: {
  s3: S3Client;
  bucket: string;
  key: string;
  path: string;
  size: number;
}): Promise<string> {
  try {
    if (size <= MULTIPART_THRESHOLD_BYTES) {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size }),
      );
      return put.ETag ?? "";
    }
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += PART_BYTES, PartNumber++) {
        const end = Math.min(size, start + PART_BYTES);
        const part = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body: createReadStream(path, { start, end: end - 1 }),
            ContentLength: end - start,
          }),
        );
        parts.push({ ETag: part.ETag ?? "", PartNumber });
      }
      const done = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
      );
      return done.ETag ?? "";
    } catch (error) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    throw new UploadError(`${path}: uploading to s3://${bucket}/${key} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
