import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../packages/local/bin/medallion.js", import.meta.url));

describe("medallion run, interrupted with Ctrl-C", () => {
  let root: string;
  let landing: string;
  const files = 30;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-sigint-"));
    landing = join(root, "landing");
    await mkdir(landing);
    for (let file = 0; file < files; file++) {
      const records = Array.from({ length: 200 }, (_, index) => ({
        carChassis: `CAR${file}`,
        currentMileage: 1000 + index,
        metricTimestamp: "2024-05-01T10:00:00Z",
      }));
      await writeFile(
        join(landing, `part-${String(file).padStart(2, "0")}.ndjson`),
        records.map((record) => JSON.stringify(record)).join("\n"),
      );
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("finishes the writes in flight, exits 130, and a re-run completes with nothing lost or doubled", async () => {
    // Act: interrupt as soon as the first file is reported.
    const dataDir = join(root, "state");
    const child = spawn(process.execPath, [bin, "run", "--landing", landing, "--data-dir", dataDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let interrupted = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && stderr.includes("[1/")) interrupted = child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));

    // Assess: a clean, prompt stop.
    expect(code, stderr).toBe(130);
    expect(stderr).toContain("SIGINT: stopping the run");

    // Act: run again on the same state.
    const again = await medallion(["run", "--landing", landing, "--json", "--data-dir", dataDir]);

    // Assess: every file is in bronze exactly once.
    expect(again.code, again.stderr).toBe(0);
    const totals = JSON.parse(again.stdout).totals;
    expect(totals.files).toBe(files);
    expect(totals.filesFailed).toBe(0);
    expect(totals.duplicates).toBeGreaterThan(0);
    expect(totals.filesToBronze + totals.duplicates).toBe(files);
    const bronze = (await readdir(join(dataDir, "s3", "medallion-local-bronze"), { recursive: true })).filter((name) =>
      name.endsWith(".parquet._S3rver_object"),
    );
    expect(bronze).toHaveLength(files);
  });
});
