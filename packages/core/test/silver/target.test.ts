import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { operations } from "../../src/dataset/operations";
import type { DatasetSpec } from "../../src/dataset/spec";
import type { PartitionCatalog } from "../../src/silver/catalog";
import { SilverSpecError } from "../../src/silver/errors";
import type { SilverTargetSpec } from "../../src/silver/spec";
import { resolveTarget } from "../../src/silver/target";

// Resolving builds no request: the S3 client is only handed to the path catalog.
const s3 = new S3Client({ region: "us-east-1" });
const catalog: PartitionCatalog = {
  locate: async () => [],
  swap: async () => {},
  drop: async () => {},
  addColumns: async () => [],
};
const lake = { bucket: "lake-silver", table: { database: "medallion_silver", name: "operations" }, catalog, s3 };
const withTarget = (target: SilverTargetSpec | undefined): DatasetSpec => ({
  ...operations,
  silver: { ...operations.silver, target },
});

describe("resolveTarget", () => {
  it("defaults to the lake's silver table of the dataset, with its catalog", () => {
    // Act
    const resolved = resolveTarget({ ...lake, spec: withTarget(undefined) });
    // Assess
    expect(resolved.target).toEqual({ kind: "table", database: "medallion_silver", table: "operations" });
    expect(resolved).toMatchObject({ bucket: "lake-silver", root: "operations", table: lake.table });
    expect(resolved.catalog).toBe(catalog);
  });

  it("writes to the catalog table when both a table and a path are given", () => {
    // Act
    const resolved = resolveTarget({
      ...lake,
      spec: withTarget({ table: { name: "operations_consolidated" }, path: "s3://exports/operations/" }),
    });
    // Assess
    expect(resolved.target).toEqual({ kind: "table", database: "medallion_silver", table: "operations_consolidated" });
    expect(resolved.table).toEqual({ database: "medallion_silver", name: "operations_consolidated" });
  });

  it("writes to a plain S3 path, versions under it and a manifest as its catalog", () => {
    // Act
    const resolved = resolveTarget({ ...lake, spec: withTarget({ path: "s3://exports/consolidated/operations" }) });
    // Assess
    expect(resolved.target).toEqual({ kind: "path", uri: "s3://exports/consolidated/operations/" });
    expect(resolved).toMatchObject({ bucket: "exports", root: "consolidated/operations" });
    expect(resolved.catalog).not.toBe(catalog);
  });

  it("rejects a path that is not an S3 URI or names only a bucket", () => {
    // Act + Assess
    expect(() => resolveTarget({ ...lake, spec: withTarget({ path: "/tmp/operations" }) })).toThrow(SilverSpecError);
    expect(() => resolveTarget({ ...lake, spec: withTarget({ path: "s3://exports/" }) })).toThrow(/needs a prefix/);
  });
});
