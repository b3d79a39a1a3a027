import { describe, expect, it } from "vitest";
import { GoldSpecError } from "../../src/gold/errors";
import { windowFilter, windowsOf } from "../../src/gold/windows";
import { renderExpr } from "../../src/sql/render";

const names = { year: "event_year", month: "event_month", day: "event_day" };
const partitions = [
  { event_year: 2024, event_month: 2, event_day: 1 },
  { event_year: 2024, event_month: 1, event_day: 31 },
  { event_year: 2024, event_month: 1, event_day: 5 },
  { event_year: 2023, event_month: 12, event_day: 31 },
];

describe("gold windows", () => {
  it("turns affected days into their months, once each, in calendar order", () => {
    // Act
    const windows = windowsOf(partitions, "month", names);
    // Assess
    expect(windows).toEqual([
      { event_year: 2023, event_month: 12 },
      { event_year: 2024, event_month: 1 },
      { event_year: 2024, event_month: 2 },
    ]);
  });

  it("keeps affected days as days, in calendar order, from values given as text too", () => {
    // Act
    const windows = windowsOf([...partitions, { event_year: "2024", event_month: "1", event_day: "5" }], "day", names);
    // Assess
    expect(windows.map((w) => `${w.event_year}-${w.event_month}-${w.event_day}`)).toEqual([
      "2023-12-31",
      "2024-1-5",
      "2024-1-31",
      "2024-2-1",
    ]);
  });

  it("rejects a partition without the date columns", () => {
    // Act
    const windows = () => windowsOf([{ ingest_date: "2024-01-01" }], "day", names);
    // Assess
    expect(windows).toThrow(GoldSpecError);
  });

  it("filters silver to exactly the windows' partitions", () => {
    // Act
    const sql = renderExpr(
      windowFilter([
        { event_year: 2024, event_month: 1 },
        { event_year: 2024, event_month: 3 },
      ]),
      { dialect: "athena" },
    );
    // Assess
    expect(sql).toBe(
      `(("event_year" IN (2024)) AND ("event_month" IN (1, 3)) AND ((("event_year" * 100) + "event_month") IN (202401, 202403)))`,
    );
  });
});
