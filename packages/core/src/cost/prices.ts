/**
 * AWS's published on-demand prices (us-east-1, USD) for what a run uses: the one place they are
 * written. `medallion journeys`, the local page and `medallion cost` price usage with them.
 */
export const awsPrices = {
  athena: {
    /** Per terabyte (2^40 bytes) scanned. */
    perTerabyteScanned: 5,
    /** Athena bills at least this much per query, and rounds each query up to the next megabyte. */
    minimumBytesPerQuery: 10 * 1024 ** 2,
  },
  lambda: {
    /** Per GB-second of billed duration × configured memory (x86). */
    perGbSecond: 0.0000166667,
    /** Per million requests. */
    perMillionRequests: 0.2,
  },
  stepFunctions: {
    /** Per thousand state transitions (standard workflows). */
    perThousandTransitions: 0.025,
  },
  s3: {
    /** Per thousand PUT, COPY, POST or LIST requests (S3 Standard). */
    perThousandWrites: 0.005,
    /** Per thousand GET and other requests. */
    perThousandReads: 0.0004,
  },
  dynamodb: {
    /** Per million write request units (on-demand). */
    perMillionWrites: 0.625,
    /** Per million read request units (on-demand). */
    perMillionReads: 0.125,
  },
} as const;

/** A price list shaped as {@link awsPrices}. */
export type Prices = typeof awsPrices;

/**
 * What this design replaces: a Glue job that re-read all of silver every hour, and what it cost
 * a month for a known volume. `medallion cost` scales it linearly with the volume it is asked about.
 */
export const glueReference = {
  /** USD a month. */
  monthlyUsd: 53.7,
  /** Landing files a month it was measured on. */
  filesPerMonth: 3_000,
  /** Bytes a month it was measured on (~20 GB). */
  bytesPerMonth: 20 * 1024 ** 3,
} as const;
