import { describe, expect, it } from "vitest";
import { versionId } from "../../src/silver/version";

describe("versionId", () => {
  it("is the same for the same inputs in any order", () => {
    // Act
    const a = versionId({
      dataset: "d",
      files: ["f1", "f2"],
      current: [
        ["p1", "s3://x/1/"],
        ["p2", undefined],
      ],
    });
    const b = versionId({
      dataset: "d",
      files: ["f2", "f1"],
      current: [
        ["p2", undefined],
        ["p1", "s3://x/1/"],
      ],
    });
    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it("changes when a partition moved or a file was added", () => {
    // Prepare
    const base = { dataset: "d", files: ["f1"], current: [["p1", "s3://x/1/"]] as [string, string | undefined][] };
    // Act + Assess
    expect(versionId({ ...base, current: [["p1", "s3://x/2/"]] })).not.toBe(versionId(base));
    expect(versionId({ ...base, files: ["f1", "f2"] })).not.toBe(versionId(base));
  });
});
