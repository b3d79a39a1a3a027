import * as z from "zod/mini";

// Powertools' `S3Schema` as zod's mini build: the same fields and checks, without the classic
// API that Powertools' schemas import (~150 KB of the ingest bundle; test/bench/bundles).

const identity = z.object({ principalId: z.string() });

const s3Record = z.object({
  eventVersion: z.string(),
  eventSource: z.literal("aws:s3"),
  awsRegion: z.string(),
  eventTime: z.iso.datetime(),
  eventName: z.string(),
  userIdentity: identity,
  requestParameters: z.object({ sourceIPAddress: z.union([z.ipv4(), z.literal("s3.amazonaws.com")]) }),
  responseElements: z.object({ "x-amz-request-id": z.string(), "x-amz-id-2": z.string() }),
  s3: z.object({
    s3SchemaVersion: z.string(),
    configurationId: z.string(),
    object: z.object({
      key: z.string(),
      size: z.optional(z.number()),
      urlDecodedKey: z.optional(z.string()),
      eTag: z.optional(z.string()),
      // Only in PUT and DELETE events.
      sequencer: z.optional(z.string()),
      versionId: z.optional(z.string()),
    }),
    bucket: z.object({ name: z.string(), ownerIdentity: identity, arn: z.string() }),
  }),
  glacierEventData: z.optional(
    z.object({
      restoreEventData: z.object({
        lifecycleRestorationExpiryTime: z.string(),
        lifecycleRestoreStorageClass: z.string(),
      }),
    }),
  ),
});

/** An S3 event notification as Lambda receives it: one or more records. */
export const s3EventSchema = z.object({ Records: z.array(s3Record).check(z.minLength(1)) });
