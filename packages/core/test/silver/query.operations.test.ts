import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DuckDBInstance } from "@duckdb/node-api";
import { TrinoSQL } from "dt-sql-parser";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/dataset/operations";
import { bronzeParquetSchema } from "../../src/dataset/schema";
import { consolidationQuery, consolidationStatement } from "../../src/silver/query";
import { renderAthena } from "../../src/sql/athena";
import { renderDuckDb } from "../../src/sql/duckdb";

// The operations dataset's silver (origin column, `anomesdia` partition, priority-then-recency
// dedup) rendered per dialect: run for real on DuckDB over bronze Parquet, parsed as Trino/Hive.

type Event = Record<string, string | number | null>;
const bronzeTable = { database: "bronze", name: "operations" };
const silverTable = { database: "silver", name: "operations" };

const event = (num: string, priority: number, receivedAt: string, extra: Event = {}): Event => ({
  num_oper: num,
  cod_idef_ver_oper: "1",
  num_prio_even_oper: priority,
  dat_recm_even_oper: receivedAt,
  dat_oper: "2024-05-01T00:00:00Z",
  cod_situ_oper: null,
  origem: null,
  ...extra,
});

describe("operations consolidation on DuckDB", () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duck: DuckDBConnection;
  const objects = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-ops-"));
    instance = await DuckDBInstance.create(":memory:");
    duck = await instance.connect();
    await duck.run("SET TimeZone = 'UTC'");
  });
  afterAll(async () => {
    duck.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  // A bronze object as ingestion writes it, landed under `sourceKey`.
  async function bronze(sourceKey: string, events: Event[]): Promise<string> {
    const n = events.length;
    const buffer = parquetWriteBuffer({
      schema: bronzeParquetSchema(operations.fields),
      columnData: [
        ...operations.fields.map((field) => ({ name: field.name, data: events.map((e) => e[field.name] ?? null) })),
        { name: "_extra", data: new Array(n).fill(null) },
        { name: "_source_key", data: new Array(n).fill(sourceKey) },
        { name: "_record_index", data: Int32Array.from(events.keys()) },
        { name: "_source_line", data: Int32Array.from(events.keys(), (i) => i + 1) },
      ],
    });
    const path = join(dir, `${objects.size}.parquet`);
    await writeFile(path, new Uint8Array(buffer));
    const uri = `s3://bronze/operations/ingest_date=2024-05-02/${objects.size}.parquet`;
    objects.set(uri, path);
    return uri;
  }

  async function consolidate(uris: string[]): Promise<Record<string, unknown>[]> {
    const query = consolidationQuery({
      spec: operations,
      bronze: { table: bronzeTable, uris, ingestDates: [] },
      silver: { table: silverTable, existing: [] },
    });
    const sql = renderDuckDb({ kind: "query", query }, { files: (uri) => [objects.get(uri)!] });
    const reader = await duck.runAndReadAll(
      `SELECT num_oper, cod_idef_ver_oper, origem, num_prio_even_oper, anomesdia FROM (${sql}) ORDER BY num_oper, cod_idef_ver_oper`,
    );
    return reader.getRowObjectsJson();
  }

  it("keeps per key the highest priority, then the newest reception, with its origin from the landing prefix", async () => {
    // Prepare
    const online = await bronze("operations/online/2024-05-01/a.ndjson", [
      event("OP-1", 1, "2024-05-01T10:00:00Z"),
      event("OP-2", 3, "2024-05-01T09:00:00Z"),
      event("OP-3", 2, "2024-05-01T08:00:00Z"),
      event("OP-4", 1, "2024-05-01T08:00:00Z"),
    ]);
    const batch = await bronze("operations/batch/2024-05-01/sot.json", [
      event("OP-1", 2, "2024-05-01T07:00:00Z"),
      event("OP-2", 1, "2024-05-01T23:00:00Z"),
      event("OP-3", 2, "2024-05-01T23:00:00Z"),
      event("OP-5", 1, "2024-05-01T23:00:00Z"),
    ]);
    // Act
    const rows = await consolidate([online, batch]);
    // Assess
    expect(rows).toEqual([
      { num_oper: "OP-1", cod_idef_ver_oper: "1", origem: "batch", num_prio_even_oper: 2, anomesdia: 20240501 },
      { num_oper: "OP-2", cod_idef_ver_oper: "1", origem: "online", num_prio_even_oper: 3, anomesdia: 20240501 },
      { num_oper: "OP-3", cod_idef_ver_oper: "1", origem: "batch", num_prio_even_oper: 2, anomesdia: 20240501 },
      { num_oper: "OP-4", cod_idef_ver_oper: "1", origem: "online", num_prio_even_oper: 1, anomesdia: 20240501 },
      { num_oper: "OP-5", cod_idef_ver_oper: "1", origem: "batch", num_prio_even_oper: 1, anomesdia: 20240501 },
    ]);
  });

  it("takes the origin from the record when it states one, and from the landing key when it is blank; NULL elsewhere", async () => {
    // Prepare
    const uri = await bronze("operations/batch/2024-05-01/mixed.json", [
      event("OP-10", 1, "2024-05-01T10:00:00Z", { origem: " ONLINE " }),
      event("OP-11", 1, "2024-05-01T10:00:00Z", { origem: "   " }),
    ]);
    const elsewhere = await bronze("operations/batchy/x.json", [event("OP-12", 1, "2024-05-01T10:00:00Z")]);
    // Act
    const rows = await consolidate([uri, elsewhere]);
    // Assess
    expect(rows.map((r) => [r.num_oper, r.origem])).toEqual([
      ["OP-10", "online"],
      ["OP-11", "batch"],
      ["OP-12", null],
    ]);
  });

  it("derives anomesdia as the UTC date of the partition timestamp", async () => {
    // Prepare
    const uri = await bronze("operations/online/x.ndjson", [
      event("OP-20", 1, "2024-05-01T10:00:00Z", { dat_oper: "2024-12-31T22:30:00-03:00" }),
      event("OP-21", 1, "2024-05-01T10:00:00Z", { dat_oper: "2024-02-29T00:00:00Z" }),
    ]);
    // Act
    const rows = await consolidate([uri]);
    // Assess
    expect(rows.map((r) => [r.num_oper, r.anomesdia])).toEqual([
      ["OP-20", 20250101],
      ["OP-21", 20240229],
    ]);
  });
});

describe("operations consolidation on Athena", () => {
  it("unloads partitioned by anomesdia, ranked by priority then recency, as valid Trino", () => {
    // Prepare
    const existing = [
      { values: { anomesdia: 20240501 }, location: "s3://silver/operations/_v=old/anomesdia=20240501/" },
    ];
    // Act
    const sql = renderAthena(
      consolidationStatement({
        spec: operations,
        bronze: {
          table: bronzeTable,
          uris: ["s3://bronze/operations/ingest_date=2024-05-02/a.parquet"],
          ingestDates: ["2024-05-02"],
        },
        silver: { table: silverTable, existing },
        to: "s3://silver/operations/_v=abc/",
      }),
    );
    // Assess
    const match =
      /^UNLOAD \((.*)\) TO 's3:\/\/silver\/operations\/_v=abc\/' WITH \(format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY\['anomesdia'\]\)$/.exec(
        sql,
      );
    expect(match).not.toBeNull();
    expect(new TrinoSQL().validate(match![1]!)).toEqual([]);
    expect(sql).toContain(
      'PARTITION BY "num_oper", "cod_idef_ver_oper", "anomesdia" ORDER BY "num_prio_even_oper" DESC, "dat_recm_even_oper" DESC',
    );
    expect(sql).toContain(
      `WHEN (("_source_key" >= 'operations/online/') AND ("_source_key" < 'operations/online0')) THEN 'online'`,
    );
    expect(sql).toContain('WHERE (("anomesdia" = 20240501))');
  });
});
