import { describe, expect, it } from "vitest";
import { compilePattern, dateReader, timestampReader } from "../../src/bronze/time";

describe("timestampReader", () => {
  it("keeps ISO text with an offset as written and refuses years outside the range of its instant", () => {
    // Prepare
    const read = timestampReader({ type: "timestamp" });
    // Act
    const values = [
      "2024-05-01T12:00:00+02:00",
      "0000-01-01T00:00:00Z",
      "2201-01-01T00:30:00+01:00",
      "1900-01-01T00:30:00+01:00",
      "2024-05-01T12:00:00",
    ].map(read);
    // Assess
    expect(values).toEqual([
      "2024-05-01T12:00:00+02:00",
      { reason: "year 0 is outside 1900–2200" },
      "2201-01-01T00:30:00+01:00", // 2200-12-31T23:30Z: inside
      { reason: "year 1899 is outside 1900–2200" },
      { reason: expect.stringMatching(/with an offset or Z \(or set the field's timezone\)/) },
    ]);
  });

  it("checks the common toISOString shape as strictly as the ISO pattern", () => {
    // Prepare
    const read = timestampReader({ type: "timestamp" });
    // Act
    const values = [
      "2024-02-29T23:59:59.999Z",
      "2023-02-29T00:00:00.000Z",
      "2024-04-31T00:00:00.000Z",
      "2024-05-01T24:00:00.000Z",
      "2024-05-01T12:60:00.000Z",
      "2024-05-01T12:00:60.000Z",
      "2024-13-01T12:00:00.000Z",
      "2024-05-01t12:00:00.000Z",
      "2024-05-01T12:00:00.00xZ",
    ].map(read);
    // Assess
    expect(values[0]).toBe("2024-02-29T23:59:59.999Z");
    for (const value of values.slice(1)) expect(value).toHaveProperty("reason");
  });

  it("checks every value's clock and each new date, whatever came before", () => {
    // Prepare: one reader, so its last valid date is remembered between values
    const read = timestampReader({ type: "timestamp" });
    // Act
    const values = [
      "2024-05-01T12:00:00.000Z",
      "2024-05-01T24:00:00.000Z",
      "2024-05-01T12:00:00.000Z",
      "2024-05-01T12:00:00.00xZ",
      "2024-05-32T12:00:00.000Z",
      "2024-05-01T23:59:59.999Z",
      "1899-05-01T12:00:00.000Z",
      "2024-05-01T00:00:00.000Z",
    ].map(read);
    // Assess
    expect(values.map((value) => typeof value === "string")).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
  });

  it("takes a per-field range of years", () => {
    // Act
    const value = timestampReader({ type: "timestamp", years: { min: 1, max: 9999 } })("0001-01-01T00:00:00Z");
    // Assess
    expect(value).toBe("0001-01-01T00:00:00Z");
  });

  it("reads epoch seconds and milliseconds, as numbers or numeric strings, into UTC ISO text", () => {
    // Act
    const seconds = [1718000000, "1718000000", 1718000000.25].map(
      timestampReader({ type: "timestamp", format: "epoch_s" }),
    );
    const ms = [1718000000123, 0, "x"].map(
      timestampReader({ type: "timestamp", format: "epoch_ms", years: { min: 1970, max: 2100 } }),
    );
    // Assess
    expect(seconds).toEqual(["2024-06-10T06:13:20.000Z", "2024-06-10T06:13:20.000Z", "2024-06-10T06:13:20.250Z"]);
    expect(ms).toEqual([
      "2024-06-10T06:13:20.123Z",
      "1970-01-01T00:00:00.000Z",
      { reason: 'expected milliseconds since 1970 as a number, got "x"' },
    ]);
  });

  it("reads a pattern in the field's time zone, across daylight-saving changes", () => {
    // Prepare
    const read = timestampReader({ type: "timestamp", format: "yyyy-MM-dd HH:mm:ss", timezone: "America/New_York" });
    // Act
    const values = ["2024-01-15 12:00:00", "2024-07-15 12:00:00", "2024-03-10 02:30:00", "2024-11-03 01:30:00"].map(
      read,
    );
    // Assess: EST is UTC−5, EDT UTC−4; 02:30 on 10 March does not exist (read with the offset before it)
    expect(values).toEqual([
      "2024-01-15T17:00:00.000Z",
      "2024-07-15T16:00:00.000Z",
      "2024-03-10T07:30:00.000Z",
      "2024-11-03T05:30:00.000Z",
    ]);
  });

  it("reads ISO text without an offset in the field's zone when one is set", () => {
    // Act
    const value = timestampReader({ type: "timestamp", timezone: "Europe/Lisbon" })("2024-07-01T10:00:00");
    // Assess
    expect(value).toBe("2024-07-01T09:00:00.000Z");
  });

  it("reads 12-hour clocks, month names, fractions and offsets", () => {
    // Act
    const values = [
      timestampReader({ type: "timestamp", format: "MMMM d, yyyy h:mm a" })("June 5, 2024 1:07 PM"),
      timestampReader({ type: "timestamp", format: "dd/MM/yy HH:mm:ss.SSS" })("05/06/24 13:07:09.5"),
      timestampReader({ type: "timestamp", format: "yyyy-MM-dd'T'HH:mm:ssXXX" })("2024-06-05T13:07:09-03:00"),
    ];
    // Assess
    expect(values).toEqual(["2024-06-05T13:07:00.000Z", "2024-06-05T13:07:09.500Z", "2024-06-05T16:07:09.000Z"]);
  });
});

describe("dateReader", () => {
  it("reads ISO and patterned dates into YYYY-MM-DD and refuses dates that do not exist", () => {
    // Act
    const iso = ["2024-02-29", "2023-02-29", "0000-01-01"].map(dateReader({ type: "date" }));
    const patterned = ["Jun 12 1998", "jun 2 1998", "Jun 12 98"].map(
      dateReader({ type: "date", format: "MMM d yyyy" }),
    );
    // Assess
    expect(iso).toEqual([
      "2024-02-29",
      { reason: '"2023-02-29" is not a date as YYYY-MM-DD' },
      { reason: "year 0 is outside 1900–2200" },
    ]);
    expect(patterned).toEqual(["1998-06-12", "1998-06-02", { reason: '"Jun 12 98" is not a date as "MMM d yyyy"' }]);
  });
});

describe("compilePattern", () => {
  it("names what it does not know and what a pattern lacks", () => {
    // Act
    const errors = ["yyyy-MM-dd QQ", "yyyy-MM", "yyyy-MM-dd hh:mm"].map((pattern) => {
      try {
        compilePattern(pattern);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    });
    // Assess
    expect(errors[0]).toMatch(/"QQ" in pattern "yyyy-MM-dd QQ" is not one of/);
    expect(errors[1]).toMatch(/needs a year \(yyyy\), a month \(MM or MMM\) and a day \(dd\)/);
    expect(errors[2]).toMatch(/hh \(1–12\) and a \(AM\/PM\) go together/);
  });
});
