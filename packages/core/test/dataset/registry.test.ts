import { describe, expect, it } from "vitest";
import { datasetForKey } from "../../src/dataset/registry";
import type { DatasetSpec } from "../../src/dataset/spec";

const spec = (name: string, landingPrefix: string): DatasetSpec => ({ name, landingPrefix, fields: [] });

describe("datasetForKey", () => {
  it("picks the dataset whose landing prefix starts the key, the longest one when prefixes nest", () => {
    // Prepare
    const specs = [spec("cars", "cars/"), spec("cars_eu", "cars/eu/"), spec("ops", "ops/")];
    // Act
    const found = ["cars/a.json", "cars/eu/b.json", "ops/x/y.json"].map((key) => datasetForKey(specs, key)?.name);
    // Assess
    expect(found).toEqual(["cars", "cars_eu", "ops"]);
  });

  it("returns undefined for a key under no dataset's prefix (prefixes are not substrings)", () => {
    // Act
    const found = ["carsx/a.json", "x/cars/a.json", "a.json"].map((key) => datasetForKey([spec("cars", "cars/")], key));
    // Assess
    expect(found).toEqual([undefined, undefined, undefined]);
  });
});
