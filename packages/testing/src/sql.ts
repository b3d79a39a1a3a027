import type { Statement } from "@medallion/core/sql";
import { renderAthena } from "@medallion/core/sql";
import { HiveSQL, TrinoSQL } from "dt-sql-parser";

const trino = new TrinoSQL();
const hive = new HiveSQL();

/**
 * Renders a statement for Athena and parses it with the grammar Athena parses it with: Hive
 * for DDL, Trino for DML (for an UNLOAD, its query). OPTIMIZE and VACUUM are Athena's own
 * syntax, which neither grammar knows: pin their text instead.
 * @param statement the statement
 * @returns the rendered text and the parser's error messages (none when it parses)
 * @example expect(athenaSyntax(mergeStatement(merge)).errors).toEqual([]);
 */
export function athenaSyntax(statement: Statement): { sql: string; errors: string[] } {
  const sql = renderAthena(statement);
  const messages = (errors: { message: string }[]): string[] => errors.map((e) => e.message);
  switch (statement.kind) {
    case "createSchema":
    case "createTable":
    case "addColumn":
      return { sql, errors: messages(hive.validate(sql)) };
    case "query":
    case "merge":
      return { sql, errors: messages(trino.validate(sql)) };
    case "unload": {
      const query = /^UNLOAD \((.*)\) TO /.exec(sql)?.[1];
      return { sql, errors: query === undefined ? ["not an UNLOAD (…) TO"] : messages(trino.validate(query)) };
    }
    case "optimize":
    case "vacuum":
      throw new Error(`${statement.kind.toUpperCase()} is Athena's own syntax, no grammar checks it: pin its text`);
  }
}
