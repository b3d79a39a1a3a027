import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RejectedFile } from "../../src/ingest/quarantine";

describe("RejectedFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-rejected-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("writes every rejected record as one NDJSON line, across several flushes", async () => {
    // Prepare
    const file = new RejectedFile(join(dir, "many.ndjson"));
    const raw = "x".repeat(100_000); // 30 records of 100 KB force flushes at 1 MB
    // Act
    for (let i = 0; i < 30; i++) file.add({ source_key: "k", etag: "e", line: i + 1, index: i, reason: `r${i}`, raw });
    const path = file.close();
    // Assess
    const lines = (await readFile(path!, "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(file.count).toBe(30);
    expect(lines.map((line) => line.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(lines[29]).toEqual({ source_key: "k", etag: "e", line: 30, index: 29, reason: "r29", raw });
  });

  it("creates no file when nothing was rejected, and discards the file it created", async () => {
    // Prepare
    const empty = new RejectedFile(join(dir, "empty.ndjson"));
    const one = new RejectedFile(join(dir, "one.ndjson"));
    one.add({ source_key: "k", etag: "e", line: 1, index: 0, reason: "r", raw: "{}" });
    // Act
    const emptyPath = empty.close();
    const onePath = one.close();
    await one.discard();
    // Assess
    expect(emptyPath).toBeUndefined();
    await expect(stat(join(dir, "empty.ndjson"))).rejects.toThrow(/ENOENT/);
    await expect(stat(onePath!)).rejects.toThrow(/ENOENT/);
  });
});
