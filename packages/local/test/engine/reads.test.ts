import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { carTelemetry } from "@medallion/core/dataset";
import { createTableStatements } from "@medallion/core/gold";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCatalog } from "../../src/catalog/index";
import type { DuckDbEngine } from "../../src/engine/duckdb";
import { duckdbEngine } from "../../src/engine/duckdb";
import { ReadOnlyError } from "../../src/engine/reads";
import type { LocalClients } from "../../src/services/clients";
import { localClients } from "../../src/services/clients";
import type { LocalServices } from "../../src/services/index";
import { startServices } from "../../src/services/index";

describe("DuckDbEngine.read", () => {
  let dataDir: string;
  let services: LocalServices;
  let clients: LocalClients;
  let engine: DuckDbEngine;
  const open = (readOnly = false) =>
    duckdbEngine({
      s3: readOnly ? undefined : clients.s3,
      s3Directory: services.s3.directory,
      catalog: localCatalog({ directory: join(dataDir, "catalog") }),
      datasets: [carTelemetry],
      buckets: {
        bronze: services.names.Bronze!,
        silver: services.names.Silver!,
        quarantine: services.names.Quarantine!,
      },
      databaseFile: join(dataDir, "lake.duckdb"),
      readOnly,
    });
  const put = (bucket: string, key: string, body: string | Uint8Array) =>
    clients.s3.send(new PutObjectCommand({ Bucket: services.names[bucket], Key: key, Body: body }));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-reads-"));
    services = await startServices({ dataDir });
    clients = localClients(services.env);
    engine = await open();
    const day = "car_telemetry/ingest_date=2024-05-01";
    await put(
      "Bronze",
      `${day}/a-1.parquet`,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "carChassis", data: ["CAR1", "CAR2"], type: "STRING" },
            { name: "currentMileage", data: [10, 20], type: "DOUBLE" },
          ],
        }),
      ),
    );
    const rejected = (line: number, reason: string) =>
      JSON.stringify({ source_key: "car_telemetry/a.ndjson", etag: "1", line, index: line - 1, reason, raw: "{}" });
    await put("Quarantine", `${day}/a-1.rejected.ndjson`, `${rejected(3, "schema: bad")}\n${rejected(7, "too big")}\n`);
    await put("Quarantine", `${day}/b-2.unparseable`, "[{");
    await put(
      "Quarantine",
      `${day}/b-2.unparseable.reason.json`,
      JSON.stringify({
        source_key: "car_telemetry/b.json",
        etag: "2",
        reason: "unexpected end of file",
        quarantined_at: "2024-05-01T10:00:00.000Z",
      }),
    );
  });
  afterAll(async () => {
    engine.close();
    clients.destroy();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists every bronze, silver, quarantine and gold table from the start, empty ones typed", async () => {
    // Act
    const [tables, silver, gold] = await engine.read(
      "SELECT schema AS s, name FROM (SHOW ALL TABLES) ORDER BY s, name; DESCRIBE silver.car_telemetry; DESCRIBE gold.car_monthly",
    );
    // Assess
    expect(tables!.rows).toEqual([
      { s: "bronze", name: "car_telemetry" },
      { s: "gold", name: "car_monthly" },
      { s: "gold", name: "manufacturer_daily" },
      { s: "quarantine", name: "car_telemetry" },
      { s: "silver", name: "car_telemetry" },
    ]);
    expect(silver!.rows).toContainEqual(expect.objectContaining({ column_name: "carChassis", column_type: "VARCHAR" }));
    expect(silver!.rows).toContainEqual(expect.objectContaining({ column_name: "event_day", column_type: "INTEGER" }));
    expect(gold!.rows[0]).toMatchObject({ column_name: "car", column_type: "VARCHAR" });
  });

  it("reads quarantine: each rejected record and each file quarantined whole, with the reason and the object", async () => {
    // Act
    const [result] = await engine.read(
      "SELECT kind, source_key, line, record_index, reason, object_key FROM quarantine.car_telemetry ORDER BY kind, line",
    );
    // Assess
    expect(result!.rows).toEqual([
      {
        kind: "file",
        source_key: "car_telemetry/b.json",
        line: null,
        record_index: null,
        reason: "unexpected end of file",
        object_key: "car_telemetry/ingest_date=2024-05-01/b-2.unparseable",
      },
      {
        kind: "record",
        source_key: "car_telemetry/a.ndjson",
        line: 3,
        record_index: 2,
        reason: "schema: bad",
        object_key: "car_telemetry/ingest_date=2024-05-01/a-1.rejected.ndjson",
      },
      {
        kind: "record",
        source_key: "car_telemetry/a.ndjson",
        line: 7,
        record_index: 6,
        reason: "too big",
        object_key: "car_telemetry/ingest_date=2024-05-01/a-1.rejected.ndjson",
      },
    ]);
  });

  it("returns one result per statement, integers as numbers while exact and as strings beyond 2^53", async () => {
    // Act
    const results = await engine.read(
      "SELECT carChassis, currentMileage FROM bronze.car_telemetry ORDER BY 1; SELECT 9007199254740993::BIGINT AS big, -42::BIGINT AS small, 1.50::DECIMAL(3,2) AS price, 12345678901234567890.12::DECIMAL(38,2) AS wide, {'n': 7::HUGEINT} AS nested",
    );
    // Assess
    expect(results.map((r) => r.columns.map((c) => `${c.name} ${c.type}`))).toEqual([
      ["carChassis VARCHAR", "currentMileage DOUBLE"],
      ["big BIGINT", "small BIGINT", "price DECIMAL(3,2)", "wide DECIMAL(38,2)", 'nested STRUCT("n" HUGEINT)'],
    ]);
    expect(results[0]!.rows).toEqual([
      { carChassis: "CAR1", currentMileage: 10 },
      { carChassis: "CAR2", currentMileage: 20 },
    ]);
    expect(results[1]!.rows).toEqual([
      { big: "9007199254740993", small: -42, price: 1.5, wide: "12345678901234567890.12", nested: { n: 7 } },
    ]);
  });

  it("refuses a statement that would write, before running any of the text", async () => {
    // Act
    const refused = await engine.read("CREATE TABLE main.scratch AS SELECT 1 AS a").catch((e: unknown) => e);
    const mixed = await engine
      .read("SELECT 1; CREATE TABLE main.scratch2 (a INTEGER); SELECT 2")
      .catch((e: unknown) => e);
    const [after] = await engine.read("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'scratch%'");
    // Assess
    expect(refused).toBeInstanceOf(ReadOnlyError);
    expect((refused as Error).message).toMatch(/statement 1 is CREATE: medallion query only reads/);
    expect((mixed as Error).message).toMatch(/statement 2 is CREATE/);
    expect(after!.rows).toEqual([{ n: 0 }]);
  });

  it("leaves no stand-in behind: the pipeline creates the real gold table, and readers see it once", async () => {
    // Act: as the gold merge does on its first run.
    for (const statement of createTableStatements({
      database: "gold",
      table: carTelemetry.gold!.tables[0]!,
      dialect: "duckdb",
    }))
      await engine.run(statement);
    const [tables, real, standIn] = await engine.read(
      "SELECT database, name FROM (SHOW ALL TABLES) WHERE schema = 'gold' ORDER BY name; SELECT count(*) AS n FROM gold.car_monthly; SELECT count(*) AS n FROM gold.manufacturer_daily",
    );
    // Assess: the real table and the stand-in are both found by their names.
    expect(tables!.rows).toEqual([
      { database: "lake", name: "car_monthly" },
      { database: "memory", name: "manufacturer_daily" },
    ]);
    expect([real!.rows, standIn!.rows]).toEqual([[{ n: 0 }], [{ n: 0 }]]);
  });

  it("opens the lake read-only beside no writer, and sees what the writer left", async () => {
    // Prepare
    engine.close();
    const reader = await open(true);
    try {
      // Act
      const [tables] = await reader.read(
        "SELECT database, name FROM (SHOW ALL TABLES) WHERE schema = 'gold' ORDER BY name",
      );
      const write = await reader.read("INSERT INTO gold.car_monthly DEFAULT VALUES").catch((e: unknown) => e);
      // Assess
      expect(tables!.rows).toEqual([
        { database: "lake", name: "car_monthly" },
        { database: "memory", name: "manufacturer_daily" },
      ]);
      expect(write).toBeInstanceOf(Error);
    } finally {
      reader.close();
      engine = await open();
    }
  });
});
