import { buckets } from "../packages/core/src/resources";
import type { BucketName } from "../packages/core/src/resources";

// Every bucket of the lake, from the one declaration the embedded stack also reads.
// SST blocks public access by default; encryption at rest is made explicit (SSE-S3).
export const lake = Object.fromEntries(
  (Object.keys(buckets) as BucketName[]).map((name) => {
    const bucket = new sst.aws.Bucket(name, { enforceHttps: true });
    new aws.s3.BucketServerSideEncryptionConfigurationV2(`${name}Encryption`, {
      bucket: bucket.name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    return [name, bucket];
  }),
) as Record<BucketName, sst.aws.Bucket>;
