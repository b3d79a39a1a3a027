import { describe, expect, it } from "vitest";
import { colourFor, jsonText, styleFor } from "../../src/commands/output";

describe("the CLI's output", () => {
  it("colours a terminal, never a pipe unless forced, and never with NO_COLOR", () => {
    // Act + Assess
    expect(colourFor({ isTTY: true }, {})).toBe(true);
    expect(colourFor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colourFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourFor({ isTTY: false }, {})).toBe(false);
    expect(colourFor({}, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourFor({}, { FORCE_COLOR: "0" })).toBe(false);
    expect(colourFor({ isTTY: true }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });

  it("styles with ANSI codes only when colour is on", () => {
    expect(styleFor(true)("green", "ok")).toBe("\u001b[32mok\u001b[39m");
    expect(styleFor(false)("green", "ok")).toBe("ok");
  });

  it("writes integers as numbers while exact, beyond ±2^53 − 1 as decimal strings", () => {
    // Act
    const text = jsonText(
      { small: 42n, edge: 9007199254740991n, big: 9007199254740993n, negative: -9007199254740993n, n: 1.5 },
      0,
    );
    // Assess
    expect(text).toBe(
      '{"small":42,"edge":9007199254740991,"big":"9007199254740993","negative":"-9007199254740993","n":1.5}',
    );
  });
});
