import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { carTelemetry } from "@medallion/core/dataset";
import { QueryFailedError } from "@medallion/core/engine";
import type { Query, Source, Statement } from "@medallion/core/sql";
import { binary, call, cast, column, lit, renderExpr, selectColumns } from "@medallion/core/sql";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCatalog } from "../../src/catalog/index";
import { shownError } from "../../src/commands/errors";
import type { DuckDbEngine } from "../../src/engine/duckdb";
import { duckdbEngine, ONE_THREAD_UNLOAD_BYTES, unloadThreads } from "../../src/engine/duckdb";
import { StorageWriteError } from "../../src/services/errors";
import type { LocalServices } from "../../src/services/index";
import { startServices } from "../../src/services/index";

describe("duckdbEngine", () => {
  let dataDir: string;
  let services: LocalServices;
  let s3: S3Client;
  let engine: DuckDbEngine;
  const table = { database: "bronze", name: "t" };
  // An engine over the lake's S3 store and catalog, with what a test sets besides.
  const lakeEngine = (options: Partial<Parameters<typeof duckdbEngine>[0]> = {}) =>
    duckdbEngine({
      s3,
      s3Directory: services.s3.directory,
      catalog: localCatalog({ directory: join(dataDir, "catalog") }),
      buckets: { bronze: services.names.Bronze!, silver: services.names.Silver! },
      ...options,
    });
  // A second engine over the lake's catalog that reads every silver snapshot from its files.
  const engineOverFiles = async () => {
    const catalog = localCatalog({ directory: join(dataDir, "catalog") });
    const files = await lakeEngine({ catalog, datasets: [carTelemetry], silverCacheBytes: 0 });
    return { catalog, files };
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-duckdb-"));
    services = await startServices({ dataDir });
    const { env } = services;
    s3 = new S3Client({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    engine = await lakeEngine({ datasets: [carTelemetry] });
    const body = parquetWriteBuffer({
      columnData: [
        { name: "name", data: ["  toyota MOTOR co ", "vw"], type: "STRING" },
        { name: "ts", data: ["2024-01-05T23:30:00-02:00", "garbage"], type: "STRING" },
        { name: "n", data: [1, 2], type: "DOUBLE" },
      ],
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: services.names.Bronze,
        Key: "t/ingest_date=2024-01-06/a.parquet",
        Body: new Uint8Array(body),
      }),
    );
  });
  afterAll(async () => {
    engine.close();
    s3.destroy();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const source = (): Source => ({
    kind: "files",
    table,
    uris: [`s3://${services.names.Bronze}/t/ingest_date=2024-01-06/a.parquet`],
  });

  it("runs the dialect's functions for real on objects read from the lake", async () => {
    // Prepare
    const query: Query = {
      kind: "select",
      columns: [
        { expr: call("title_case", call("trim", column("name"))), as: "maker" },
        { expr: cast(call("parse_timestamp", column("ts")), "varchar"), as: "at" },
        { expr: cast(call("day", call("parse_timestamp", column("ts"))), "integer"), as: "day" },
        {
          expr: {
            kind: "case",
            whens: [{ when: { kind: "binary", op: "<>", left: column("n"), right: lit(2) }, then: lit("one") }],
          },
          as: "label",
        },
      ],
      from: source(),
    };
    // Act
    const { rows } = await engine.run({ kind: "query", query });
    // Assess
    expect(rows).toEqual([
      { maker: "Toyota Motor Co", at: "2024-01-06 01:30:00", day: 6, label: "one" },
      { maker: "Vw", at: null, day: null, label: null },
    ]);
  });

  it("parses timestamps as TIMESTAMPTZ at UTC does, UTC text through the plain cast", async () => {
    // Prepare: ISO text as bronze keeps it (UTC, offsets) and text it refuses, zone names ending in Z too.
    const texts = [
      "2024-01-01T00:00:00.000Z",
      "2024-01-01T12:00:00.123456789Z",
      "2024-01-01T00:00:00+02:00",
      "2024-01-01T23:30:00-05:30",
      "2024-01-01T12:00:00+0200",
      "2024-01-01 12:00",
      "2024-01-01",
      "2024-01-01T12:00:00 NZ",
      "2024-01-01T12:00:00 UTC",
      "2024-01-01T12:00:00 Europe/Paris",
      "2024-01-01T12:00:00+02:00Z",
      "2024-02-30T00:00:00Z",
      "2024-06-01T12:00:00z",
      "garbage",
      "Z",
    ];
    const parsed = renderExpr(call("parse_timestamp", column("v")), { dialect: "duckdb", files: () => [] });
    // Act
    const { rows } = await engine.sql(
      `SELECT CAST(${parsed} AS VARCHAR) AS ours, CAST((TRY_CAST(v AS TIMESTAMPTZ) AT TIME ZONE 'UTC') AS VARCHAR) AS reference FROM (VALUES ${texts.map((text) => `('${text}')`).join(", ")}) AS t(v)`,
    );
    // Assess
    expect(rows.map((row) => row.ours)).toEqual(rows.map((row) => row.reference));
    expect(rows.filter((row) => row.ours !== null)).toHaveLength(10);
  });

  it("unloads into Hive folders under the target prefix, as objects the S3 API lists and serves with their ETag", async () => {
    // Prepare
    const query: Query = { kind: "select", columns: [{ expr: column("name") }, { expr: column("n") }], from: source() };
    // Act
    const result = await engine.run({
      kind: "unload",
      query,
      to: `s3://${services.names.Silver}/out/_v=1/`,
      partitionedBy: ["n"],
    });
    // Assess: the rows it wrote, as Athena's UpdateCount reports them, and the objects.
    expect(result.rowsWritten).toBe((await engine.run({ kind: "query", query })).rows.length);
    expect(result.rowsWritten).toBeGreaterThan(0);
    const { rows } = await engine.sql(
      `SELECT count(*) AS files FROM glob('${services.s3.directory}/${services.names.Silver}/out/_v=1/n=*/*._S3rver_object')`,
    );
    expect(rows).toEqual([{ files: 2 }]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: services.names.Silver, Prefix: "out/_v=1/" }));
    expect(listed.Contents?.map((object) => object.Key?.replace(/[^/]+$/, ""))).toEqual([
      "out/_v=1/n=1.0/",
      "out/_v=1/n=2.0/",
    ]);
    const object = await s3.send(
      new GetObjectCommand({ Bucket: services.names.Silver, Key: listed.Contents![0]!.Key }),
    );
    const body = await object.Body!.transformToByteArray();
    expect(object.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    expect(listed.Contents![0]!.ETag).toBe(object.ETag);
    expect(new TextDecoder().decode(body.subarray(0, 4))).toBe("PAR1");
    // The files were moved out of their staging folder, which is gone.
    expect((await readdir(dirname(services.s3.directory))).filter((name) => name.startsWith(".staging-"))).toEqual([]);
  });

  it("runs a statement that outgrows DuckDB's memory budget again with the budget doubled", async () => {
    // Prepare
    const small = await lakeEngine({ memoryLimitMB: 1 });
    try {
      // Act
      const [result] = await small.read("SELECT length(string_agg(i::VARCHAR, ',')) AS n FROM range(1000000) t(i)");
      const [limit] = await small.read("SELECT current_setting('memory_limit') AS m");
      // Assess
      expect(result!.rows).toEqual([{ n: 6_888_889 }]);
      expect(limit!.rows[0]!.m).not.toBe("1.0 MiB");
    } finally {
      small.close();
    }
  });

  // Rows with NULL keys and order values, ties on the first order term, and both directions: what
  // `row_number() … = 1` keeps of them, computed here, against what an unload keeps.
  async function firstPerGroupCase(key: string, count: number, keyOf: (i: number) => string | null) {
    const rows = Array.from({ length: count }, (_, i) => ({
      k: keyOf(i),
      o: i % 5 === 0 ? null : (i * 37) % 11,
      s: `s${i % 3}`,
      r: i,
    }));
    const body = parquetWriteBuffer({
      columnData: [
        { name: "k", data: rows.map((row) => row.k), type: "STRING" },
        { name: "o", data: rows.map((row) => row.o), type: "DOUBLE" },
        { name: "s", data: rows.map((row) => row.s), type: "STRING" },
        { name: "r", data: rows.map((row) => row.r), type: "INT32" },
      ],
    });
    await s3.send(new PutObjectCommand({ Bucket: services.names.Bronze, Key: key, Body: new Uint8Array(body) }));
    // o DESC NULLS LAST, s ASC, r DESC
    const before = (a: (typeof rows)[number], b: (typeof rows)[number]): boolean =>
      a.o !== b.o ? b.o === null || (a.o !== null && a.o > b.o) : a.s !== b.s ? a.s < b.s : a.r > b.r;
    const first = new Map<string | null, (typeof rows)[number]>();
    for (const row of rows) {
      const kept = first.get(row.k);
      if (!kept || before(row, kept)) first.set(row.k, row);
    }
    const statement = (to: string): Statement => ({
      kind: "unload",
      query: {
        kind: "firstPerGroup",
        query: {
          kind: "select",
          columns: [...["k", "o", "s", "r"].map((name) => ({ expr: column(name) })), { expr: lit(1), as: "p" }],
          from: { kind: "files", table, uris: [`s3://${services.names.Bronze}/${key}`] },
        },
        columns: ["k", "o", "s", "r", "p"],
        partitionBy: [column("k")],
        orderBy: [
          { expr: column("o"), descending: true },
          { expr: column("s") },
          { expr: column("r"), descending: true },
        ],
      },
      to,
      partitionedBy: ["p"],
    });
    const expected = [...first.values()].sort((a, b) => a.r - b.r);
    return { statement, expected };
  }
  const unloaded = (prefix: string) =>
    engine.sql(
      `SELECT k, o, s, CAST(r AS INTEGER) AS r FROM read_parquet('${services.s3.directory}/${services.names.Silver}/${prefix}**/*._S3rver_object') ORDER BY r`,
    );

  it("keeps each group's first row in an unload as row_number() = 1 does: NULL keys and values, ties, both directions", async () => {
    // Prepare
    const { statement, expected } = await firstPerGroupCase("first/a.parquet", 5_000, (i) =>
      i % 7 === 0 ? null : `k${i % 50}`,
    );
    // Act
    const result = await engine.run(statement(`s3://${services.names.Silver}/first/_v=1/`));
    // Assess
    expect(result.rowsWritten).toBe(51);
    expect((await unloaded("first/_v=1/")).rows).toEqual(expected);
  });

  it("keeps each group's first row with the window when the groups outgrow the budget, the budget unchanged", async () => {
    // Prepare: 100k groups of two rows: their aggregate states need ~60 MB, the window fits in 16.
    const { statement, expected } = await firstPerGroupCase("many/a.parquet", 200_000, (i) => `k${i >> 1}`);
    const small = await lakeEngine({ memoryLimitMB: 16, threads: 1 });
    try {
      // Act
      const result = await small.run(statement(`s3://${services.names.Silver}/many/_v=1/`));
      const [limit] = await small.read("SELECT current_setting('memory_limit') AS m");
      // Assess
      expect(result.rowsWritten).toBe(100_000);
      expect((await unloaded("many/_v=1/")).rows).toEqual(expected);
      expect(limit!.rows[0]!.m).toBe("15.2 MiB");
    } finally {
      small.close();
    }
  });

  it("reads a dataset's table named by a statement from the lake's files as they are now (none: no rows)", async () => {
    // Prepare
    const before = await engine.run(selectColumns({ database: "bronze", name: "car_telemetry" }, ["carChassis"]));
    await s3.send(
      new PutObjectCommand({
        Bucket: services.names.Bronze,
        Key: "car_telemetry/ingest_date=2024-01-06/late.parquet",
        Body: new Uint8Array(
          parquetWriteBuffer({ columnData: [{ name: "carChassis", data: ["CAR9"], type: "STRING" }] }),
        ),
      }),
    );
    // Act
    const after = await engine.run(
      selectColumns({ database: "bronze", name: "car_telemetry" }, ["carChassis", "ingest_date"]),
    );
    // Assess
    // Before any file, the table exists with the spec's columns and no rows.
    expect(before).toEqual({
      columns: ["carChassis"],
      rows: [],
      statistics: { scannedBytes: 0, engineMs: expect.any(Number) },
    });
    expect(after.rows).toEqual([{ carChassis: "CAR9", ingest_date: "2024-01-06" }]);
  });

  it("reads a snapshot's partitions from the rows their UNLOADs kept, as the files give them, and drops the kept rows", async () => {
    // Prepare: days 3 and 4 unloaded by one statement, day 4 again by a second; the catalog shows
    // day 3 from the first and day 4 from the second (the first's day 4 is not in the snapshot).
    const silver = { database: "silver", name: "car_telemetry" };
    const day = (n: number, mileage: number): Query => ({
      kind: "select",
      columns: [
        { expr: lit(`CAR${n}`), as: "carChassis" },
        { expr: cast(lit(mileage), "double"), as: "currentMileage" },
        { expr: cast(lit(2024), "integer"), as: "event_year" },
        { expr: cast(lit(2), "integer"), as: "event_month" },
        { expr: cast(lit(n), "integer"), as: "event_day" },
      ],
      from: source(),
      limit: 1,
    });
    const at = (version: string, n: number) => ({
      values: { event_year: 2024, event_month: 2, event_day: n },
      location: `s3://${services.names.Silver}/car_telemetry/_v=${version}/event_year=2024/event_month=2/event_day=${n}/`,
    });
    const unload = (version: string, query: Query) =>
      engine.run({
        kind: "unload",
        query,
        to: `s3://${services.names.Silver}/car_telemetry/_v=${version}/`,
        partitionedBy: ["event_year", "event_month", "event_day"],
      });
    await unload("k1", { kind: "unionAll", queries: [day(3, 3000), day(4, 4000)] });
    await unload("k2", day(4, 4400));
    const kept = async () =>
      (await engine.sql("SELECT table_name FROM information_schema.tables WHERE starts_with(table_name, '__unloaded')"))
        .rows.length;
    const { catalog, files } = await engineOverFiles();
    const read = selectColumns(silver, ["carChassis", "currentMileage", "event_month", "event_day", "color"]);
    try {
      await catalog.swap(silver, [at("k1", 3), at("k2", 4)]);
      const keptBefore = await kept();
      // Act
      const fromKept = await engine.run(read);
      const fromFiles = await files.run(read);
      // Assess
      const byDay = (rows: Record<string, unknown>[]) => rows.sort((a, b) => Number(a.event_day) - Number(b.event_day));
      expect(byDay(fromKept.rows)).toEqual([
        { carChassis: "CAR3", currentMileage: 3000, event_month: 2, event_day: 3, color: null },
        { carChassis: "CAR4", currentMileage: 4400, event_month: 2, event_day: 4, color: null },
      ]);
      expect(byDay(fromFiles.rows)).toEqual(fromKept.rows);
      expect([keptBefore, await kept()]).toEqual([2, 0]);
    } finally {
      files.close();
      await catalog.drop(silver, [at("k1", 3).values, at("k2", 4).values]);
    }
  });

  it("reads a small silver snapshot into a table once, the same rows its files give, and a new snapshot replaces it", async () => {
    // Prepare: two days of silver written by the engine's own unloads, one in the catalog so far.
    const silver = { database: "silver", name: "car_telemetry" };
    const day = (n: number): Query => ({
      kind: "select",
      columns: [
        { expr: lit(`CAR${n}`), as: "carChassis" },
        { expr: cast(lit(1000 * n), "double"), as: "currentMileage" },
        { expr: cast(lit(2024), "integer"), as: "event_year" },
        { expr: cast(lit(1), "integer"), as: "event_month" },
        { expr: cast(lit(n), "integer"), as: "event_day" },
      ],
      from: source(),
      limit: 1,
    });
    const partition = (n: number) => ({
      values: { event_year: 2024, event_month: 1, event_day: n },
      location: `s3://${services.names.Silver}/car_telemetry/_v=${n}/event_year=2024/event_month=1/event_day=${n}/`,
    });
    for (const n of [1, 2])
      await engine.run({
        kind: "unload",
        query: day(n),
        to: `s3://${services.names.Silver}/car_telemetry/_v=${n}/`,
        partitionedBy: ["event_year", "event_month", "event_day"],
      });
    const { catalog, files } = await engineOverFiles();
    const read = selectColumns(silver, ["carChassis", "currentMileage", "event_day"]);
    const kind = async (of: DuckDbEngine) =>
      (await of.sql("SELECT table_type FROM information_schema.tables WHERE table_schema = 'silver'")).rows;
    try {
      await catalog.swap(silver, [partition(1)]);
      // Act
      const first = await engine.run(read);
      const firstFromFiles = await files.run(read);
      await catalog.swap(silver, [partition(2)]);
      const second = await engine.run(read);
      // Assess
      expect(first.rows).toEqual([{ carChassis: "CAR1", currentMileage: 1000, event_day: 1 }]);
      expect(firstFromFiles.rows).toEqual(first.rows);
      const byDay = (rows: Record<string, unknown>[]) => rows.sort((a, b) => Number(a.event_day) - Number(b.event_day));
      expect(byDay(second.rows)).toEqual([
        { carChassis: "CAR1", currentMileage: 1000, event_day: 1 },
        { carChassis: "CAR2", currentMileage: 2000, event_day: 2 },
      ]);
      expect(await kind(engine)).toEqual([{ table_type: "BASE TABLE" }]);
      expect(await kind(files)).toEqual([{ table_type: "VIEW" }]);
    } finally {
      files.close();
      await catalog.drop(silver, [partition(1).values, partition(2).values]);
    }
  });

  it("raises DuckDB's reason verbatim as a QueryFailedError", async () => {
    // Act
    const error = await engine
      .run(selectColumns({ database: "main", name: "nowhere" }, ["x"]))
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).reason).toMatch(/nowhere/);
  });

  it("reports a full disk under DuckDB's writes as the store does: one line naming the path, ENOSPC", async () => {
    // Prepare: /dev/full refuses every write with ENOSPC, as a full disk does (no file system
    // can be filled here); DuckDB itself reports it, in its own words.
    const copy = "COPY (SELECT range AS n FROM range(100000)) TO '/dev/full' (FORMAT parquet)";
    // Act
    const error = await engine.sql(copy).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(StorageWriteError);
    expect((error as StorageWriteError).message).toBe(
      "cannot write /dev/full: no space left on the device (ENOSPC); free space, then run again",
    );
    expect(shownError(new Error("run failed", { cause: error }))).toBe(error);
  });

  it("fails, as Athena does, a MERGE writing more than 100 partitions of a partitioned gold table, committing none of it", async () => {
    // Prepare: a gold table partitioned by day, and sources over 100 and over 101 days.
    const gold = { database: "gold", name: "daily_limit" };
    await engine.run({
      kind: "createTable",
      table: gold,
      columns: [
        { name: "k", type: "integer" },
        { name: "day", type: "integer" },
        { name: "v", type: "integer" },
      ],
      primaryKey: ["k"],
      partitionedBy: ["day"],
    });
    await engine.sql("CREATE OR REPLACE TABLE gold.limit_source AS SELECT i::INTEGER AS k FROM range(101) t(i)");
    const days = (count: number): Statement => ({
      kind: "merge",
      into: gold,
      alias: "g",
      using: {
        kind: "subquery",
        alias: "s",
        query: {
          kind: "select",
          columns: [
            { expr: column("k"), as: "k" },
            { expr: column("k"), as: "day" },
            { expr: lit(1), as: "v" },
          ],
          from: { kind: "table", table: { database: "gold", name: "limit_source" } },
          where: binary(column("k"), "<", lit(count)),
        },
      },
      on: binary(column("g", "k"), "=", column("s", "k")),
      clauses: [
        { when: "matched", action: "update", set: [{ column: "v", value: column("s", "v") }] },
        {
          when: "notMatched",
          action: "insert",
          columns: ["k", "day", "v"],
          values: [column("s", "k"), column("s", "day"), column("s", "v")],
        },
      ],
    });
    const count = async () => (await engine.sql("SELECT count(*) AS n FROM gold.daily_limit")).rows[0]?.n;
    // Act
    const within = await engine.run(days(100));
    const over = await engine.run(days(101)).catch((error: unknown) => error);
    // Assess: 100 partitions commit; 101 fail with Athena's error and leave the table as it was.
    expect(within.rows).toEqual([{ Count: 100 }]);
    expect(over).toBeInstanceOf(QueryFailedError);
    expect((over as QueryFailedError).reason).toMatch(
      /^ICEBERG_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions \(this statement writes 101 partitions/,
    );
    expect(await count()).toBe(100);
  });
});

describe("unloadThreads", () => {
  it("gives a small input of several files the engine's threads, a large one or one file a single thread", () => {
    const MB = 1024 ** 2;
    // The 1M-record run's bronze: ten files, 7.5 MB.
    expect(unloadThreads({ bytes: 7.5 * MB, files: 10 }, 2)).toBe(2);
    expect(unloadThreads({ bytes: ONE_THREAD_UNLOAD_BYTES, files: 10 }, 4)).toBe(4);
    expect(unloadThreads({ bytes: 2 * MB, files: 3 }, 4)).toBe(3);
    // Over the bound (three 0.5 GB landing files: ~42 MB of bronze): one thread, however many files.
    expect(unloadThreads({ bytes: ONE_THREAD_UNLOAD_BYTES + 1, files: 10 }, 4)).toBe(1);
    expect(unloadThreads({ bytes: 42 * MB, files: 3 }, 2)).toBe(1);
    // The backfill: one small bronze file.
    expect(unloadThreads({ bytes: 0.3 * MB, files: 1 }, 2)).toBe(1);
    expect(unloadThreads({ bytes: 0, files: 0 }, 2)).toBe(1);
  });
});
