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
  it("plans every pending file while none has failed twice", () => {
    // Prepare
    const pending = [file(1), file(2, 1), file(3)];
    // Act
    const planned = plannableFiles(pending);
    // Assess
    expect(planned).toEqual({ files: pending, heldBack: false });
  });

  it("plans the others first, holding back files that failed twice", () => {
    // Act
    const planned = plannableFiles([file(1, 2), file(2, 1), file(3)]);
    // Assess
    expect(planned.files.map((f) => f.file_id)).toEqual(["f2", "f3"]);
    expect(planned.heldBack).toBe(true);
  });

  it("plans a suspect alone, oldest first, when only suspects are pending", () => {
    // Act
    const several = plannableFiles([file(1, 2), file(2, 3)]);
    const one = plannableFiles([file(2, 3)]);
    // Assess
    expect(several).toEqual({ files: [file(1, 2)], heldBack: true });
    expect(one).toEqual({ files: [file(2, 3)], heldBack: false });
  });
});
