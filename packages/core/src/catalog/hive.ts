import type { ScalarSqlType, SqlType } from "../sql/ast";

// Glue stores column types in Hive's spelling, which Athena's DDL also uses.
const HIVE_TYPES: Record<ScalarSqlType, string> = {
  varchar: "string",
  double: "double",
  bigint: "bigint",
  integer: "int",
  timestamp: "timestamp",
  boolean: "boolean",
  date: "date",
};

/**
 * A column type as the Glue catalog and Athena's (Hive-syntax) DDL spell it
 * (`array<double>`, `struct<lat:double>`).
 * @param type the SQL type
 * @example hiveType("varchar") // "string"
 */
export function hiveType(type: SqlType): string {
  if (typeof type === "string") return HIVE_TYPES[type];
  if ("array" in type) return `array<${hiveType(type.array)}>`;
  return `struct<${type.row.map(({ name, type }) => `${name}:${hiveType(type)}`).join(",")}>`;
}
