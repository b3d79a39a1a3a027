import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../packages/local/bin/medallion.js", import.meta.url));

describe("medallion dev", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-dev-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("takes a file dropped into the watched folder to silver, then stops cleanly on Ctrl-C", async () => {
    // Prepare
    const drop = join(root, "drop");
    const dataDir = join(root, "state");
    await mkdir(drop);
    const child = spawn(process.execPath, [bin, "dev", "--data-dir", dataDir, "--drop", drop, "--every", "2s"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${stdout}`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(stdout)) {
            clearTimeout(timer);
            child.stdout.off("data", check);
            resolve();
          }
        };
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          check();
        });
        check();
      });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await waitFor(/Ready\. Ctrl-C to stop\./);
    expect(stdout).toMatch(/S3 endpoint {2}http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/aws s3 cp .* --endpoint-url http:\/\/127\.0\.0\.1:\d+/);

    // Act: drop a file, wait for the pipeline to take it to silver, then Ctrl-C.
    await writeFile(
      join(drop, "reading.json"),
      JSON.stringify({ carChassis: "DEV-1", currentMileage: 321, metricTimestamp: "2024-06-01T10:00:00Z" }),
    );
    await waitFor(/ingest ✓ car_telemetry\/reading\.json: 1 records → 1 bronze/);
    await waitFor(/SUCCEEDED in [\d.]+ s: silver 1 partition\(s\) rewritten, 1 rows in/);
    child.kill("SIGINT");
    const code = await exited;

    // Assess
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("Stopped: writes in flight finished, state saved.");
    expect(await readdir(join(drop, "_uploaded"))).toEqual(["reading.json"]);
    const silver = await medallion([
      "query",
      "SELECT carChassis, currentMileage FROM silver.car_telemetry",
      "--json",
      "--data-dir",
      dataDir,
    ]);
    expect(silver.code, silver.stderr).toBe(0);
    expect(JSON.parse(silver.stdout)).toEqual([{ carChassis: "DEV-1", currentMileage: 321 }]);
  });
});
