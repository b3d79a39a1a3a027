import type { BucketName } from "@medallion/core/resources";
import { buckets } from "@medallion/core/resources";

// Landing files are moved under `_done/` once ingested (see packages/core/src/ingest/archive.ts);
// their records live on in bronze, so the archive copies expire. `_failed/` is kept until
// someone has looked at it: no rule. Athena's results (every query writes some) are read once,
// by the caller that waited for them; silver plans, by the execution that made them.
const lifecycle: Partial<Record<BucketName, sst.aws.BucketArgs["lifecycle"]>> = {
  Landing: [{ id: "expire-ingested-landing-files", prefix: "_done/", expiresIn: "90 days" }],
  AthenaResults: [{ id: "expire-query-results", expiresIn: "7 days" }],
  Silver: [{ id: "expire-silver-plans", prefix: "_plans/", expiresIn: "30 days" }],
};

// Every bucket of the lake, from the one declaration the embedded stack also reads.
// SST blocks public access by default; encryption at rest is made explicit (SSE-S3).
export const lake = Object.fromEntries(
  (Object.keys(buckets) as BucketName[]).map((name) => {
    const bucket = new sst.aws.Bucket(name, {
      enforceHttps: true,
      ...(lifecycle[name] ? { lifecycle: lifecycle[name] } : {}),
    });
    new aws.s3.BucketServerSideEncryptionConfigurationV2(`${name}Encryption`, {
      bucket: bucket.name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    return [name, bucket];
  }),
) as Record<BucketName, sst.aws.Bucket>;
