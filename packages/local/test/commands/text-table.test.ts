import { describe, expect, it } from "vitest";
import { ellipsis, shortTime, textTable } from "../../src/commands/text-table";

describe("textTable", () => {
  it("pads columns to their widest cell and trims trailing blanks", () => {
    // Prepare
    const rows = [
      ["j-1", "completed", ""],
      ["j-22", "failed", "multi\nline"],
    ];
    // Act
    const text = textTable(["ID", "STATUS", "ERROR"], rows);
    // Assess
    expect(text.split("\n")).toEqual(["ID    STATUS     ERROR", "j-1   completed", "j-22  failed     multi line"]);
  });

  it("shortens timestamps and long texts for a terminal", () => {
    // Act
    const results = [
      shortTime("2026-11-24T01:02:03.456Z"),
      shortTime(undefined),
      ellipsis("abcdef", 4),
      ellipsis("abc", 4),
    ];
    // Assess
    expect(results).toEqual(["2026-11-24 01:02:03", "", "abc…", "abc"]);
  });
});
