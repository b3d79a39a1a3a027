import type { SqlType } from "../sql/ast";

// Glue stores column types in Hive's spelling, which Athena's DDL also uses.
const HIVE_TYPES: Record<SqlType | "date", string> = {
  varchar: "string",
  double: "double",
  bigint: "bigint",
  integer: "int",
  timestamp: "timestamp",
  boolean: "boolean",
  date: "date",
};

/**
 * A column type as the Glue catalog and Athena's (Hive-syntax) DDL spell it.
 * @param type the SQL type
 * @example hiveType("varchar") // "string"
 */
export const hiveType = (type: SqlType | "date"): string => HIVE_TYPES[type];
