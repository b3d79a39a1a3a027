import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DroppedFile } from "../src/drop-folder";
import { UPLOADED_DIR, watchDropFolder } from "../src/drop-folder";

describe("watchDropFolder", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("hands over a settled file by path and size, moves it aside, and reports dot files once", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "medallion-drop-"));
    await mkdir(join(dir, ".partial"));
    await writeFile(join(dir, "reading.json"), "{}\n");
    await writeFile(join(dir, ".reading.json.swp"), "x");
    await writeFile(join(dir, ".partial", "copying.json"), "{}");
    const taken: DroppedFile[] = [];
    const skipped: [string, string][] = [];
    // Act: enough polls for the file to settle and for the dot files to be seen several times.
    const stop = await watchDropFolder({
      dir,
      intervalMs: 20,
      onFile: async (file) => void taken.push(file),
      onError: (path, error) => {
        throw new Error(`${path}: ${error}`);
      },
      onSkipped: (path, reason) => void skipped.push([path, reason]),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stop();
    // Assess
    expect(taken).toEqual([{ path: "reading.json", file: join(dir, "reading.json"), size: 3 }]);
    expect(await readdir(join(dir, UPLOADED_DIR))).toEqual(["reading.json"]);
    expect(skipped.map(([path]) => path).sort()).toEqual([".partial/copying.json", ".reading.json.swp"]);
    expect(skipped[0]![1]).toMatch(/starts with a dot/);
  });
});
