import { describe, expect, it } from "vitest";
import { DatasetSpecError } from "../../src/dataset/errors";
import { shippedDatasets } from "../../src/dataset/index";
import type { DatasetSpec } from "../../src/dataset/spec";
import { validateDatasetSpec } from "../../src/dataset/validate";

const minimal = (): DatasetSpec => ({
  name: "sensors",
  landingPrefix: "sensors/",
  fields: [
    { name: "id", type: "string", required: true },
    { name: "at", type: "timestamp", required: true },
    { name: "reading", type: "struct", fields: [{ name: "value", type: "double" }] },
  ],
  silver: {
    partition: { from: "at", year: "y", month: "m", day: "d" },
    dedup: { key: ["id", "y", "m", "d"], order: [{ column: "reading_value", descending: true }] },
    retentionDays: 1,
  },
});

function issuesOf(value: unknown): { path: string; reason: string }[] {
  try {
    validateDatasetSpec(value, { file: "/specs/x.ts" });
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetSpecError);
    expect((error as Error).message).toContain("dataset spec /specs/x.ts is invalid");
    return (error as DatasetSpecError).issues;
  }
  throw new Error("the spec was accepted");
}

describe("validateDatasetSpec", () => {
  it("accepts every shipped dataset and a minimal spec without gold, returning the same object", () => {
    // Prepare
    const specs = [...Object.values(shippedDatasets), minimal()];
    // Act
    const validated = specs.map((spec) => validateDatasetSpec(spec));
    // Assess
    for (const [i, spec] of validated.entries()) expect(spec).toBe(specs[i]);
  });

  it("names the field path and reason of every shape problem at once", () => {
    // Prepare
    const spec = {
      ...minimal(),
      name: "Sensors!",
      landingPrefix: "_done/",
      fields: [
        { name: "id", type: "int64" },
        { name: "id", type: "string", extra: 1 },
      ],
    };
    // Act
    const issues = issuesOf(spec);
    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(["name", "landingPrefix", "fields[0].type", "fields[1]"]);
    expect(issues[2]!.reason).toMatch(
      /'string' \| 'double' \| 'boolean' \| 'integer' \| 'timestamp' \| 'date' \| 'struct' \| 'list'/,
    );
    expect(issues[3]!.reason).toMatch(/extra/);
  });

  it("reports fields defined twice and nested struct problems with their paths", () => {
    // Prepare
    const twice = {
      ...minimal(),
      silver: undefined,
      fields: [
        { name: "a", type: "string" },
        { name: "a", type: "double" },
      ],
    };
    const nested = {
      ...minimal(),
      silver: undefined,
      fields: [{ name: "s", type: "struct", fields: [{ name: "x" }] }],
    };
    // Act
    const [twiceIssues, nestedIssues] = [twice, nested].map(issuesOf);
    // Assess
    expect(twiceIssues).toEqual([{ path: "fields[1].name", reason: "field a is defined twice" }]);
    expect(nestedIssues).toEqual([
      { path: "fields[0].fields[0].type", reason: expect.stringMatching(/discriminator/) },
    ]);
  });

  it("accepts a field renamed from a name no other field has, and refuses one that still exists", () => {
    // Prepare
    const spec = minimal();
    const renamed = { ...spec, fields: [...spec.fields, { name: "site", type: "string", renamedFrom: "place" }] };
    const clash = { ...spec, fields: [...spec.fields, { name: "site", type: "string", renamedFrom: "id" }] };
    // Act + Assess
    expect(validateDatasetSpec(renamed)).toBe(renamed);
    expect(issuesOf(clash)).toEqual([
      { path: "fields[3].renamedFrom", reason: "field site is renamed from id, but field id still exists" },
    ]);
  });

  it("accepts a field renamed twice (a list, newest first), and refuses a cycle or a clash, naming the field", () => {
    // Prepare
    const spec = minimal();
    const field = (renamedFrom: unknown) => ({
      ...spec,
      fields: [...spec.fields, { name: "site", type: "string", renamedFrom }],
    });
    // Act + Assess
    expect(validateDatasetSpec(field(["hub", "depot"]))).toEqual(field(["hub", "depot"]));
    expect(issuesOf(field(["hub", "site"]))).toEqual([
      {
        path: "fields[3].renamedFrom[1]",
        reason: "field site is renamed from site, but that is its own name: a rename history has no cycle",
      },
    ]);
    expect(issuesOf(field(["hub", "depot", "hub"]))).toEqual([
      {
        path: "fields[3].renamedFrom[2]",
        reason: "field site is renamed from hub, but hub is named twice in its history: a rename history has no cycle",
      },
    ]);
    expect(issuesOf(field(["hub", "id"]))).toEqual([
      { path: "fields[3].renamedFrom[1]", reason: "field site is renamed from id, but field id still exists" },
    ]);
    expect(issuesOf(field([]))).toEqual([
      { path: "fields[3].renamedFrom", reason: expect.stringContaining("at least one earlier name") },
    ]);
  });

  it("checks what silver and gold will build: unknown columns, dedup keys, gold keys, gold without silver", () => {
    // Prepare
    const badSilver = { ...minimal(), silver: { ...minimal().silver!, dedup: { key: ["id", "y", "m"], order: [] } } };
    const badGold = {
      ...minimal(),
      gold: {
        tables: [
          {
            name: "daily",
            key: ["nope"],
            dimensions: [{ name: "id", type: "varchar", expr: { kind: "column", path: ["id"] } }],
            aggregates: [{ name: "n", kind: "count" }],
            partitionBy: [],
            window: "day",
          },
        ],
      },
    };
    const goldOnly = { ...badGold, silver: undefined, gold: { tables: [{ ...badGold.gold.tables[0]!, key: ["id"] }] } };
    // Act
    const [silverIssues, goldIssues, goldOnlyIssues] = [badSilver, badGold, goldOnly].map(issuesOf);
    // Assess
    expect(silverIssues).toEqual([
      { path: "silver", reason: expect.stringMatching(/dedup key must include partition column d/) },
    ]);
    expect(goldIssues).toEqual([
      { path: "gold.tables[0]", reason: expect.stringMatching(/merge key nope is not a dimension/) },
    ]);
    expect(goldOnlyIssues).toEqual([{ path: "gold", reason: expect.stringMatching(/add a silver section/) }]);
  });

  it("rejects what is not a spec object at all", () => {
    // Act
    const issues = issuesOf(undefined);
    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("");
  });
});
