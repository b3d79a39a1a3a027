import type { GlueClient } from "@aws-sdk/client-glue";
import { EntityNotFoundException, GetTableCommand } from "@aws-sdk/client-glue";
import type { SqlEngine } from "../engine/port";
import type { TableRef } from "../sql/ast";
import { column, lit } from "../sql/ast";

// The gold tables as their catalog has them (kept apart from the spec's columns, which
// validation imports, so reading a spec never loads a Glue client).
/**
 * Reads the columns gold tables have now, by table name (a table not created yet is absent):
 * what a gold plan compares the spec with, so it adds only the columns a table lacks, whatever
 * the schema versions recorded (an ALTER that ran before a crash is not run again).
 */
export type GoldColumnsReader = (tables: readonly TableRef[]) => Promise<Record<string, string[]>>;

/**
 * The gold tables' columns as the Glue Data Catalog has them (GetTable per table): Athena keeps
 * an Iceberg table's columns there, ADD COLUMNS included, so no query has to run.
 * @param options Glue client and catalog id (default the caller's)
 * @example const columnsOf = glueGoldColumns({ glue: new GlueClient({}) });
 */
export function glueGoldColumns({ glue, catalogId }: { glue: GlueClient; catalogId?: string }): GoldColumnsReader {
  return async (tables) => {
    const found = await Promise.all(
      tables.map(async (table): Promise<[string, string[]] | undefined> => {
        try {
          const { Table } = await glue.send(
            new GetTableCommand({ CatalogId: catalogId, DatabaseName: table.database, Name: table.name }),
          );
          const columns = [...(Table?.StorageDescriptor?.Columns ?? []), ...(Table?.PartitionKeys ?? [])];
          return [table.name, columns.map((c) => c.Name!.toLowerCase())];
        } catch (error) {
          // Not created yet: the plan creates it whole.
          if (error instanceof EntityNotFoundException) return undefined;
          throw error;
        }
      }),
    );
    return Object.fromEntries(found.filter((entry) => entry !== undefined));
  };
}

/**
 * The gold tables' columns as an engine's `information_schema.columns` has them: DuckDB's
 * tables on the embedded stack, where no Glue catalog runs.
 * @param options the engine holding the tables
 * @example const columnsOf = engineGoldColumns({ engine });
 */
export function engineGoldColumns({ engine }: { engine: SqlEngine }): GoldColumnsReader {
  return async (tables) => {
    if (tables.length === 0) return {};
    const { rows } = await engine.run({
      kind: "query",
      query: {
        kind: "select",
        columns: [{ expr: column("table_schema") }, { expr: column("table_name") }, { expr: column("column_name") }],
        from: { kind: "table", table: { database: "information_schema", name: "columns" } },
        where: {
          kind: "in",
          expr: column("table_schema"),
          values: [...new Set(tables.map((t) => t.database))].map((database) => lit(database)),
        },
        orderBy: [{ expr: column("ordinal_position") }],
      },
    });
    const found = tables.map((table): [string, string[]] => [
      table.name,
      rows
        .filter((row) => row.table_schema === table.database && row.table_name === table.name)
        .map((row) => String(row.column_name)),
    ]);
    // A table with no columns is one not created yet.
    return Object.fromEntries(found.filter(([, columns]) => columns.length > 0));
  };
}
