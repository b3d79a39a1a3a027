/** Base class of every SQL building error. */
export class SqlError extends Error {
  override name = "SqlError";
}

/** An identifier that cannot be quoted safely (empty, or holding control characters). */
export class InvalidIdentifierError extends SqlError {
  override name = "InvalidIdentifierError";
}

/** A literal value no dialect can represent (NaN, Infinity, control characters in Hive DDL). */
export class InvalidLiteralError extends SqlError {
  override name = "InvalidLiteralError";
}

/** A statement a dialect cannot express (e.g. more partitions than one ALTER may carry). */
export class UnsupportedStatementError extends SqlError {
  override name = "UnsupportedStatementError";
}
