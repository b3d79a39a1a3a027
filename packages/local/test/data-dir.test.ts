import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimDataDir, DataDirInUseError, liveEndpoints, publishEndpoints } from "../src/data-dir";

describe("a data directory's claim and endpoints", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-data-dir-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  // A live process other than this one: the test runner's parent.
  const otherHolder = async (command: string) => {
    await writeFile(join(dataDir, "medallion.pid"), String(process.ppid));
    await writeFile(
      join(dataDir, "medallion.json"),
      JSON.stringify({ pid: process.ppid, command, s3: "http://127.0.0.1:1", dynamodb: "http://127.0.0.1:2" }),
    );
  };

  it("says where the holder serves, readable by its user only, and withdraws it on release", async () => {
    // Act
    const release = await claimDataDir(dataDir);
    await publishEndpoints(dataDir, {
      pid: process.pid,
      command: "dev",
      s3: "a",
      dynamodb: "b",
      reads: { url: "c", token: "t" },
    });
    const published = await liveEndpoints(dataDir);
    const mode = (await stat(join(dataDir, "medallion.json"))).mode & 0o777;
    await release();
    // Assess
    expect(published).toMatchObject({ command: "dev", reads: { token: "t" } });
    expect(mode).toBe(0o600);
    expect(await liveEndpoints(dataDir)).toBeUndefined();
    await expect(readFile(join(dataDir, "medallion.pid"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("waits for a directory held for a moment by a read, then takes it", async () => {
    // Prepare
    await otherHolder("journeys");
    setTimeout(() => void rm(join(dataDir, "medallion.pid"), { force: true }), 300);
    // Act
    const release = await claimDataDir(dataDir);
    // Assess
    expect((await readFile(join(dataDir, "medallion.pid"), "utf8")).trim()).toBe(String(process.pid));
    await release();
  });

  it("refuses a directory a long-running command holds, naming it", async () => {
    // Prepare
    await otherHolder("dev");
    // Act + Assess
    await expect(claimDataDir(dataDir)).rejects.toThrow(DataDirInUseError);
    await expect(claimDataDir(dataDir)).rejects.toThrow(
      /in use by another medallion process \(pid \d+, medallion dev\)/,
    );
  });
});
