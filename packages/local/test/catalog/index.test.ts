import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogError } from "@medallion/core/silver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localCatalog } from "../../src/catalog/index";

const table = { database: "silver", name: "car_telemetry" };
const day = (d: number) => ({ event_year: 2024, event_month: 1, event_day: d });

describe("localCatalog", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "medallion-catalog-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("locates swapped partitions and nothing else", async () => {
    // Prepare
    const catalog = localCatalog({ directory });
    // Act
    await catalog.swap(table, [{ values: day(1), location: "s3://s/v1/1/" }]);
    await catalog.swap(table, [
      { values: day(1), location: "s3://s/v2/1/" },
      { values: day(2), location: "s3://s/v2/2/" },
    ]);
    // Assess
    expect(await catalog.locate(table, [day(1), day(2), day(3)])).toEqual(["s3://s/v2/1/", "s3://s/v2/2/", undefined]);
    expect((await catalog.partitions(table)).map((p) => p.location)).toEqual(["s3://s/v2/1/", "s3://s/v2/2/"]);
  });

  it("drops partitions, keeping the others, and skips those it does not hold", async () => {
    // Prepare
    const catalog = localCatalog({ directory });
    await catalog.swap(table, [
      { values: day(1), location: "s3://s/v1/1/" },
      { values: day(2), location: "s3://s/v1/2/" },
    ]);
    // Act
    await catalog.drop(table, [day(2), day(3)]);
    await localCatalog({ directory }).drop(table, [day(2)]);
    // Assess
    expect(await catalog.locate(table, [day(1), day(2)])).toEqual(["s3://s/v1/1/", undefined]);
    expect((await catalog.partitions(table)).map((p) => p.location)).toEqual(["s3://s/v1/1/"]);
  });

  it("adds the columns a table lacks, once, beside its partitions", async () => {
    // Prepare
    const catalog = localCatalog({ directory });
    await catalog.swap(table, [{ values: day(1), location: "s3://s/v1/1/" }]);
    // Act
    const first = await catalog.addColumns(table, [{ name: "carChassis", type: "varchar" }]);
    const second = await localCatalog({ directory }).addColumns(table, [
      { name: "carchassis", type: "varchar" },
      { name: "note", type: "varchar" },
    ]);
    const third = await catalog.addColumns(table, [{ name: "note", type: "varchar" }]);
    // Assess
    expect([first, second, third]).toEqual([["carChassis"], ["note"], []]);
    expect(await catalog.locate(table, [day(1)])).toEqual(["s3://s/v1/1/"]);
  });

  it("keeps state in a file per table, readable by a fresh catalog, with no temporary file left", async () => {
    // Prepare
    await localCatalog({ directory }).swap(table, [{ values: day(1), location: "s3://s/v1/1/" }]);
    // Act
    const located = await localCatalog({ directory }).locate(table, [day(1)]);
    // Assess
    expect(located).toEqual(["s3://s/v1/1/"]);
    expect(await readdir(join(directory, "silver"))).toEqual(["car_telemetry.json"]);
  });

  it("gives readers the old map or the new one while swaps run", async () => {
    // Prepare
    const catalog = localCatalog({ directory });
    const all = Array.from({ length: 30 }, (_, i) => day(i + 1));
    await catalog.swap(
      table,
      all.map((values) => ({ values, location: "s3://s/v0/" })),
    );
    const seen = new Set<string>();
    let running = true;
    const reader = (async () => {
      while (running) seen.add([...new Set((await catalog.partitions(table)).map((p) => p.location))].join(","));
    })();
    // Act
    for (let v = 1; v <= 20; v += 1)
      await catalog.swap(
        table,
        all.map((values) => ({ values, location: `s3://s/v${v}/` })),
      );
    running = false;
    await reader;
    // Assess
    for (const snapshot of seen) expect(snapshot).toMatch(/^s3:\/\/s\/v\d+\/$/);
  });

  it("names the file when it is not valid JSON, and refuses path-like names", async () => {
    // Prepare
    const catalog = localCatalog({ directory });
    await catalog.swap(table, []);
    await writeFile(join(directory, "silver", "car_telemetry.json"), "{broken");
    // Act + Assess
    await expect(catalog.partitions(table)).rejects.toThrow(/car_telemetry\.json is not valid JSON/);
    await expect(catalog.partitions({ database: "..", name: "x" })).rejects.toThrow(CatalogError);
  });
});
