import type { S3Client } from "@aws-sdk/client-s3";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DatasetSpec } from "@medallion/core/dataset";
import { operations, registerDataset, unregisterDataset } from "@medallion/core/dataset";
import { binary, column, lit, selectColumns } from "@medallion/core/sql";
import type { ExecutionOutcome } from "@medallion/local/pipeline";
import { operationsSample, operationsSampleWinners } from "@medallion/local/sample/operations";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The operations dataset on the embedded stack: online (SoR) and batch (SoT) files dropped into
// landing → ingestion → one pipeline execution → silver consolidated per operation version.

// The same dataset written to a plain S3 path instead of a catalog table, under its own prefix.
// The embedded stack's silver bucket (named before the stack starts, as the spec needs it).
const EXPORT_PATH = "s3://medallion-local-silver/exports/operations/";
const exported: DatasetSpec = {
  ...operations,
  name: "operations_export",
  landingPrefix: "operations_export/",
  silver: {
    ...operations.silver,
    derived: [
      {
        name: "origem",
        kind: "origin",
        field: "origem",
        rules: [
          { prefix: "operations_export/online/", value: "online" },
          { prefix: "operations_export/batch/", value: "batch" },
        ],
      },
    ],
    target: { path: EXPORT_PATH },
  },
};

describe("operations dataset on the embedded stack", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let s3: S3Client;
  let firstRun: ExecutionOutcome | undefined;
  beforeAll(async () => {
    registerDataset(exported);
    lake = await startEmbeddedStack({ name: "operations" });
    ({ stack, s3 } = lake);
  });
  afterAll(async () => {
    await lake?.close();
    unregisterDataset(exported.name);
  });

  async function drop(prefix: string): Promise<void> {
    for (const file of operationsSample()) {
      const key = file.key.replace(/^operations\//, prefix);
      const outcome = await lake.land(key, file.body);
      expect(outcome.error).toBeUndefined();
    }
  }
  const window = { from: "2024-05-02T00:00:00Z", to: "2024-05-02T01:00:00Z" };
  const keysUnder = async (prefix: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: stack.names.Silver, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort();
  const byKey = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(
      rows.map(({ num_oper, cod_idef_ver_oper, ...rest }) => [`${num_oper}/${cod_idef_ver_oper}`, rest]),
    );

  it("keeps per operation version the higher priority, then the newer reception, with its origem; one-origin keys kept", async () => {
    // Prepare
    await drop("operations/");
    // Act
    firstRun = await stack.execute({ dataset: "operations", window });
    const run = firstRun;
    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    const rows = (
      await stack.pipeline.engine.run(
        selectColumns({ database: "silver", name: "operations" }, [
          "num_oper",
          "cod_idef_ver_oper",
          "origem",
          "cod_situ_oper",
          "anomesdia",
        ]),
      )
    ).rows;
    expect(byKey(rows)).toEqual(operationsSampleWinners);
    // Every column of the winning row is kept, not just the ranking ones.
    const op1001 = (
      await stack.pipeline.engine.run(
        selectColumns(
          { database: "silver", name: "operations" },
          ["num_prio_even_oper", "vlr_oper", "cod_moed", "_source_key"],
          { where: binary(column("num_oper"), "=", lit("OP-1001")) },
        ),
      )
    ).rows;
    expect(op1001).toEqual([
      {
        num_prio_even_oper: 2,
        vlr_oper: 150.25,
        cod_moed: "BRL",
        _source_key: "operations/batch/2024-05-01/sot-extract.json",
      },
    ]);
  });

  it("partitions silver by anomesdia and reports the catalog table it wrote", async () => {
    // Act: the first execution wrote silver; read its summary and the objects it left.
    const again = await stack.execute({ dataset: "operations", window });
    const objects = (await keysUnder("operations/_v=")).filter((key) => key.endsWith(".parquet"));
    // Assess
    expect(again.output!.journey).toMatchObject({ duplicate: true });
    expect(new Set(objects.map((key) => key.split("/")[3]))).toEqual(
      new Set(["anomesdia=20240501", "anomesdia=20240502"]),
    );
    expect(firstRun!.output!.silver).toMatchObject({
      target: { kind: "table", database: "silver", table: "operations" },
      partitionsRewritten: 2,
      rowsOut: 8,
    });
  });

  it("writes to a plain S3 path when the spec names only a path, and says so", async () => {
    // Prepare
    await drop("operations_export/");
    // Act
    const run = await stack.execute({ dataset: "operations_export", window });
    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.output!.silver).toMatchObject({
      target: { kind: "path", uri: EXPORT_PATH },
      partitionsRewritten: 2,
      rowsOut: 8,
    });
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: stack.names.Silver, Key: "exports/operations/_partitions.json" }))
      ).Body!.transformToString(),
    ) as { partitions: Record<string, { location: string }> };
    expect(Object.keys(manifest.partitions).sort()).toEqual(["anomesdia=20240501", "anomesdia=20240502"]);
    for (const [partition, { location }] of Object.entries(manifest.partitions)) {
      expect(location).toMatch(new RegExp(`^${EXPORT_PATH}_v=[0-9a-f]+/q0/${partition}/$`));
      expect(await keysUnder(location.replace(`s3://${stack.names.Silver}/`, ""))).not.toEqual([]);
    }
    // Nothing went to the catalog table of that dataset.
    expect(await keysUnder("operations_export/")).toEqual([]);
  });

  it("rewrites a path partition to a new version with the existing rows, and moves the manifest to it", async () => {
    // Prepare: a late batch correction of OP-1002 with a higher priority than its online event.
    const readManifest = async () =>
      JSON.parse(
        await (
          await s3.send(
            new GetObjectCommand({ Bucket: stack.names.Silver, Key: "exports/operations/_partitions.json" }),
          )
        ).Body!.transformToString(),
      ) as {
        partitions: Record<string, { location: string }>;
      };
    const before = await readManifest();
    const key = "operations_export/batch/2024-05-01/sot-correction.json";
    const late = {
      num_oper: "OP-1002",
      cod_idef_ver_oper: "1",
      num_prio_even_oper: 5,
      dat_recm_even_oper: "2024-05-02T06:00:00Z",
      dat_oper: "2024-05-01T00:00:00Z",
      cod_situ_oper: "estornada",
    };
    expect((await lake.land(key, JSON.stringify([late]))).error).toBeUndefined();
    // Act
    const run = await stack.execute({
      dataset: "operations_export",
      window: { from: "2024-05-02T06:00:00Z", to: "2024-05-02T07:00:00Z" },
    });
    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.output!.silver).toMatchObject({
      target: { kind: "path", uri: EXPORT_PATH },
      partitionsRewritten: 1,
      rowsBefore: 6,
      rowsOut: 6,
      duplicatesRemoved: 1,
    });
    const after = await readManifest();
    expect(after.partitions["anomesdia=20240502"]).toEqual(before.partitions["anomesdia=20240502"]);
    const location = after.partitions["anomesdia=20240501"]!.location;
    expect(location).not.toBe(before.partitions["anomesdia=20240501"]!.location);
    const [object] = (await keysUnder(location.replace(`s3://${stack.names.Silver}/`, ""))).filter((k) =>
      k.endsWith(".parquet"),
    );
    const bytes = await (
      await s3.send(new GetObjectCommand({ Bucket: stack.names.Silver, Key: object! }))
    ).Body!.transformToByteArray();
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      columns: ["num_oper", "origem", "cod_situ_oper"],
    });
    expect(rows.find((r) => r.num_oper === "OP-1002")).toEqual({
      num_oper: "OP-1002",
      origem: "batch",
      cod_situ_oper: "ESTORNADA",
    });
    // The engines read the path through the dataset's silver table, which mirrors the manifest
    // (on Athena that table is how existing rows are re-read).
    const viaTable = await stack.pipeline.engine.run(
      selectColumns({ database: "silver", name: "operations_export" }, ["num_oper", "cod_situ_oper"], {
        where: binary(column("num_oper"), "=", lit("OP-1002")),
      }),
    );
    expect(viaTable.rows).toEqual([{ num_oper: "OP-1002", cod_situ_oper: "ESTORNADA" }]);
  });
});
