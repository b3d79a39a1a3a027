import { afterEach, describe, expect, it } from "vitest";
import { DatasetSpecError } from "../../src/dataset/errors";
import { shippedDatasets } from "../../src/dataset/index";
import {
  checkDeployment,
  datasetForKey,
  knownDatasets,
  registerDataset,
  registerDatasets,
  unregisterDataset,
} from "../../src/dataset/registry";
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

const namedSpec = (name: string, prefix = `${name}/`): DatasetSpec => ({
  name,
  landingPrefix: prefix,
  fields: [{ name: "id", type: "string" }],
});

describe("dataset registry", () => {
  afterEach(() => {
    unregisterDataset("sensors");
  });

  it("knows the shipped datasets, plus those registered, read at call time", () => {
    // Prepare
    const before = knownDatasets();
    // Act
    registerDataset(namedSpec("sensors"));
    const after = knownDatasets();
    // Assess
    expect(Object.keys(before)).toEqual(Object.keys(shippedDatasets));
    expect(Object.keys(after)).toEqual([...Object.keys(shippedDatasets), "sensors"]);
    expect(after.sensors!.landingPrefix).toBe("sensors/");
  });

  it("replaces a registration of the same name, and forgets it when unregistered", () => {
    // Act
    registerDataset(namedSpec("sensors", "a/"));
    registerDataset(namedSpec("sensors", "b/"));
    const replaced = knownDatasets().sensors?.landingPrefix;
    const removed = unregisterDataset("sensors");
    // Assess
    expect(replaced).toBe("b/");
    expect(removed).toBe(true);
    expect(knownDatasets().sensors).toBeUndefined();
  });

  it("refuses a shipped dataset's name and is not changed by editing what it returns", () => {
    // Prepare
    const shippedName = Object.keys(shippedDatasets)[0]!;
    // Act
    const refusal = () => registerDataset(namedSpec(shippedName));
    const copy = knownDatasets();
    copy.sensors = namedSpec("sensors");
    // Assess
    expect(refusal).toThrow(DatasetSpecError);
    expect(refusal).toThrow(/name of a shipped dataset/);
    expect(knownDatasets().sensors).toBeUndefined();
  });
});

describe("checkDeployment and registerDatasets", () => {
  afterEach(() => {
    unregisterDataset("sensors");
  });

  it("names every problem of a deployment's list: an invalid spec, a name twice, a prefix twice (nesting is fine)", () => {
    // Prepare
    const list = [
      namedSpec("sensors"),
      { ...namedSpec("bad"), fields: [{ name: "at", type: "timestamp", timezone: "Mars/Olympus" }] },
      namedSpec("sensors", "other/"),
      namedSpec("sensors_eu", "sensors/eu/"),
      namedSpec("sensors_too", "sensors/"),
    ];
    // Act
    let error: unknown;
    try {
      checkDeployment(list, { source: "datasets/index.ts" });
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(DatasetSpecError);
    expect((error as DatasetSpecError).file).toBe("datasets/index.ts");
    expect((error as DatasetSpecError).issues).toEqual([
      { path: "datasets[1].fields[0].timezone", reason: expect.stringMatching(/IANA time zone/) },
      { path: "datasets[1].name", reason: "dataset sensors is listed twice" },
      {
        path: "datasets[3].landingPrefix",
        reason: "sensors/ is sensors's landing prefix too: each dataset needs one of its own (one may nest in another)",
      },
    ]);
  });

  it("registers a deployment's datasets, a shipped example listed as it ships included", () => {
    // Act
    const registered = registerDatasets([shippedDatasets.car_telemetry, namedSpec("sensors")]);
    // Assess
    expect(registered.map((s) => s.name)).toEqual(["car_telemetry", "sensors"]);
    expect(Object.keys(knownDatasets())).toEqual(expect.arrayContaining(["car_telemetry", "operations", "sensors"]));
  });
});
