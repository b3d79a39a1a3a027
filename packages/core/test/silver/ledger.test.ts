import { describe, expect, it } from "vitest";
import type { PendingFile } from "../../src/silver/ledger";
import { plannableFiles } from "../../src/silver/ledger";

const file = (n: number, failures?: number): PendingFile => ({
  dataset: "ds",
  file_id: `f${n}`,
  bronze_key: `ds/f${n}.parquet`,
  ...(failures === undefined ? {} : { failures }),
});

describe("plannableFiles", () => {
  it("plans every file that never failed together, holding back those that did", () => {
    // Act
    const fresh = plannableFiles([file(1), file(2), file(3)]);
    const mixed = plannableFiles([file(1, 2), file(2, 1), file(3)]);
    // Assess
    expect(fresh).toEqual({ files: [file(1), file(2), file(3)], heldBack: false });
    expect(mixed).toEqual({ files: [file(3)], heldBack: true });
  });

  it("halves the files that failed least, oldest first, when only files that failed are pending", () => {
    // Act
    const four = plannableFiles([file(1, 1), file(2, 1), file(3, 1), file(4, 1)]);
    const three = plannableFiles([file(1, 2), file(2, 1), file(3, 1), file(4, 1)]);
    const one = plannableFiles([file(2, 3)]);
    // Assess
    expect(four).toEqual({ files: [file(1, 1), file(2, 1)], heldBack: true });
    expect(three).toEqual({ files: [file(2, 1), file(3, 1)], heldBack: true });
    expect(one).toEqual({ files: [file(2, 3)], heldBack: false });
    expect(plannableFiles([])).toEqual({ files: [], heldBack: false });
  });

  it("isolates one poison file among many in at most log2(n) + 2 failed plans, wherever it is", () => {
    // Prepare: 32 pending files; a plan fails when it holds the poison
    const failedPlans = Array.from({ length: 32 }, (_, position) => {
      let pending = Array.from({ length: 32 }, (_, i) => file(i + 1));
      const poison = `f${position + 1}`;
      let failed = 0;
      // Act: plan until nothing is pending, as the pipeline would: a plan holding the poison fails
      // and counts on its files; the poison failing alone, having failed before, is set aside
      for (let plans = 0; plans < 100 && pending.length > 0; plans++) {
        const { files } = plannableFiles(pending);
        if (!files.some((f) => f.file_id === poison)) {
          pending = pending.filter((f) => !files.includes(f));
          continue;
        }
        failed += 1;
        if (files.length === 1 && (files[0]!.failures ?? 0) >= 1) pending = pending.filter((f) => f.file_id !== poison);
        else pending = pending.map((f) => (files.includes(f) ? { ...f, failures: (f.failures ?? 0) + 1 } : f));
      }
      // Assess: every good file went through, and the poison was set aside
      expect(pending, poison).toEqual([]);
      return failed;
    });
    expect(Math.max(...failedPlans)).toBeLessThanOrEqual(Math.log2(32) + 2);
  });
});
