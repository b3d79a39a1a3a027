import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { ingestObject } from "../../src/ingest/ingest";
import type { IngestContext, IngestResult } from "../../src/ingest/types";
import { getLedgerEntry } from "../../src/ledger/ledger";

const ok = (n: number) =>
  JSON.stringify({
    carChassis: `CAR${n}`,
    currentMileage: 1000 + n,
    metricTimestamp: "2024-03-01T10:00:00Z",
    metrics: { trip: { tripMileage: n } },
  });
const lines = (...values: string[]) => `${values.join("\n")}\n`;
const utf8 = (text: string) => new TextEncoder().encode(text);

interface Case {
  name: string;
  key?: string;
  body: Uint8Array | (() => Uint8Array);
  status: IngestResult["status"];
  bronze: number;
  quarantined: number;
  /** Reason of the whole file, or of each rejected record, in order. */
  reasons: RegExp[];
}

const corpus: Case[] = [
  {
    name: "an empty file (its key has spaces, + and non-ASCII)",
    key: "car_telemetry/corpus/empty + file ção.json",
    body: utf8(""),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/^empty file$/],
  },
  {
    name: "NDJSON whose last line is cut short",
    body: utf8(`${ok(1)}\n{"carChassis":"CAR2","currentMil`),
    status: "bronze",
    bronze: 1,
    quarantined: 1,
    reasons: [/not valid JSON|Unterminated|Unexpected end/i],
  },
  {
    name: "a single object cut short",
    body: utf8(`{"carChassis":"CAR2","currentMil`),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/line 1 is never closed/],
  },
  {
    name: "an array that never closes",
    body: utf8(`[${ok(1)},\n${ok(2)}`),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/array is never closed/],
  },
  {
    name: "non-UTF-8 bytes",
    body: Uint8Array.from([...utf8(`${ok(1)}\n{"carChassis":"caf`), 0xe9, ...utf8('"}\n')]),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/not valid UTF-8/],
  },
  {
    name: "a top-level scalar",
    body: utf8("42\n"),
    status: "quarantined",
    bronze: 0,
    quarantined: 1,
    reasons: [/not a JSON object \(got a number\)/],
  },
  {
    name: "records that are not objects",
    body: utf8(lines(ok(1), "[1,2]", '"text"', "null", ok(2))),
    status: "bronze",
    bronze: 2,
    quarantined: 3,
    reasons: [/got an array/, /got a string/, /got null/],
  },
  {
    name: "array elements that are not objects",
    body: utf8(`[${ok(1)}, 7, ${ok(2)}]`),
    status: "bronze",
    bronze: 2,
    quarantined: 1,
    reasons: [/got a number/],
  },
  {
    name: "wrong types",
    body: utf8(
      lines(
        ok(1),
        '{"carChassis":{"id":12},"currentMileage":"12","metricTimestamp":"2024-03-01T10:00:00Z"}',
        '{"carChassis":"X","currentMileage":1,"metricTimestamp":"yesterday"}',
      ),
    ),
    status: "bronze",
    bronze: 1,
    quarantined: 2,
    reasons: [/schema: carChassis: .*currentMileage/, /schema: metricTimestamp/],
  },
  {
    name: "missing required fields",
    body: utf8(lines('{"carChassis":"X"}', ok(1))),
    status: "bronze",
    bronze: 1,
    quarantined: 1,
    reasons: [/schema: currentMileage: .*metricTimestamp/],
  },
  {
    name: "a 50 MB string",
    body: () =>
      utf8(
        lines(
          ok(1),
          `{"carChassis":"${"x".repeat(50 * 1024 * 1024)}","currentMileage":1,"metricTimestamp":"2024-03-01T10:00:00Z"}`,
          ok(2),
        ),
      ),
    status: "bronze",
    bronze: 2,
    quarantined: 1,
    reasons: [/characters, over the limit/],
  },
  {
    name: "nesting 10,000 deep",
    body: utf8(lines(ok(1), `{"deep":${"[".repeat(10_000)}${"]".repeat(10_000)}}`, ok(2))),
    status: "bronze",
    bronze: 2,
    quarantined: 1,
    reasons: [/nested deeper than 32 levels/],
  },
  {
    name: "duplicate keys",
    body: utf8(
      lines('{"carChassis":"A","carChassis":"B","currentMileage":1,"metricTimestamp":"2024-03-01T10:00:00Z"}', ok(1)),
    ),
    status: "bronze",
    bronze: 1,
    quarantined: 1,
    reasons: [/duplicate key/],
  },
  {
    name: "NaN, Infinity and overflowing numbers",
    body: utf8(
      lines(
        ok(1),
        '{"carChassis":"A","currentMileage":NaN,"metricTimestamp":"2024-03-01T10:00:00Z"}',
        '{"carChassis":"A","currentMileage":Infinity,"metricTimestamp":"2024-03-01T10:00:00Z"}',
        '{"carChassis":"A","currentMileage":-1e999,"metricTimestamp":"2024-03-01T10:00:00Z"}',
      ),
    ),
    status: "bronze",
    bronze: 1,
    quarantined: 3,
    reasons: [/invalid JSON/, /invalid JSON/, /currentMileage: number is not finite/],
  },
  {
    name: "a field name with ../",
    body: utf8(
      lines(ok(1), '{"carChassis":"A","currentMileage":1,"metricTimestamp":"2024-03-01T10:00:00Z","../../x":1}'),
    ),
    status: "bronze",
    bronze: 1,
    quarantined: 1,
    reasons: [/unsafe field name "..\/..\/x"/],
  },
  {
    name: "invalid JSON inside one record",
    body: utf8(lines(ok(1), '{"carChassis":"A",}', ok(2))),
    status: "bronze",
    bronze: 2,
    quarantined: 1,
    reasons: [/invalid JSON/],
  },
  {
    name: "a UTF-8 byte-order mark (not an error)",
    body: Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(lines(ok(1), ok(2)))]),
    status: "bronze",
    bronze: 2,
    quarantined: 0,
    reasons: [],
  },
  {
    name: "a landing key with ../",
    key: "car_telemetry/../../etc/passwd.json",
    body: utf8(lines(ok(1))),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/unsafe landing key .*'\.\.' path segment/],
  },
  {
    name: "a key under no dataset",
    key: "mystery/readings.json",
    body: utf8(lines(ok(1))),
    status: "quarantined",
    bronze: 0,
    quarantined: 0,
    reasons: [/no dataset's landing prefix matches/],
  },
];

describe("ingestObject", () => {
  let stack: TestLake;
  let ctx: IngestContext;
  let landing: string;
  beforeAll(async () => {
    stack = await startTestLake();
    const { names } = stack.services;
    landing = names.Landing!;
    ctx = {
      s3: stack.s3,
      doc: stack.doc,
      ledgerTable: names.Ledger!,
      bronzeBucket: names.Bronze!,
      quarantineBucket: names.Quarantine!,
      datasets: [carTelemetry],
      tmpDir: stack.dataDir,
    };
  });
  afterAll(async () => stack.close());

  async function land(key: string, body: Uint8Array) {
    const put = await stack.s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: body }));
    return { bucket: landing, key, etag: put.ETag! };
  }
  async function get(bucket: string, key: string) {
    const object = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body!.transformToByteArray();
  }
  async function list(bucket: string, prefix: string) {
    const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!);
  }

  it("lands valid records in bronze Parquet under the dataset and ingest date, and records the file in the ledger", async () => {
    // Prepare
    const source = await land("car_telemetry/2024/happy day.ndjson", utf8(lines(ok(1), ok(2), ok(3))));
    // Act
    const result = await ingestObject(source, ctx);
    // Assess
    const today = new Date().toISOString().slice(0, 10);
    const etag = source.etag.replaceAll('"', "");
    expect(result).toMatchObject({
      dataset: "car_telemetry",
      status: "bronze",
      recordsIn: 3,
      recordsBronze: 3,
      recordsQuarantined: 0,
      quarantineKeys: [],
    });
    expect(result.bronzeKey).toBe(`car_telemetry/ingest_date=${today}/happy_day-${etag}.parquet`);
    const rows = await parquetReadObjects({
      file: (await get(ctx.bronzeBucket, result.bronzeKey!)).buffer as ArrayBuffer,
    });
    expect(rows.map((row) => [row.carChassis, row._source_key, row._record_index, row._source_line])).toEqual([
      ["CAR1", source.key, 0, 1],
      ["CAR2", source.key, 1, 2],
      ["CAR3", source.key, 2, 3],
    ]);
    const entry = await getLedgerEntry(stack.doc, ctx.ledgerTable, "car_telemetry", `${source.key}#${etag}`);
    expect(entry).toMatchObject({
      status: "bronze",
      records_in: 3,
      records_bronze: 3,
      records_quarantined: 0,
      bronze_key: result.bronzeKey,
      pending_dataset: "car_telemetry",
    });
  });

  it("ingests the same object delivered three times into one bronze object and one ledger entry", async () => {
    // Prepare
    const source = await land("car_telemetry/repeat.json", utf8(`[${ok(1)},${ok(2)}]`));
    // Act
    const results = [await ingestObject(source, ctx), await ingestObject(source, ctx), await ingestObject(source, ctx)];
    // Assess
    expect(results.map((r) => r.status)).toEqual(["bronze", "duplicate", "duplicate"]);
    expect(results.map((r) => r.bronzeKey)).toEqual(Array(3).fill(results[0]!.bronzeKey));
    expect(results[2]).toMatchObject({ recordsIn: 2, recordsBronze: 2, recordsQuarantined: 0 });
    expect((await list(ctx.bronzeBucket, "car_telemetry/")).filter((key) => key.includes("/repeat-"))).toHaveLength(1);
    const entries = await stack.doc.send(
      new QueryCommand({
        TableName: ctx.ledgerTable,
        KeyConditionExpression: "dataset = :d AND begins_with(file_id, :k)",
        ExpressionAttributeValues: { ":d": "car_telemetry", ":k": source.key },
      }),
    );
    expect(entries.Items).toHaveLength(1);
  });

  it("writes nothing for an event whose object was overwritten since (stale ETag)", async () => {
    // Prepare
    const stale = await land("car_telemetry/overwritten.ndjson", utf8(lines(ok(1))));
    await land("car_telemetry/overwritten.ndjson", utf8(lines(ok(1), ok(2))));
    // Act
    const result = await ingestObject(stale, ctx);
    // Assess
    expect(result).toMatchObject({ status: "duplicate", recordsIn: 0, quarantineKeys: [] });
    expect(result.reason).toMatch(/object changed since the event/);
    expect((await list(ctx.bronzeBucket, "car_telemetry/")).filter((key) => key.includes("/overwritten-"))).toEqual([]);
  });

  it("answers each outcome with its whole result: counts, keys, bytes, reason and archive", async () => {
    // Prepare
    const date = new Date().toISOString().slice(0, 10);
    const bodies = {
      mixed: utf8(lines(ok(1), "[1]")),
      rejected: utf8(lines("[1]")),
      cut: utf8('{"carChassis":'),
      stranger: utf8(lines(ok(1))),
    };
    const mixed = await land("car_telemetry/outcomes/mixed.ndjson", bodies.mixed);
    const rejected = await land("car_telemetry/outcomes/rejected.ndjson", bodies.rejected);
    const cut = await land("car_telemetry/outcomes/cut.json", bodies.cut);
    const stranger = await land("strangers/outcomes.json", bodies.stranger);
    const stale = await land("car_telemetry/outcomes/stale.ndjson", utf8(lines(ok(1))));
    await land(stale.key, utf8(lines(ok(2))));
    const archived = { bucket: landing, key: "_done/car_telemetry/outcomes/mixed.ndjson", etag: mixed.etag };
    const id = (source: { key: string; etag: string }) => {
      const etag = source.etag.replaceAll('"', "");
      return { etag, fileId: `${source.key}#${etag}` };
    };
    const durationMs = expect.any(Number);
    // Act
    const results = {
      mixed: await ingestObject(mixed, ctx),
      again: await ingestObject(mixed, ctx),
      rejected: await ingestObject(rejected, ctx),
      cut: await ingestObject(cut, ctx),
      stranger: await ingestObject(stranger, ctx),
      stale: await ingestObject(stale, ctx),
      archived: await ingestObject(archived, ctx),
    };
    // Assess
    const stem = (dataset: string, name: string, source: { key: string; etag: string }) =>
      `${dataset}/ingest_date=${date}/${name}-${id(source).etag}`;
    const mixedRecords = { recordsIn: 2, recordsBronze: 1, recordsQuarantined: 1 };
    const mixedKeys = {
      bronzeKey: `${stem("car_telemetry", "mixed", mixed)}.parquet`,
      quarantineKeys: [`${stem("car_telemetry", "mixed", mixed)}.rejected.ndjson`],
    };
    expect(results).toEqual({
      mixed: {
        dataset: "car_telemetry",
        source: mixed,
        fileId: id(mixed).fileId,
        status: "bronze",
        ...mixedRecords,
        ...mixedKeys,
        bytesIn: bodies.mixed.length,
        archiveKey: "_done/car_telemetry/outcomes/mixed.ndjson",
        durationMs,
      },
      again: {
        dataset: "car_telemetry",
        source: mixed,
        fileId: id(mixed).fileId,
        status: "duplicate",
        ...mixedRecords,
        ...mixedKeys,
        bytesIn: 0,
        durationMs,
      },
      rejected: {
        dataset: "car_telemetry",
        source: rejected,
        fileId: id(rejected).fileId,
        status: "quarantined",
        recordsIn: 1,
        recordsBronze: 0,
        recordsQuarantined: 1,
        quarantineKeys: [`${stem("car_telemetry", "rejected", rejected)}.rejected.ndjson`],
        bytesIn: bodies.rejected.length,
        reason: "no valid record in the file",
        archiveKey: "_failed/car_telemetry/outcomes/rejected.ndjson",
        durationMs,
      },
      cut: {
        dataset: "car_telemetry",
        source: cut,
        fileId: id(cut).fileId,
        status: "quarantined",
        recordsIn: 0,
        recordsBronze: 0,
        recordsQuarantined: 0,
        quarantineKeys: [
          `${stem("car_telemetry", "cut", cut)}.unparseable`,
          `${stem("car_telemetry", "cut", cut)}.unparseable.reason.json`,
        ],
        bytesIn: bodies.cut.length,
        reason: expect.stringMatching(/^unexpected end of file: the value starting on line 1 is never closed/),
        archiveKey: "_failed/car_telemetry/outcomes/cut.json",
        durationMs,
      },
      stranger: {
        dataset: null,
        source: stranger,
        fileId: id(stranger).fileId,
        status: "quarantined",
        recordsIn: 0,
        recordsBronze: 0,
        recordsQuarantined: 0,
        quarantineKeys: [
          `${stem("_unknown", "outcomes", stranger)}.rejected`,
          `${stem("_unknown", "outcomes", stranger)}.rejected.reason.json`,
        ],
        bytesIn: bodies.stranger.length,
        reason: `no dataset's landing prefix matches key "strangers/outcomes.json"`,
        archiveKey: "_failed/strangers/outcomes.json",
        durationMs,
      },
      stale: {
        dataset: "car_telemetry",
        source: stale,
        fileId: id(stale).fileId,
        status: "duplicate",
        recordsIn: 0,
        recordsBronze: 0,
        recordsQuarantined: 0,
        quarantineKeys: [],
        bytesIn: 0,
        reason: `the object changed since the event (its ETag is no longer ${id(stale).etag}); nothing ingested`,
        durationMs,
      },
      archived: {
        dataset: null, // no dataset's prefix is _done/
        source: archived,
        fileId: id(archived).fileId,
        status: "duplicate",
        recordsIn: 0,
        recordsBronze: 0,
        recordsQuarantined: 0,
        quarantineKeys: [],
        bytesIn: 0,
        reason:
          "an archived landing object (under _done/ or _failed/): its content was ingested before it was archived",
        durationMs,
      },
    });
  });

  it(`has a bad-input corpus of at least 15 cases`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  it.each(corpus.map((c) => [c.name, c] as const))(
    "quarantines %s with its reason, lands the valid records beside it, and conserves the count",
    async (_name, c) => {
      // Prepare
      const key = c.key ?? `car_telemetry/corpus/${c.name.replace(/\W+/g, "-")}.ndjson`;
      const source = await land(key, typeof c.body === "function" ? c.body() : c.body);
      // Act
      const result = await ingestObject(source, ctx);
      // Assess: counts and conservation
      expect(result).toMatchObject({ status: c.status, recordsBronze: c.bronze, recordsQuarantined: c.quarantined });
      expect(result.recordsIn).toBe(result.recordsBronze + result.recordsQuarantined);
      // Assess: valid records are in bronze
      if (c.bronze > 0) {
        const rows = await parquetReadObjects({
          file: (await get(ctx.bronzeBucket, result.bronzeKey!)).buffer as ArrayBuffer,
          columns: ["carChassis"],
        });
        expect(rows).toHaveLength(c.bronze);
      } else {
        expect(result.bronzeKey).toBeUndefined();
      }
      // Assess: every rejected record is in quarantine with its reason and source, or the file is there whole
      const etag = source.etag.replaceAll('"', "");
      if (c.quarantined > 0) {
        const rejected = new TextDecoder()
          .decode(await get(ctx.quarantineBucket, result.quarantineKeys[0]!))
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line));
        expect(rejected).toHaveLength(c.quarantined);
        rejected.forEach((record, i) => {
          expect(record).toMatchObject({ source_key: key, etag });
          expect(record.reason).toMatch(c.reasons[i]!);
          expect(typeof record.line).toBe("number");
          expect(typeof record.index).toBe("number");
        });
      } else if (c.status === "quarantined") {
        expect(result.reason).toMatch(c.reasons[0]!);
        const [file, reasonKey] = result.quarantineKeys;
        expect(file).toMatch(
          c.key?.startsWith("mystery/")
            ? /^_unknown\/ingest_date=.*\/readings-[0-9a-f]+\.rejected$/
            : /^car_telemetry\/ingest_date=[\d-]+\/[\w.-]+-[0-9a-f]+\.(unparseable|rejected)$/,
        );
        expect(await get(ctx.quarantineBucket, file!)).toEqual(typeof c.body === "function" ? c.body() : c.body);
        expect(JSON.parse(new TextDecoder().decode(await get(ctx.quarantineBucket, reasonKey!)))).toMatchObject({
          source_key: key,
          etag,
          reason: result.reason,
        });
      } else {
        expect(result.quarantineKeys).toEqual([]);
      }
      // Assess: the ledger records the same counts
      const entry = await getLedgerEntry(stack.doc, ctx.ledgerTable, result.dataset ?? "_unknown", `${key}#${etag}`);
      expect(entry).toMatchObject({
        records_in: result.recordsIn,
        records_bronze: result.recordsBronze,
        records_quarantined: result.recordsQuarantined,
        quarantine_keys: result.quarantineKeys,
      });
      expect(entry?.pending_dataset).toBe(c.bronze > 0 ? "car_telemetry" : undefined);
    },
  );
});
