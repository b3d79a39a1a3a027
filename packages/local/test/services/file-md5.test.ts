import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { md5OfFileOffThread } from "../../src/services/file-md5";

describe("a file's MD5 computed off the main thread", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "medallion-md5-"));
  });
  afterAll(() => rm(folder, { recursive: true }));

  it("is the MD5 and size of the file's bytes, for files of any size, asked for at once", async () => {
    // Prepare: empty, under one read, and over several 1 MB reads (not a multiple of it)
    const bodies = [Buffer.alloc(0), Buffer.from("one line\n"), randomBytes(5 * 1024 * 1024 + 3)];
    const files = await Promise.all(
      bodies.map(async (body, index) => {
        const file = join(folder, `file-${index}`);
        await writeFile(file, body);
        return file;
      }),
    );
    // Act
    const hashed = await Promise.all(files.map((file) => md5OfFileOffThread(file)));
    // Assess
    expect(hashed).toEqual(
      bodies.map((body) => ({ md5: createHash("md5").update(body).digest("hex"), size: body.length })),
    );
  });

  it("fails with the file system's error for a file it cannot read, and keeps serving", async () => {
    // Prepare
    const missing = join(folder, "missing");
    const present = join(folder, "present");
    await writeFile(present, "bytes");
    // Act
    const failed = await md5OfFileOffThread(missing).catch((error: unknown) => error);
    const after = await md5OfFileOffThread(present);
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(failed).toMatchObject({ code: "ENOENT", path: missing });
    expect(after).toEqual({ md5: createHash("md5").update("bytes").digest("hex"), size: 5 });
  });
});
