import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatasetSpec } from "../../src/dataset/spec";
import { ingestObject } from "../../src/ingest/ingest";
import type { IngestContext } from "../../src/ingest/types";
import type { LedgerEntry } from "../../src/ledger/ledger";
import { getLedgerEntry, MAX_RECORDED_DAYS } from "../../src/ledger/ledger";
import type { SilverLedger } from "../../src/silver/ledger";
import { dynamoSilverLedger } from "../../src/silver/ledger";
import { objectInfo, rangedBuffer } from "../../src/silver/objects";
import { parquetPartitions, partitionDays } from "../../src/silver/partition";
import { pathCatalog } from "../../src/silver/path-catalog";
import type { PlanSilverOptions } from "../../src/silver/plan";
import { planSilver } from "../../src/silver/plan";

// Readings whose time is a struct's field, absent on some rows (no struct, or no time in it).
const spec: DatasetSpec = {
  name: "readings",
  landingPrefix: "readings/",
  fields: [
    { name: "id", type: "string", required: true },
    { name: "event", type: "struct", fields: [{ name: "at", type: "timestamp" }] },
  ],
  silver: {
    partition: { from: "event_at", year: "y", month: "m", day: "d" },
    dedup: { key: ["id", "y", "m", "d"], order: [{ column: "event_at", descending: true }] },
    retentionDays: 7,
  },
};
const partition = spec.silver!.partition;

// 2,000 readings 37 minutes apart over seven weeks: every third written with an offset that puts
// its local date a day behind its UTC one for part of each day, every eleventh without a time.
const readings = (first: string, count = 2_000): string =>
  Array.from({ length: count }, (_, i) => {
    const ms = Date.parse(first) + i * 37 * 60_000;
    if (i % 11 === 0) return JSON.stringify({ id: `r${i}`, ...(i % 2 ? { event: null } : { event: {} }) });
    const at = i % 3 === 0 ? new Date(ms - 5 * 3_600_000).toISOString().replace("Z", "-05:00") : new Date(ms);
    return JSON.stringify({ id: `r${i}`, event: { at } });
  }).join("\n");

// The UTC day of each timed reading, computed apart from the code under test.
const expectedDays = (first: string, count = 2_000): number[] =>
  [
    ...new Set(
      Array.from({ length: count }, (_, i) => i)
        .filter((i) => i % 11 !== 0)
        .map((i) =>
          Number(new Date(Date.parse(first) + i * 37 * 60_000).toISOString().slice(0, 10).replaceAll("-", "")),
        ),
    ),
  ].sort((a, b) => a - b);

describe("planSilver from what ingest recorded", () => {
  let lake: TestLake;
  let ctx: IngestContext;
  let options: PlanSilverOptions<LedgerEntry>;
  let n = 0;
  beforeAll(async () => {
    lake = await startTestLake();
  });
  afterAll(async () => lake.close());
  // Each test on a dataset of its own (same spec, its own name): nothing pending from another.
  beforeEach(() => {
    n += 1;
    const dataset: DatasetSpec = { ...spec, name: `readings_${n}`, landingPrefix: `readings_${n}/` };
    ctx = {
      s3: lake.s3,
      doc: lake.doc,
      ledgerTable: lake.names.Ledger!,
      bronzeBucket: lake.names.Bronze!,
      quarantineBucket: lake.names.Quarantine!,
      datasets: [dataset],
      tmpDir: lake.dataDir,
    };
    options = {
      spec: dataset,
      ledger: dynamoSilverLedger({ doc: lake.doc, table: lake.names.Ledger! }),
      s3: lake.s3,
      catalog: pathCatalog({ s3: lake.s3, bucket: lake.names.Silver!, key: `catalog/${dataset.name}.json` }),
      buckets: { bronze: lake.names.Bronze!, silver: lake.names.Silver! },
      tables: {
        bronze: { database: "bronze", name: dataset.name },
        silver: { database: "silver", name: dataset.name },
      },
    };
  });

  async function ingest(name: string, body: string): Promise<LedgerEntry> {
    const key = `${ctx.datasets[0]!.landingPrefix}${name}.ndjson`;
    const put = await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Landing!, Key: key, Body: body }));
    const result = await ingestObject({ bucket: lake.names.Landing!, key, etag: put.ETag! }, ctx);
    return (await getLedgerEntry(lake.doc, ctx.ledgerTable, result.dataset!, result.fileId))!;
  }

  // What reading a file's bronze object gives: its days, rows, and rows without a timestamp.
  async function readBronze(entry: LedgerEntry) {
    const bucket = lake.names.Bronze!;
    const object = rangedBuffer(lake.s3, bucket, await objectInfo(lake.s3, bucket, entry.bronze_key!));
    const read = await parquetPartitions(object, ["event", "at"], partition);
    return {
      days: partitionDays(read.partitions, partition),
      rows: read.rows,
      withoutTimestamp: read.withoutTimestamp,
    };
  }

  // The S3 requests a plan makes of the bronze bucket, by command.
  async function bronzeRequests<T>(act: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const commands: string[] = [];
    const name = "countBronzeRequests";
    lake.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if ((args.input as { Bucket?: string }).Bucket === lake.names.Bronze) commands.push(context.commandName!);
        return next(args);
      },
      { step: "initialize", name },
    );
    try {
      return { result: await act(), commands };
    } finally {
      lake.s3.middlewareStack.remove(name);
    }
  }

  // The same ledger, its entries as written before ingest recorded what silver plans from.
  const withoutRecords = (ledger: SilverLedger<LedgerEntry>): SilverLedger<LedgerEntry> => ({
    ...ledger,
    listPending: async (dataset) =>
      (await ledger.listPending(dataset)).map(
        ({ bronze_etag, bronze_rows, bronze_rows_without_timestamp, partition_days, ...entry }) => entry,
      ),
  });

  it("records at ingest the days, rows and rows without a timestamp that reading the bronze object gives", async () => {
    // Prepare + Act
    const entry = await ingest("weeks", readings("2024-03-28T00:00:00Z"));
    // Assess
    const read = await readBronze(entry);
    expect(read.days).toEqual(expectedDays("2024-03-28T00:00:00Z"));
    expect(read.withoutTimestamp).toBe(182);
    expect(entry).toMatchObject({
      partition_days: read.days,
      bronze_rows: read.rows,
      bronze_rows_without_timestamp: read.withoutTimestamp,
    });
    const head = await objectInfo(lake.s3, lake.names.Bronze!, entry.bronze_key!);
    expect(entry.bronze_etag).toBe(head.etag!.replaceAll('"', ""));
  });

  it("plans a recorded file with one HEAD of its bronze object, as reading the object would plan it", async () => {
    // Prepare: two files of overlapping weeks.
    await ingest("a", readings("2024-03-28T00:00:00Z"));
    await ingest("b", readings("2024-04-10T12:00:00Z", 500));
    // Act
    const recorded = await bronzeRequests(() => planSilver(options));
    const read = await bronzeRequests(() => planSilver({ ...options, ledger: withoutRecords(options.ledger) }));
    // Assess: the same plan, without a GET of bronze
    expect(recorded.commands).toEqual(["HeadObjectCommand", "HeadObjectCommand"]);
    expect(read.commands).toContain("GetObjectCommand");
    const { files: _recordedFiles, ...recordedPlan } = recorded.result;
    const { files: _readFiles, ...readPlan } = read.result;
    expect(recordedPlan).toEqual(readPlan);
    expect(recorded.result.files.map((f) => f.partition_days)).toEqual(read.result.files.map((f) => f.partition_days));
    expect(recordedPlan.rowsIn).toBe(2_500);
    expect(recordedPlan.rowsWithoutTimestamp).toBe(182 + 46);
    const days = new Set([...expectedDays("2024-03-28T00:00:00Z"), ...expectedDays("2024-04-10T12:00:00Z", 500)]);
    expect(recordedPlan.partitions).toHaveLength(days.size);
  });

  it("records nothing to plan from for a file of more days than an entry holds: planning reads its bronze object", async () => {
    // Prepare: one reading a day, a day more than an entry holds.
    const days = MAX_RECORDED_DAYS + 1;
    const body = Array.from({ length: days }, (_, i) =>
      JSON.stringify({ id: `r${i}`, event: { at: new Date(Date.UTC(1950, 0, 1 + i, 12)) } }),
    ).join("\n");
    // Act
    const entry = await ingest("decades", body);
    const planned = await bronzeRequests(() => planSilver(options));
    // Assess
    expect(entry.partition_days).toBeUndefined();
    expect(entry.bronze_etag).toBeUndefined();
    expect(planned.commands).toContain("GetObjectCommand");
    expect(planned.result.partitions).toHaveLength(days);
    expect(planned.result.rowsIn).toBe(days);
  });

  it("counts a recorded file whose bronze object is missing or not Parquet as its own failure, and plans the rest", async () => {
    // Prepare: three files; the first's object deleted, the second's overwritten with other bytes.
    const missing = await ingest("missing", readings("2024-01-01T00:00:00Z", 100));
    const corrupt = await ingest("corrupt", readings("2024-01-02T00:00:00Z", 100));
    const good = await ingest("good", readings("2024-01-03T00:00:00Z", 100));
    const bronze = lake.names.Bronze!;
    await lake.s3.send(new DeleteObjectCommand({ Bucket: bronze, Key: missing.bronze_key }));
    await lake.s3.send(new PutObjectCommand({ Bucket: bronze, Key: corrupt.bronze_key, Body: "not parquet at all" }));
    // Act
    const plan = await planSilver(options);
    // Assess
    expect(plan.files.map((f) => f.file_id)).toEqual([good.file_id]);
    expect(plan.more).toBe(true);
    for (const entry of [missing, corrupt]) {
      const after = await getLedgerEntry(lake.doc, ctx.ledgerTable, entry.dataset, entry.file_id);
      expect(after).toMatchObject({ status: "bronze", failures: 1, failed_step: "plan" });
      expect(after?.last_error).toMatch(/^BronzeReadError: cannot read column event\.at of bronze file/);
    }
  });

  it("reads a recorded file's bronze object when it was replaced since, and plans the rows it holds now", async () => {
    // Prepare: the file's bronze object replaced by another valid file's, of other days.
    const replaced = await ingest("replaced", readings("2024-06-01T00:00:00Z", 100));
    const other = await ingest("other", readings("2025-02-01T00:00:00Z", 300));
    const bronze = lake.names.Bronze!;
    const bytes = await (
      await lake.s3.send(new GetObjectCommand({ Bucket: bronze, Key: other.bronze_key }))
    ).Body!.transformToByteArray();
    await lake.s3.send(new PutObjectCommand({ Bucket: bronze, Key: replaced.bronze_key, Body: bytes }));
    // Act
    const plan = await planSilver(options);
    // Assess: both files' rows are the other file's, on its days only
    expect(plan.files.map((f) => f.partition_days)).toEqual([other.partition_days, other.partition_days]);
    expect(plan.rowsIn).toBe(600);
    expect(plan.rowsWithoutTimestamp).toBe(2 * other.bronze_rows_without_timestamp!);
  });
});
