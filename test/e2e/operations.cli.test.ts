import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("medallion run --sample --dataset operations", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-ops-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("consolidates both origins into silver and reports the table it wrote", async () => {
    // Act
    const run = await medallion(["run", "--sample", "--dataset", "operations", "--json", "--data-dir", dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.dataset).toBe("operations");
    expect(summary.totals).toMatchObject({ files: 5, filesToBronze: 5, filesFailed: 0, recordsQuarantined: 3 });
    expect(summary.totals.recordsIn).toBe(summary.totals.recordsBronze + summary.totals.recordsQuarantined);
    expect(summary.pipeline.status).toBe("SUCCEEDED");
    expect(summary.pipeline.silver).toMatchObject({
      partitionsRewritten: 2,
      newRows: summary.totals.recordsBronze,
      rowsAfter: 8,
      target: { kind: "table", database: "silver", table: "operations" },
    });
  });

  it("names the target in the human-readable silver line", async () => {
    // Prepare: a fresh state directory, so the sample is new again.
    const fresh = await mkdtemp(join(tmpdir(), "medallion-ops-cli-"));
    try {
      // Act
      const run = await medallion(["run", "--sample", "--dataset", "operations", "--data-dir", fresh]);
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /silver +silver\.operations: 14 new rows, 6 duplicates removed; 2 partition\(s\) rewritten, 0 rows before → 8 after/,
      );
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
