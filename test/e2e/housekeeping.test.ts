import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const objectsUnder = async (dir: string) =>
  (await readdir(dir, { recursive: true }))
    .filter((name) => name.endsWith("._S3rver_object"))
    .map((name) => name.replace(/\._S3rver_object$/, ""))
    .sort();

describe("landing housekeeping on the embedded stack", () => {
  let root: string;
  let landing: string;
  let dataDir: string;
  const good = [
    { carChassis: "HK1", currentMileage: 10, metricTimestamp: "2024-08-01T10:00:00Z" },
    { carChassis: "HK2", currentMileage: 20, metricTimestamp: "2024-08-01T11:00:00Z" },
  ];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-housekeeping-"));
    landing = join(root, "landing");
    dataDir = join(root, "state");
    await mkdir(join(landing, "gw"), { recursive: true });
    await writeFile(join(landing, "gw", "good.ndjson"), good.map((record) => JSON.stringify(record)).join("\n"));
    await writeFile(join(landing, "gw", "broken.json"), '[{"carChassis": "HK3"');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("moves ingested files to _done/, a file quarantined whole to _failed/ with its reason, and re-archives a re-landed file", async () => {
    // Act
    const first = await medallion(["run", "--landing", landing, "--allow-quarantine", "--json", "--data-dir", dataDir]);
    const landingDir = join(dataDir, "s3", "medallion-local-landing");
    const afterFirst = await objectsUnder(landingDir);
    const bronzeAfterFirst = await objectsUnder(join(dataDir, "s3", "medallion-local-bronze"));
    const again = await medallion(["run", "--landing", landing, "--allow-quarantine", "--json", "--data-dir", dataDir]);

    // Assess: first run — nothing left at the original keys, the bytes kept in the archive.
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).totals).toMatchObject({ files: 2, filesToBronze: 1, filesQuarantined: 1 });
    expect(afterFirst).toEqual([
      "_done/car_telemetry/gw/good.ndjson",
      "_failed/car_telemetry/gw/broken.json",
      "_failed/car_telemetry/gw/broken.json.reason.json",
    ]);
    expect(await readFile(join(landingDir, "_done/car_telemetry/gw/good.ndjson._S3rver_object"), "utf8")).toBe(
      good.map((record) => JSON.stringify(record)).join("\n"),
    );
    const reason = JSON.parse(
      await readFile(join(landingDir, "_failed/car_telemetry/gw/broken.json.reason.json._S3rver_object"), "utf8"),
    );
    expect(reason).toMatchObject({ source_key: "car_telemetry/gw/broken.json" });
    expect(reason.reason).toMatch(/never closed/);

    // Second run with the same files: recognised as duplicates, archived again, bronze unchanged.
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals).toMatchObject({ files: 2, duplicates: 2, filesFailed: 0 });
    expect(await objectsUnder(landingDir)).toEqual(afterFirst);
    expect(await objectsUnder(join(dataDir, "s3", "medallion-local-bronze"))).toEqual(bronzeAfterFirst);
  });
});
