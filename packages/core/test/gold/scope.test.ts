import type { MemoryEngine } from "@medallion/testing/gold";
import { memoryEngine } from "@medallion/testing/gold";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carMonthly, manufacturerDaily } from "../../src/dataset/car-telemetry-gold";
import { GoldSpecError } from "../../src/gold/errors";
import type { OwnedRowsOptions } from "../../src/gold/scope";
import { checkWindowOwnership, ownedRows } from "../../src/gold/scope";
import type { GoldTable } from "../../src/gold/spec";
import type { Dialect } from "../../src/sql/ast";
import { column } from "../../src/sql/ast";
import { renderExpr } from "../../src/sql/render";

const partition = carTelemetry.silver.partition;
const ownedRowsSql = (options: OwnedRowsOptions, dialect: Dialect = "athena"): string =>
  dialect === "athena"
    ? renderExpr(ownedRows(options), { dialect })
    : renderExpr(ownedRows(options), { dialect, files: () => [] });
// A monthly table that keeps only the reading's date: its month is owned through a date range.
const byDate: GoldTable = {
  name: "car_dates",
  key: ["car", "date"],
  dimensions: [
    { name: "car", type: "varchar", expr: column("carChassis") },
    { name: "date", type: "date", expr: { kind: "date", of: column("metricTimestamp") } },
  ],
  aggregates: [{ name: "readings", kind: "count" }],
  partitionBy: [],
  window: "month",
};

describe("gold rows owned by recomputed windows", () => {
  it("pins a monthly table's rows by the dimensions equal to silver's year and month", () => {
    // Act
    const sql = ownedRowsSql({
      table: carMonthly,
      windows: [
        { event_year: 2024, event_month: 1 },
        { event_year: 2024, event_month: 2 },
      ],
      partition,
      alias: "g",
    });
    // Assess
    expect(sql).toBe(
      `(("g"."year" IN (2024)) AND ("g"."month" IN (1, 2)) AND ((("g"."year" * 100) + "g"."month") IN (202401, 202402)))`,
    );
  });

  it("pins a daily table's day by its date dimension when no dimension carries silver's day", () => {
    // Act
    const sql = ownedRowsSql({
      table: manufacturerDaily,
      windows: [{ event_year: 2024, event_month: 6, event_day: 1 }],
      partition,
      alias: "g",
    });
    // Assess
    expect(sql).toBe(`(("g"."year" IN (2024)) AND ("g"."month" IN (6)) AND ("g"."date" IN (DATE '2024-06-01')))`);
  });

  it("selects nothing for no windows", () => {
    // Act
    const sql = ownedRowsSql({ table: carMonthly, windows: [], partition, alias: "g" });
    // Assess
    expect(sql).toBe("FALSE");
  });

  it("refuses a table whose dimensions do not carry the window, naming what is missing", () => {
    // Prepare
    const noDay: GoldTable = {
      ...manufacturerDaily,
      name: "no_day",
      dimensions: manufacturerDaily.dimensions.filter((d) => d.name !== "date"),
      key: ["manufacturer", "year", "month"],
    };
    const otherDate: GoldTable = {
      ...byDate,
      name: "other_date",
      dimensions: [
        byDate.dimensions[0]!,
        { name: "date", type: "date", expr: { kind: "date", of: column("ingestedAt") } },
      ],
    };
    // Act
    const checks = [() => checkWindowOwnership(noDay, partition), () => checkWindowOwnership(otherDate, partition)];
    // Assess
    expect(checks[0]).toThrow(GoldSpecError);
    expect(checks[0]).toThrow(
      /gold table no_day: .* recomputed day owns.*equal to silver's event_day or the date of metricTimestamp/,
    );
    expect(checks[1]).toThrow(
      /gold table other_date: .*equal to silver's event_year, event_month or the date of metricTimestamp/,
    );
    expect(() => checkWindowOwnership(carMonthly, partition)).not.toThrow();
  });

  describe("on DuckDB", () => {
    let engine: MemoryEngine;
    beforeEach(async () => {
      engine = await memoryEngine();
    });
    afterEach(() => engine.close());

    it("owns exactly the dates of a month through a date range, December included", async () => {
      // Prepare
      await engine.sql(`CREATE TABLE car_dates (car VARCHAR, "date" DATE)`);
      await engine.sql(
        `INSERT INTO car_dates VALUES ('A', DATE '2024-11-30'), ('A', DATE '2024-12-01'), ('A', DATE '2024-12-31'), ('A', DATE '2025-01-01'), ('A', DATE '2025-02-03')`,
      );
      const where = ownedRowsSql(
        {
          table: byDate,
          windows: [
            { event_year: 2024, event_month: 12 },
            { event_year: 2025, event_month: 2 },
          ],
          partition,
          alias: "g",
        },
        "duckdb",
      );
      // Act
      const rows = await engine.rows(
        `SELECT strftime("date", '%Y-%m-%d') AS d FROM car_dates AS g WHERE ${where} ORDER BY 1`,
      );
      // Assess
      expect(rows.map((r) => r.d)).toEqual(["2024-12-01", "2024-12-31", "2025-02-03"]);
    });
  });
});
