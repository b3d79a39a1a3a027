import type { S3Client } from "@aws-sdk/client-s3";
import { athena, utf8Bytes } from "@medallion/core/limits";
import type { SilverPlan } from "@medallion/core/silver";
import { consolidationStatement, MAX_PLAN_QUERY_BYTES, planSilver, resolveTarget } from "@medallion/core/silver";
import { renderAthena } from "@medallion/core/sql";
import { localClients } from "@medallion/local/services/clients";
import type { TestLake } from "@medallion/testing/lake";
import type { Reading, SilverLake } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// One reading per day from 2024-01-01, for `days` days.
const daily = (days: number, car = "CAR-1"): Reading[] =>
  Array.from({ length: days }, (_, i) =>
    reading({
      carChassis: car,
      currentMileage: 1_000 + i,
      metricTimestamp: new Date(Date.UTC(2024, 0, 1 + i, 10)).toISOString(),
    }),
  );

describe("silver within Athena's and Step Functions' limits (embedded engine as strict as Athena)", () => {
  let lake: TestLake;
  let silver: SilverLake;
  beforeEach(async () => {
    silver = await startSilverLake();
    lake = silver.lake;
  });
  afterEach(() => silver?.close());

  it("refuses, as Athena does, one UNLOAD writing more than 100 partitions", async () => {
    // Prepare: one file over 101 days, and the single statement that would rewrite them all.
    const entry = await landBronze(lake, { name: "span", readings: daily(101) });
    const { options } = silver;
    const target = resolveTarget({ ...options, bucket: options.buckets.silver, table: options.tables.silver });
    const statement = consolidationStatement({
      spec: options.spec,
      bronze: {
        table: options.tables.bronze,
        uris: [`s3://${options.buckets.bronze}/${entry.bronze_key}`],
        ingestDates: [],
      },
      silver: { table: target.table, existing: [] },
      to: `s3://${options.buckets.silver}/car_telemetry/_v=one/`,
    });
    // Act + Assess
    await expect(silver.engine.run(statement)).rejects.toMatchObject({
      name: "QueryFailedError",
      reason: expect.stringMatching(/^HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers/),
    });
  });

  it("plans a file over 250 days as three statements of at most 100 partitions, into one version", async () => {
    // Prepare
    await landBronze(lake, { name: "span", readings: daily(250) });
    // Act
    const result = await silver.consolidate();
    // Assess
    const { plan } = result;
    expect(plan.statements).toHaveLength(3);
    const perStatement = new Map<string, number>();
    for (const { location } of plan.partitions) {
      const folder = /_v=[0-9a-f]+\/(q\d+)\//.exec(location)![1]!;
      perStatement.set(folder, (perStatement.get(folder) ?? 0) + 1);
    }
    expect([...perStatement.values()]).toEqual([100, 100, 50]);
    expect(new Set(plan.partitions.map((p) => /_v=([0-9a-f]+)\//.exec(p.location)![1])).size).toBe(1);
    expect(result).toMatchObject({ partitionsRewritten: 250, rowsIn: 250, rowsOut: 250 });
    expect(await silver.rows()).toHaveLength(250);
  });

  it("rewrites 250 existing partitions with their rows, again in statements of at most 100", async () => {
    // Prepare: a first consolidation, then a second file over the same days with higher mileage on even days.
    await landBronze(lake, { name: "first", readings: daily(250) });
    await silver.consolidate();
    await landBronze(lake, {
      name: "second",
      readings: daily(250).map((r, i) => ({
        ...r,
        currentMileage: r.currentMileage + (i % 2 === 0 ? 10_000 : -10_000),
      })),
    });
    // Act
    const result = await silver.consolidate();
    // Assess
    expect(result).toMatchObject({ partitionsRewritten: 250, rowsBefore: 250, rowsOut: 250, duplicatesRemoved: 250 });
    const mileages = (await silver.rows()).map((row) => Number(row.currentMileage));
    expect(mileages.filter((m) => m >= 11_000)).toHaveLength(125);
  });

  it("reads only the footer and the partition column of a bronze file to plan, in ranged requests", async () => {
    // Prepare: a bronze file of 20,000 readings, and an S3 client that counts what planning fetches.
    const readings = Array.from({ length: 20_000 }, (_, i) =>
      reading({
        carChassis: `CAR-${i}`,
        Model: `model ${i} `.repeat(8),
        metricTimestamp: new Date(Date.UTC(2024, 0, 1 + (i % 3), 10)).toISOString(),
      }),
    );
    const entry = await landBronze(lake, { name: "big", readings });
    const counted = countingS3(lake);
    // Act
    const plan = await planSilver({ ...silver.options, s3: counted.s3 });
    // Assess
    expect(plan.partitions).toHaveLength(3);
    const size = (
      await lake.s3.send(
        new (
          await import("@aws-sdk/client-s3")
        ).HeadObjectCommand({
          Bucket: lake.names.Bronze,
          Key: entry.bronze_key,
        }),
      )
    ).ContentLength!;
    const bronzeReads = counted.gets.filter((get) => get.bucket === lake.names.Bronze);
    expect(bronzeReads.length).toBeGreaterThan(0);
    for (const get of bronzeReads) expect(get.range, "every read is ranged").toMatch(/^bytes=\d+-\d+$/);
    const fetched = bronzeReads.reduce((n, get) => n + get.bytes, 0);
    expect(fetched).toBeLessThan(size / 3);
    counted.destroy();
  });

  it("caps a plan by the bytes its statements take, so each fits a Step Functions state", async () => {
    // Prepare: 120 files with 900-character keys (folders, as file names are short on disk): 200
    // of them would not fit one statement.
    const folders = `${"f".repeat(200)}/`.repeat(4);
    for (let i = 0; i < 120; i++)
      await landBronze(lake, {
        name: `${folders}${String(i).padStart(3, "0")}`,
        readings: daily(1, `CAR-${i}`),
      });
    // Act
    const plans: SilverPlan[] = [];
    for (let round = 0; round < 10; round++) {
      const { plan, files } = await silver.consolidate();
      if (files === 0) break;
      plans.push(plan);
    }
    // Assess
    expect(plans.length).toBeGreaterThan(1);
    expect(plans.reduce((n, plan) => n + plan.files.length, 0)).toBe(120);
    for (const plan of plans)
      for (const statement of plan.statements)
        expect(utf8Bytes(renderAthena(statement))).toBeLessThanOrEqual(MAX_PLAN_QUERY_BYTES);
    expect(MAX_PLAN_QUERY_BYTES).toBeLessThan(athena.maxQueryBytes);
    expect(await silver.rows()).toHaveLength(120);
  });
});

// An S3 client of the lake's that records every GET: bucket, Range and bytes returned.
function countingS3(lake: TestLake): {
  s3: S3Client;
  gets: { bucket: string; range?: string; bytes: number }[];
  destroy(): void;
} {
  const clients = localClients(lake.services.env);
  const gets: { bucket: string; range?: string; bytes: number }[] = [];
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "GetObjectCommand") {
        const input = args.input as { Bucket: string; Range?: string };
        const output = result.output as { ContentLength?: number };
        gets.push({ bucket: input.Bucket, range: input.Range, bytes: output.ContentLength ?? 0 });
      }
      return result;
    },
    { step: "initialize", name: "countGets" },
  );
  return { s3: clients.s3, gets, destroy: () => clients.destroy() };
}
