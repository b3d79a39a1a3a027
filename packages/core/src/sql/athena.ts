import type { PartitionLocation, Statement, TableRef } from "./ast";
import { UnsupportedStatementError } from "./errors";
import { hiveLiteral, literal, quoteHiveIdentifier } from "./quote";
import { renderQuery } from "./render";

/** Athena accepts at most this many partitions in one ALTER TABLE ADD PARTITION. */
export const MAX_PARTITIONS_PER_ALTER = 100;

const hiveTable = ({ database, name }: TableRef): string =>
  `${quoteHiveIdentifier(database)}.${quoteHiveIdentifier(name)}`;

const partitionSpec = ({ values }: PartitionLocation): string =>
  `PARTITION (${Object.entries(values)
    .map(([name, value]) => `${quoteHiveIdentifier(name)} = ${hiveLiteral(value)}`)
    .join(", ")})`;

/**
 * Renders a statement for Athena: DML in Trino syntax, partition DDL in Hive syntax
 * (Athena runs DDL on its Hive engine).
 * @param statement the statement
 * @example renderAthena({ kind: "setPartitionLocation", table, partition })
 */
export function renderAthena(statement: Statement): string {
  const context = { dialect: "athena" } as const;
  switch (statement.kind) {
    case "query":
      return renderQuery(statement.query, context);
    case "unload": {
      const partitioned = statement.partitionedBy.length
        ? `, partitioned_by = ARRAY[${statement.partitionedBy.map(literal).join(", ")}]`
        : "";
      return `UNLOAD (${renderQuery(statement.query, context)}) TO ${literal(statement.to)} WITH (format = 'PARQUET', compression = 'SNAPPY'${partitioned})`;
    }
    case "addPartitions": {
      const count = statement.partitions.length;
      if (count === 0 || count > MAX_PARTITIONS_PER_ALTER) {
        throw new UnsupportedStatementError(
          `ALTER TABLE ${hiveTable(statement.table)} ADD PARTITION needs 1 to ${MAX_PARTITIONS_PER_ALTER} partitions, got ${count}`,
        );
      }
      const specs = statement.partitions
        .map((p) => `${partitionSpec(p)} LOCATION ${hiveLiteral(p.location)}`)
        .join(" ");
      return `ALTER TABLE ${hiveTable(statement.table)} ADD IF NOT EXISTS ${specs}`;
    }
    case "setPartitionLocation":
      return `ALTER TABLE ${hiveTable(statement.table)} ${partitionSpec(statement.partition)} SET LOCATION ${hiveLiteral(statement.partition.location)}`;
  }
}
