import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import type { LedgerEntry } from "@medallion/core/ledger";
import { getLedgerEntry } from "@medallion/core/ledger";
import type { JourneyJson, StepJson } from "@medallion/local/commands/journeys";
import { medallion } from "@medallion/testing/cli";
import { withLakeOn } from "@medallion/testing/lake";
import { landBronze, reading } from "@medallion/testing/silver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A poison bronze file: valid Parquet whose partition column plans fine, but whose `metrics`
// struct was written as a string, so every silver query that reads it fails; and a corrupt one,
// whose bytes are not Parquet, so planning cannot read it. Neither may block the good files
// landed with and after them, nor fail a run: the run that meets them plans again without them,
// sets them aside, and succeeds; once fixed, `redrive` brings them back.

const goodFile = (n: number) =>
  [0, 1]
    .map((i) =>
      JSON.stringify(
        reading({ carChassis: `GOOD-${n}-${i}`, currentMileage: 100 * n + i, metricTimestamp: "2024-01-05T10:00:00Z" }),
      ),
    )
    .join("\n");

describe("poison set-aside", () => {
  let root: string;
  let dataDir: string;
  let poison: LedgerEntry;
  let corrupt: LedgerEntry;
  let goodBytes: Uint8Array;
  let corruptBytes: Uint8Array;
  const cli = (args: string[]) => medallion([...args, "--dataset", "car_telemetry", "--json", "--data-dir", dataDir]);
  const land = async (n: number) => {
    const dir = join(root, `landing-${n}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `g${n}.ndjson`), goodFile(n));
    return cli(["run", "--landing", dir]);
  };
  const query = async (sql: string) => {
    const result = await medallion(["query", sql, "--json", "--data-dir", dataDir]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0].rows as Record<string, unknown>[];
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-setaside-e2e-"));
    dataDir = join(root, "state");
    // Prepare: the poison is pending before any good file lands.
    await withLakeOn(dataDir, async (lake) => {
      poison = await landBronze(lake, {
        name: "poison",
        readings: [reading({ carChassis: "POISON-1", metricTimestamp: "2024-01-05T11:00:00Z" })],
      });
      const object = await lake.s3.send(new GetObjectCommand({ Bucket: lake.names.Bronze, Key: poison.bronze_key }));
      goodBytes = await object.Body!.transformToByteArray();
      const good = join(root, "poison-good.parquet");
      const bad = join(root, "poison-bad.parquet");
      await writeFile(good, goodBytes);
      const duck = await (await DuckDBInstance.create()).connect();
      await duck.run(`COPY (SELECT * REPLACE ('oops' AS metrics) FROM read_parquet('${good}')) TO '${bad}'`);
      duck.closeSync();
      await lake.s3.send(
        new PutObjectCommand({ Bucket: lake.names.Bronze, Key: poison.bronze_key, Body: await readFile(bad) }),
      );
      corrupt = await landBronze(lake, {
        name: "corrupt",
        readings: [reading({ carChassis: "CORRUPT-1", metricTimestamp: "2024-01-05T12:00:00Z" })],
      });
      const stored = await lake.s3.send(new GetObjectCommand({ Bucket: lake.names.Bronze, Key: corrupt.bronze_key }));
      corruptBytes = await stored.Body!.transformToByteArray();
      await lake.s3.send(
        new PutObjectCommand({ Bucket: lake.names.Bronze, Key: corrupt.bronze_key, Body: "not parquet at all" }),
      );
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("sets aside a file failing silver and one planning cannot read, within the run, and redrives them", async () => {
    // Act: each run lands one good file; the first meets the poison and the corrupt file
    const runs = [];
    for (let n = 1; n <= 4; n++) runs.push(await land(n));

    // Assess: every run succeeds; the first plans again without the poison and sets both aside
    expect(
      runs.map((r) => r.code),
      runs.map((r) => r.stderr).join("\n"),
    ).toEqual([0, 0, 0, 0]);
    const [ledger, unreadable] = await withLakeOn(dataDir, (lake) =>
      Promise.all(
        [poison, corrupt].map((e) => getLedgerEntry(lake.doc, lake.names.Ledger!, "car_telemetry", e.file_id)),
      ),
    );
    expect(ledger).toMatchObject({ status: "set_aside", failed_step: "silver" });
    expect(ledger?.pending_dataset).toBeUndefined();
    expect(ledger?.last_error).toContain("metrics");
    // Planning could not read it twice: counted on it, and set aside without failing a plan
    expect(unreadable).toMatchObject({ status: "set_aside", failed_step: "plan", failures: 2 });
    expect(unreadable?.last_error).toContain("BronzeReadError");
    const journeys = await medallion(["journeys", "--json", "--data-dir", dataDir]);
    const listed = JSON.parse(journeys.stdout);
    expect(listed.setAside).toHaveLength(2);
    expect(listed.setAside).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dataset: "car_telemetry", fileId: poison.file_id, failedStep: "silver" }),
        expect.objectContaining({ dataset: "car_telemetry", fileId: corrupt.file_id, failedStep: "plan" }),
      ]),
    );
    // The first run's journey completed, recording its failed plans and the poison set aside by the last
    const failed = listed.journeys.flatMap((journey: JourneyJson) =>
      journey.steps.filter((step) => step.step === "plan_failed").map((step) => ({ journey, step })),
    );
    expect(new Set(failed.map((f: { journey: JourneyJson }) => f.journey.journeyId)).size).toBe(1);
    expect(failed[0].journey.status).toBe("completed");
    expect(failed.map((f: { step: StepJson }) => f.step.details?.setAside)).toEqual([[], [], [poison.file_id]]);
    // Silver and gold hold exactly the good files, as an independent count of them says
    const duck = await (await DuckDBInstance.create()).connect();
    const landed = [1, 2, 3, 4].map((n) => `'${join(root, `landing-${n}`, `g${n}.ndjson`)}'`).join(", ");
    const expected = (
      await duck.runAndReadAll(`SELECT count(DISTINCT carChassis)::INT AS cars FROM read_json([${landed}])`)
    ).getRowObjectsJson();
    duck.closeSync();
    expect(expected).toEqual([{ cars: 8 }]);
    expect(await query("SELECT count(DISTINCT carChassis)::INT AS cars FROM silver.car_telemetry")).toEqual(expected);
    expect(await query("SELECT count(DISTINCT car)::INT AS cars FROM gold.car_monthly")).toEqual(expected);

    // Act: fix the bronze objects, then redrive twice
    await withLakeOn(dataDir, async (lake) => {
      await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Bronze, Key: poison.bronze_key, Body: goodBytes }));
      await lake.s3.send(
        new PutObjectCommand({ Bucket: lake.names.Bronze, Key: corrupt.bronze_key, Body: corruptBytes }),
      );
    });
    const first = await cli(["redrive"]);
    const second = await cli(["redrive"]);

    // Assess: the first puts them back and its run consolidates them; the second changes nothing
    expect(first.code, first.stderr).toBe(0);
    const firstJson = JSON.parse(first.stdout);
    expect(firstJson.setAside).toHaveLength(2);
    expect(firstJson.setAside).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fileId: poison.file_id, failedStep: "silver" }),
        expect.objectContaining({ fileId: corrupt.file_id, failedStep: "plan" }),
      ]),
    );
    expect(firstJson.pipeline.status).toBe("SUCCEEDED");
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ setAside: [], pipeline: null });
    expect(
      await query("SELECT carChassis FROM silver.car_telemetry WHERE carChassis NOT LIKE 'GOOD%' ORDER BY 1"),
    ).toEqual([{ carChassis: "CORRUPT-1" }, { carChassis: "POISON-1" }]);
    expect(await query("SELECT count(DISTINCT carChassis)::INT AS cars FROM silver.car_telemetry")).toEqual([
      { cars: 10 },
    ]);
  }, 300_000);
});
