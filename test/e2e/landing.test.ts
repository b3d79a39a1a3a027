import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { carReadings, expectedSilver, silverReadingsSql } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What `run --landing` takes from a folder: any key S3 takes (900 bytes here, through ingest and
// archive), and files whose name starts with a dot reported, never skipped in silence.
describe("medallion run --landing: long keys and dot files", () => {
  let root: string;
  let landing: string;
  let longPath: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-landing-"));
    landing = join(root, "landing");
    // Four folders of 200 characters and a file: a landing key of 900 bytes with its prefix.
    const folders = ["a", "b", "c", "d"].map((letter) => letter.repeat(200));
    const name = `${"e".repeat(900 - "car_telemetry/".length - 4 * 201 - ".ndjson".length)}.ndjson`;
    longPath = [...folders, name].join("/");
    await mkdir(join(landing, ...folders), { recursive: true });
    await writeFile(
      join(landing, ...folders, name),
      carReadings(1)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    await writeFile(join(landing, ".DS_Store"), "not data");
    await mkdir(join(landing, ".cache"));
    await writeFile(join(landing, ".cache", "part.ndjson"), "{}");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("ingests and archives a 900-byte landing key, and names the dot files it did not drop", async () => {
    // Act
    const dataDir = join(root, "state");
    const run = await medallion(["run", "--landing", landing, "--json", "--data-dir", dataDir]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    const key = `car_telemetry/${longPath}`;
    expect(Buffer.byteLength(key)).toBe(900);
    expect(summary.files).toMatchObject([{ key, status: "bronze", error: null }]);
    // The ETag the notification carried (named in the bronze key) is the dropped file's MD5.
    const md5 = createHash("md5")
      .update(await readFile(join(landing, ...longPath.split("/"))))
      .digest("hex");
    expect(summary.files[0].result.bronzeKey).toMatch(new RegExp(`-${md5}\\.parquet$`));
    expect(summary.skipped).toEqual([".DS_Store", ".cache/part.ndjson"]);
    expect(run.stderr).toContain("Skipping 2 file(s) whose name starts with a dot");
    // Archived under _done/, with its whole key; its rows in silver.
    const landingFiles = (await readdir(join(dataDir, "s3", "medallion-local-landing"), { recursive: true })).filter(
      (path) => path.endsWith("._S3rver_object"),
    );
    expect(landingFiles).toHaveLength(1);
    expect(landingFiles[0]!.startsWith("_done/")).toBe(true);
    const silver = await medallion(["query", silverReadingsSql, "--json", "--data-dir", dataDir]);
    expect(JSON.parse(silver.stdout).results[0].rows).toEqual(expectedSilver(carReadings(1)));
  });

  it("refuses a file whose landing key S3 would refuse, naming the file", async () => {
    // Prepare: five folders of 200 characters: a key of more than S3's 1,024 bytes.
    const tooLong = join(root, "too-long");
    const folders = ["a", "b", "c", "d", "e"].map((letter) => letter.repeat(200));
    await mkdir(join(tooLong, ...folders), { recursive: true });
    const file = join(tooLong, ...folders, "reading.ndjson");
    await writeFile(file, JSON.stringify(carReadings(1)[0]));
    // Act
    const run = await medallion(["run", "--landing", tooLong, "--json", "--data-dir", join(root, "state-long")]);
    // Assess
    expect(run.code).not.toBe(0);
    const { message } = JSON.parse(run.stdout).error;
    expect(message.startsWith(`${file}: could not drop it into s3://`)).toBe(true);
    expect(message).toMatch(/key is too long \(\d+ bytes; the limit is 1024\)/);
  });
});
