import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/index";
import type { DatasetSpec } from "../../src/dataset/spec";
import { appliedSchemaOf, classifySchemaChanges, refusalMessage } from "../../src/schema/index";

const base: DatasetSpec = {
  name: "scans",
  landingPrefix: "scans/",
  fields: [
    { name: "id", type: "string", required: true },
    { name: "at", type: "timestamp", required: true },
    { name: "pieces", type: "integer" },
    { name: "hub", type: "string" },
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }] },
    { name: "tags", type: "list", items: { type: "integer" } },
  ],
  silver: {
    partition: { from: "at", yyyymmdd: "day" },
    dedup: { key: ["id", "day"], order: [{ column: "at", descending: true }] },
    retentionDays: 3,
  },
};

const classify = (next: DatasetSpec) => classifySchemaChanges(appliedSchemaOf(base), appliedSchemaOf(next));
const withFields = (fields: DatasetSpec["fields"]): DatasetSpec => ({ ...base, fields });

describe("classifySchemaChanges", () => {
  it("finds no change in an equal spec", () => {
    expect(classify(structuredClone(base))).toEqual([]);
  });

  it("applies new optional fields, struct fields, integer → double and list items widening by itself", () => {
    // Act
    const changes = classify(
      withFields([
        ...base.fields.slice(0, 2),
        { name: "pieces", type: "double" },
        { name: "hub", type: "string" },
        {
          name: "weight",
          type: "struct",
          fields: [
            { name: "kg", type: "double" },
            { name: "cm", type: "double" },
          ],
        },
        { name: "tags", type: "list", items: { type: "double" } },
        { name: "note", type: "string" },
      ]),
    );
    // Assess
    expect(changes.map((c) => [c.class, c.what, c.change, c.old, c.new])).toEqual([
      ["compatible", "field pieces", "type", "integer", "double"],
      ["compatible", "field weight.cm", "added", null, "double"],
      ["compatible", "field tags[]", "type", "integer", "double"],
      ["compatible", "field note", "added", null, "string"],
    ]);
  });

  it("refuses a changed type, a narrowing and a field made required, naming old and new", () => {
    const changes = classify(
      withFields([
        ...base.fields.slice(0, 2),
        { name: "pieces", type: "integer", required: true },
        { name: "hub", type: "double" },
        { name: "weight", type: "struct", fields: [{ name: "kg", type: "integer" }] },
        base.fields[5]!,
      ]),
    );
    expect(changes.map((c) => [c.class, c.what, c.change, c.old, c.new])).toEqual([
      ["incompatible", "field pieces", "required", "optional", "required"],
      ["incompatible", "field hub", "type", "string", "double"],
      ["incompatible", "field weight.kg", "type", "double", "integer"],
    ]);
  });

  it("keeps a dropped field as compatible (old partitions keep it, NULL afterwards)", () => {
    expect(classify(withFields(base.fields.filter((f) => f.name !== "hub")))).toEqual([
      { class: "compatible", what: "field hub", change: "dropped", old: "string", new: null },
    ]);
  });

  it("needs a rebuild for a changed dedup, partitioning, cleanse rule or derived formula", () => {
    const changes = classify({
      ...base,
      silver: {
        ...base.silver!,
        partition: { from: "at", yyyymmdd: "scan_day" },
        dedup: { key: ["id"], order: [] },
        cleanse: { hub: "upper" },
      },
    });
    expect(changes.map((c) => [c.class, c.what])).toEqual([
      ["rebuild", "silver partition"],
      ["rebuild", "silver dedup"],
      ["rebuild", "silver cleanse hub"],
    ]);
  });

  it("adds a gold aggregate by itself, and needs a rebuild for a changed key or window", () => {
    const [monthly, daily] = carTelemetry.gold!.tables;
    const next: DatasetSpec = {
      ...carTelemetry,
      gold: {
        ...carTelemetry.gold!,
        tables: [
          { ...monthly!, aggregates: [...monthly!.aggregates, { name: "readings", kind: "count" }] },
          { ...daily!, window: "month" },
        ],
      },
    };
    const changes = classifySchemaChanges(appliedSchemaOf(carTelemetry), appliedSchemaOf(next));
    expect(changes.map((c) => [c.class, c.what, c.change])).toEqual([
      ["compatible", "gold car_monthly aggregate readings", "added"],
      ["rebuild", "gold manufacturer_daily window", "changed"],
    ]);
  });

  it("applies a rename by itself, and rules that follow it are no change", () => {
    // Prepare: hub becomes depot; the cleanse rule and a gold dimension read the new name.
    const before: DatasetSpec = {
      ...base,
      silver: { ...base.silver!, cleanse: { hub: "upper" } },
      gold: {
        tables: [
          {
            name: "per_hub",
            key: ["hub"],
            dimensions: [{ name: "hub", type: "varchar", expr: { kind: "column", path: ["hub"] } }],
            aggregates: [{ name: "scans", kind: "count" }],
            partitionBy: [],
            window: "day",
          },
        ],
      },
    };
    const after: DatasetSpec = {
      ...before,
      fields: before.fields.map((f) => (f.name === "hub" ? { ...f, name: "depot", renamedFrom: "hub" } : f)),
      silver: { ...before.silver!, cleanse: { depot: "upper" } },
      gold: {
        tables: [
          {
            ...before.gold!.tables[0]!,
            dimensions: [{ name: "hub", type: "varchar", expr: { kind: "column", path: ["depot"] } }],
          },
        ],
      },
    };
    // Act
    const changes = classifySchemaChanges(appliedSchemaOf(before), appliedSchemaOf(after));
    const retyped = classifySchemaChanges(
      appliedSchemaOf(base),
      appliedSchemaOf(
        withFields(
          base.fields.map((f) => (f.name === "hub" ? { name: "depot", type: "double", renamedFrom: "hub" } : f)),
        ),
      ),
    );
    // Assess
    expect(changes).toEqual([
      { class: "compatible", what: "field depot", change: "renamed", old: "hub", new: "depot" },
    ]);
    expect(retyped.map((c) => [c.class, c.what, c.change])).toEqual([
      ["compatible", "field depot", "renamed"],
      ["incompatible", "field depot", "type"],
    ]);
  });

  it("follows a field renamed twice, whichever earlier version was applied, and refuses history left out", () => {
    // Prepare: hub → depot → site; the applied schema is the first (hub) or the second (depot).
    const renameTo = (name: string, renamedFrom: string | string[] | undefined) =>
      withFields(base.fields.map((f) => (f.name === "hub" ? { name, type: "string", renamedFrom } : f)));
    const second = renameTo("depot", "hub");
    const third = renameTo("site", ["depot", "hub"]);
    const forgetful = renameTo("site", "depot");
    // Act
    const fromSecond = classifySchemaChanges(appliedSchemaOf(second), appliedSchemaOf(third));
    const fromFirst = classifySchemaChanges(appliedSchemaOf(base), appliedSchemaOf(third));
    const forgot = classifySchemaChanges(appliedSchemaOf(second), appliedSchemaOf(forgetful));
    // Assess: compared as the newest earlier name the applied schema has; none reported dropped.
    expect(fromSecond).toEqual([
      { class: "compatible", what: "field site", change: "renamed", old: "depot", new: "site" },
    ]);
    expect(fromFirst).toEqual([
      { class: "compatible", what: "field site", change: "renamed", old: "hub", new: "site" },
    ]);
    // Files written as hub would read NULL under site: refused, naming the name left out.
    expect(forgot).toEqual([
      {
        class: "incompatible",
        what: "field site",
        change: "renamed",
        old: "hub",
        new: "site without hub in renamedFrom",
      },
      { class: "compatible", what: "field site", change: "renamed", old: "depot", new: "site" },
    ]);
    // One name in a list is the same spec as the name alone.
    expect(appliedSchemaOf(renameTo("depot", ["hub"]))).toEqual(appliedSchemaOf(second));
  });

  it("says what changed and the exact command in the refusal", () => {
    const message = refusalMessage(
      "scans",
      classify(withFields([...base.fields.slice(0, 3), { name: "hub", type: "double" }])),
    );
    expect(message).toContain("field hub: type, string → double (incompatible)");
    expect(message).toContain("medallion rebuild --dataset scans");
    expect(message).toContain("Nothing was written");
  });
});
