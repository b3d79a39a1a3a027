import type { SqlEngine } from "../engine/port";
import type { Expr, PartitionLocation, Statement, TableRef } from "../sql/ast";
import { and, call, column, lit, or } from "../sql/ast";
import { MAX_PARTITIONS_PER_ALTER } from "../sql/athena";
import type { PartitionCatalog } from "./catalog";
import { CatalogError } from "./errors";
import { partitionKey } from "./partition";

/** Options of {@link athenaCatalog}. */
export interface AthenaCatalogOptions {
  engine: SqlEngine;
}

const PATH = "$path";

// Athena returns text; partition keys compare as the numbers the plan holds.
const partitionValue = (text: string): string | number => (/^-?\d+$/.test(text) ? Number(text) : text);

/**
 * The partition statements that point partitions at new locations: existing ones one
 * `SET LOCATION` each (Hive allows one per statement), new ones `ADD IF NOT EXISTS` in
 * batches of at most 100. Each statement is atomic for the partitions it names.
 * @param table the table
 * @param partitions new locations
 * @param exists whether each partition exists now, in order
 */
export function swapStatements(table: TableRef, partitions: PartitionLocation[], exists: boolean[]): Statement[] {
  const added = partitions.filter((_, i) => !exists[i]);
  const statements: Statement[] = partitions
    .filter((_, i) => exists[i])
    .map((partition) => ({ kind: "setPartitionLocation", table, partition }));
  for (let i = 0; i < added.length; i += MAX_PARTITIONS_PER_ALTER) {
    statements.push({ kind: "addPartitions", table, partitions: added.slice(i, i + MAX_PARTITIONS_PER_ALTER) });
  }
  return statements;
}

/**
 * The Glue catalog through Athena: locations are read from the `"$path"` of each partition's
 * files, and swaps run as Athena partition DDL. A partition without files reads as absent.
 * @param options the Athena engine
 */
export function athenaCatalog({ engine }: AthenaCatalogOptions): PartitionCatalog {
  const locate: PartitionCatalog["locate"] = async (table, partitions) => {
    if (partitions.length === 0) return [];
    const names = Object.keys(partitions[0]!);
    const match = (values: Record<string, string | number>): Expr =>
      and(
        ...names.map(
          (name) => ({ kind: "binary", op: "=", left: column(name), right: lit(values[name] ?? null) }) as Expr,
        ),
      );
    let result: Awaited<ReturnType<SqlEngine["run"]>>;
    try {
      result = await engine.run({
        kind: "query",
        query: {
          kind: "select",
          columns: [
            ...names.map((name) => ({ expr: column(name), as: name })),
            { expr: call("min", column(PATH)), as: "path" },
          ],
          from: { kind: "table", table },
          where: or(...partitions.map(match)),
          groupBy: names.map((name) => column(name)),
        },
      });
    } catch (error) {
      throw new CatalogError(
        `cannot read partition locations of ${table.database}.${table.name}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const found = new Map<string, string>();
    for (const row of result.rows) {
      const values = Object.fromEntries(names.map((name) => [name, partitionValue(String(row[name]))]));
      const path = String(row.path);
      found.set(partitionKey(values), path.slice(0, path.lastIndexOf("/") + 1));
    }
    return partitions.map((values) => found.get(partitionKey(values)));
  };
  return {
    locate,
    async swap(table, partitions) {
      const current = await locate(
        table,
        partitions.map((p) => p.values),
      );
      for (const statement of swapStatements(
        table,
        partitions,
        current.map((location) => location !== undefined),
      )) {
        await engine.run(statement);
      }
    },
  };
}
