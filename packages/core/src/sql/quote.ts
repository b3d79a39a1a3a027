import type { Literal } from "./ast";
import { InvalidIdentifierError, InvalidLiteralError } from "./errors";

// Control characters never belong in names or DDL values; refusing them keeps every
// rendered statement on one line and free of terminal/escape surprises.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkIdentifier(name: string): void {
  if (name.length === 0 || CONTROL.test(name))
    throw new InvalidIdentifierError(`invalid SQL identifier ${JSON.stringify(name)}`);
}

/**
 * Quotes an identifier for Trino (Athena DML) and DuckDB: `"name"`, inner quotes doubled.
 * @param name column, table or schema name
 */
export function quoteIdentifier(name: string): string {
  checkIdentifier(name);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes an identifier for Hive DDL (Athena ALTER/CREATE): `` `name` ``, inner backticks doubled.
 * @param name column, table or database name
 */
export function quoteHiveIdentifier(name: string): string {
  checkIdentifier(name);
  return `\`${name.replaceAll("`", "``")}\``;
}

/**
 * Writes an identifier bare, for the statements Athena documents with plain names (OPTIMIZE,
 * VACUUM): only lower-case letters, digits and `_`, not starting with a digit, are accepted.
 * @param name database or table name
 */
export function bareIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new InvalidIdentifierError(
      `cannot write ${JSON.stringify(name)} as a bare identifier: lower-case letters, digits and _ only`,
    );
  return name;
}

/**
 * Renders a literal for Trino and DuckDB: strings single-quoted with quotes doubled,
 * finite numbers as written, booleans and NULL as keywords.
 * @param value the value
 */
export function literal(value: Literal): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidLiteralError(`cannot render non-finite number ${value} as SQL`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Renders a literal for Hive DDL: strings single-quoted with backslash escapes. Control
 * characters are refused rather than escaped, since Hive and Glue disagree on them.
 * @param value the value
 */
export function hiveLiteral(value: Literal): string {
  if (typeof value !== "string") return literal(value);
  if (CONTROL.test(value))
    throw new InvalidLiteralError(`cannot render ${JSON.stringify(value)} as a Hive literal: control character`);
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
