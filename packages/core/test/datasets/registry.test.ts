import { afterEach, describe, expect, it } from "vitest";
import { DatasetSpecError } from "../../src/dataset/errors";
import type { DatasetSpec } from "../../src/dataset/spec";
import { shippedDatasets } from "../../src/datasets/index";
import { knownDatasets, registerDataset, unregisterDataset } from "../../src/datasets/registry";

const spec = (name: string, prefix = `${name}/`): DatasetSpec => ({ name, landingPrefix: prefix, fields: [{ name: "id", type: "string" }] });

describe("dataset registry", () => {
  afterEach(() => {
    unregisterDataset("sensors");
  });

  it("knows the shipped datasets, plus those registered, read at call time", () => {
    // Prepare
    const before = knownDatasets();
    // Act
    registerDataset(spec("sensors"));
    const after = knownDatasets();
    // Assess
    expect(Object.keys(before)).toEqual(Object.keys(shippedDatasets));
    expect(Object.keys(after)).toEqual([...Object.keys(shippedDatasets), "sensors"]);
    expect(after.sensors!.landingPrefix).toBe("sensors/");
  });

  it("replaces a registration of the same name, and forgets it when unregistered", () => {
    // Act
    registerDataset(spec("sensors", "a/"));
    registerDataset(spec("sensors", "b/"));
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
    const refusal = () => registerDataset(spec(shippedName));
    const copy = knownDatasets();
    copy.sensors = spec("sensors");
    // Assess
    expect(refusal).toThrow(DatasetSpecError);
    expect(refusal).toThrow(/name of a shipped dataset/);
    expect(knownDatasets().sensors).toBeUndefined();
  });
});
