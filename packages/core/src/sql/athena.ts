import { hiveType } from "../catalog/hive";
import type { Statement, TableRef } from "./ast";
import { UnsupportedStatementError } from "./errors";
import { bareIdentifier, hiveLiteral, literal, quoteHiveIdentifier } from "./quote";
import { renderMerge, renderQuery } from "./render";

const hiveTable = ({ database, name }: TableRef): string =>
  `${quoteHiveIdentifier(database)}.${quoteHiveIdentifier(name)}`;

// OPTIMIZE and VACUUM are documented with plain names; Glue names are lower case, digits and _ anyway.
const bareTable = ({ database, name }: TableRef): string => `${bareIdentifier(database)}.${bareIdentifier(name)}`;

// Every gold table is Iceberg, Parquet, Snappy: what Athena's MERGE, OPTIMIZE and VACUUM need.
const ICEBERG_PROPERTIES: Record<string, string> = {
  table_type: "ICEBERG",
  format: "parquet",
  write_compression: "snappy",
};

/**
 * Renders a statement for Athena: DML in Trino syntax, DDL in Hive syntax (Athena runs DDL
 * on its Hive engine), OPTIMIZE and VACUUM as Athena documents them.
 * @param statement the statement
 * @example renderAthena({ kind: "optimize", table: { database: "gold", name: "car_monthly" } })
 */
export function renderAthena(statement: Statement): string {
  const context = { dialect: "athena" } as const;
  switch (statement.kind) {
    case "query":
      return renderQuery(statement.query, context);
    case "merge":
      return renderMerge(statement, context);
    case "unload": {
      const partitioned = statement.partitionedBy.length
        ? `, partitioned_by = ARRAY[${statement.partitionedBy.map(literal).join(", ")}]`
        : "";
      return `UNLOAD (${renderQuery(statement.query, context)}) TO ${literal(statement.to)} WITH (format = 'PARQUET', compression = 'SNAPPY'${partitioned})`;
    }
    case "createSchema":
      throw new UnsupportedStatementError(
        `database ${statement.database}: Glue databases are created by infra, not by a statement`,
      );
    case "createTable": {
      const { table, columns, partitionedBy, location } = statement;
      if (location === undefined)
        throw new UnsupportedStatementError(`CREATE TABLE ${hiveTable(table)}: an Iceberg table needs an S3 location`);
      const definitions = columns.map(({ name, type }) => `${quoteHiveIdentifier(name)} ${hiveType(type)}`);
      const partitioned = partitionedBy.length
        ? ` PARTITIONED BY (${partitionedBy.map(quoteHiveIdentifier).join(", ")})`
        : "";
      const properties = Object.entries(ICEBERG_PROPERTIES)
        .map(([name, value]) => `${hiveLiteral(name)} = ${hiveLiteral(value)}`)
        .join(", ");
      return `CREATE TABLE IF NOT EXISTS ${hiveTable(table)} (${definitions.join(", ")})${partitioned} LOCATION ${hiveLiteral(location)} TBLPROPERTIES (${properties})`;
    }
    case "addColumn":
      return `ALTER TABLE ${hiveTable(statement.table)} ADD COLUMNS (${quoteHiveIdentifier(statement.column.name)} ${hiveType(statement.column.type)})`;
    case "optimize":
      return `OPTIMIZE ${bareTable(statement.table)} REWRITE DATA USING BIN_PACK`;
    case "vacuum":
      return `VACUUM ${bareTable(statement.table)}`;
  }
}
