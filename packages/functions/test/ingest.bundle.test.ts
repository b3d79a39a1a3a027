import { fileURLToPath } from "node:url";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../src/ingest.ts", import.meta.url));

// hyparquet's read path: what reading a Parquet file back would bring into a bundle.
const READER = /node_modules\/hyparquet\/src\/(read|plan|rowgroup|column|datapage|assemble)\.js$/;

describe("the ingest handler's bundle", () => {
  it("holds none of hyparquet's reader: ingest writes bronze and reads nothing back", async () => {
    // Prepare / Act: bundled as infra deploys it (test/bench/bundles prints its size).
    const metafile = await bundleLikeLambda(entry, "ingest.mjs", { deployed: true, write: false });
    // Assess
    const inputs = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([path]) => path),
    );
    expect(inputs.some((path) => path.includes("hyparquet-writer/"))).toBe(true);
    expect(inputs.filter((path) => READER.test(path))).toEqual([]);
  });
});
