import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { medallion } from "@medallion/testing/cli";
import type { CarReading } from "@medallion/testing/readings";
import { carReadings, expectedSilver, silverReadingsSql } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../packages/local/bin/medallion.js", import.meta.url));

// `medallion run --landing` killed (-9) or interrupted (Ctrl-C) at a point of its run, then run
// again at once on the same data directory: the rerun is not blocked by anything the first one
// held (journey, lock, ingestions in flight) and converges to the silver computed here and the
// gold of a run never stopped.
describe("medallion run, killed or interrupted, then run again at once", () => {
  let root: string;
  let landing: string;
  const readings: CarReading[] = [];
  let referenceGold: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-kill-"));
    landing = join(root, "landing");
    await mkdir(landing);
    for (let file = 0; file < 12; file++) {
      const records = carReadings(file, 400);
      readings.push(...records);
      await writeFile(join(landing, `part-${file}.ndjson`), records.map((r) => JSON.stringify(r)).join("\n"));
    }
    const reference = join(root, "reference");
    const run = await medallion(["run", "--landing", landing, "--data-dir", reference]);
    expect(run.code, run.stderr).toBe(0);
    referenceGold = await goldOf(reference);
  }, 120_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cases: { signal: NodeJS.Signals; at: string }[] = [
    { signal: "SIGKILL", at: "[1/" },
    { signal: "SIGKILL", at: "▶ RunSilverQuery" },
    { signal: "SIGKILL", at: "▶ RunGoldMerge" },
    // Ctrl-C during the query hung for good before (closing DuckDB under a running statement).
    { signal: "SIGINT", at: "▶ RunSilverQuery" },
  ];
  it.each(cases)(
    "$signal at “$at”: the rerun converges",
    async ({ signal, at }) => {
      // Prepare + Act: stop the run when it reports `at`.
      const dataDir = join(root, `${signal}-${at.replace(/\W/g, "")}`);
      const child = spawn(process.execPath, [bin, "run", "--landing", landing, "--data-dir", dataDir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      let signalledAt = 0;
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!signalledAt && stderr.includes(at)) {
          signalledAt = Date.now();
          child.kill(signal);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", (exit) => resolve(exit)));
      const tookMs = Date.now() - signalledAt;
      // Assess: Ctrl-C exits 130 within 5 s, saying so.
      expect(signalledAt, stderr).toBeGreaterThan(0);
      if (signal === "SIGINT") {
        expect(code, stderr).toBe(130);
        expect(tookMs, stderr).toBeLessThan(5_000);
      }
      // Act: the next command, at once.
      const again = await medallion(["run", "--landing", landing, "--json", "--data-dir", dataDir]);
      // Assess
      expect(again.code, again.stderr).toBe(0);
      const summary = JSON.parse(again.stdout);
      expect(summary.totals.filesFailed).toBe(0);
      expect(await silverOf(dataDir)).toEqual(expectedSilver(readings));
      expect(await goldOf(dataDir)).toEqual(referenceGold);
      // The stopped run's journey is not left in progress.
      const journeys = await medallion(["journeys", "--json", "--data-dir", dataDir]);
      const listed = JSON.parse(journeys.stdout).journeys as { status: string; error: { name: string } | null }[];
      expect(listed.filter((journey) => journey.status === "in_progress")).toEqual([]);
    },
    120_000,
  );
});

async function silverOf(dataDir: string): Promise<unknown[]> {
  const result = await medallion(["query", silverReadingsSql, "--json", "--data-dir", dataDir]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).results[0].rows;
}

async function goldOf(dataDir: string): Promise<string> {
  const sql = "SELECT * FROM gold.car_monthly ORDER BY ALL; SELECT * FROM gold.manufacturer_daily ORDER BY ALL";
  const result = await medallion(["query", sql, "--json", "--data-dir", dataDir]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.stringify(JSON.parse(result.stdout).results.map((r: { rows: unknown }) => r.rows));
}
