import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A Lambda is one esbuild bundle, and the encoding worker runs that bundle itself. This
// bundles an entry the way SST bundles a handler and runs it with plain node, no tsx.
describe("bronze encoding worker in a bundle", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-bundle-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("runs from the bundle and writes every row", async () => {
    // Prepare
    const src = join(import.meta.dirname, "../../src");
    const entry = join(dir, "entry.ts");
    await writeFile(
      entry,
      `import { isMainThread } from "node:worker_threads";
import { Readable } from "node:stream";
import { carTelemetry } from ${JSON.stringify(join(src, "dataset/car-telemetry.ts"))};
import { convertToBronze } from ${JSON.stringify(join(src, "bronze/convert.ts"))};
if (isMainThread) {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ carChassis: "C" + i, currentMileage: i, metricTimestamp: "2024-01-01T00:00:00Z" }) + "\\n");
  const result = await convertToBronze(Readable.from([Buffer.from(lines.join(""))]), { spec: carTelemetry, sourceKey: "k", parquetPath: process.argv[2], rowGroupSize: 8, worker: true });
  console.log(JSON.stringify(result));
}
`,
    );
    const bundle = join(dir, "entry.mjs");
    await bundleLikeLambda(entry, bundle);
    const parquetPath = join(dir, "out.parquet");
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, parquetPath]);
    // Assess
    expect(JSON.parse(stdout)).toMatchObject({ recordsIn: 50, recordsBronze: 50, parquetPath });
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(parquetPath),
      columns: ["carChassis", "_record_index"],
    });
    expect(rows).toEqual(Array.from({ length: 50 }, (_, i) => ({ carChassis: `C${i}`, _record_index: i })));
  });
});
