import { describe, expect, it } from "vitest";
import { InvalidIdentifierError, InvalidLiteralError } from "../../src/sql/errors";
import { bareIdentifier, hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "../../src/sql/quote";

describe("quoteIdentifier", () => {
  it("double-quotes names and doubles embedded quotes", () => {
    expect(quoteIdentifier("carChassis")).toBe('"carChassis"');
    expect(quoteIdentifier('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
  });

  it("refuses empty names and control characters", () => {
    expect(() => quoteIdentifier("")).toThrow(InvalidIdentifierError);
    expect(() => quoteIdentifier("a\nb")).toThrow(InvalidIdentifierError);
  });
});

describe("quoteHiveIdentifier", () => {
  it("backtick-quotes names and doubles embedded backticks", () => {
    expect(quoteHiveIdentifier("event_year")).toBe("`event_year`");
    expect(quoteHiveIdentifier("a`b")).toBe("`a``b`");
  });
});

describe("literal", () => {
  it("escapes strings by doubling single quotes", () => {
    expect(literal("it's")).toBe("'it''s'");
  });

  it("renders numbers, booleans and NULL", () => {
    expect([literal(12), literal(-1.5), literal(true), literal(false), literal(null)]).toEqual([
      "12",
      "-1.5",
      "TRUE",
      "FALSE",
      "NULL",
    ]);
  });

  it("refuses numbers SQL cannot write", () => {
    expect(() => literal(Number.NaN)).toThrow(InvalidLiteralError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(InvalidLiteralError);
  });
});

describe("hiveLiteral", () => {
  it("escapes quotes and backslashes with backslashes", () => {
    expect(hiveLiteral("s3://b/it's\\x/")).toBe("'s3://b/it\\'s\\\\x/'");
    expect(hiveLiteral(2024)).toBe("2024");
  });

  it("refuses control characters", () => {
    expect(() => hiveLiteral("a\u0000b")).toThrow(InvalidLiteralError);
  });
});

describe("bareIdentifier", () => {
  it("writes lower-case names as they are and refuses anything that would need quoting", () => {
    expect(bareIdentifier("medallion_gold")).toBe("medallion_gold");
    for (const name of ["Gold", "car monthly", "1st", "a.b", 'a"', ""])
      expect(() => bareIdentifier(name)).toThrow(InvalidIdentifierError);
  });
});
