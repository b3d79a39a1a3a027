import type { ColumnDef, PartitionLocation, TableRef } from "../sql/ast";

/**
 * The catalog port: where each partition of a table lives. Readers resolve partitions through
 * it, so swapping a location is how a new version becomes visible, atomically per partition.
 * Adapters: Glue's batch partition calls on AWS (`glueCatalog`), a JSON file per table locally.
 */
export interface PartitionCatalog {
  /**
   * Current location of each partition, in order (undefined where it does not exist).
   * @param table the table
   * @param partitions partition values
   */
  locate(table: TableRef, partitions: Record<string, string | number>[]): Promise<(string | undefined)[]>;
  /**
   * Points each partition at its location, creating partitions that do not exist. Idempotent.
   * @param table the table
   * @param partitions new locations
   */
  swap(table: TableRef, partitions: PartitionLocation[]): Promise<void>;
  /**
   * Removes partitions from the table (their files stay, for retention to delete), so readers no
   * longer see them: what a recompute does to a day no current bronze file covers any more.
   * Partitions that do not exist are skipped. Idempotent.
   * @param table the table
   * @param partitions partition values
   */
  drop(table: TableRef, partitions: Record<string, string | number>[]): Promise<void>;
  /**
   * Gives the table the data columns it lacks (compared by name, case-insensitively, as Glue
   * stores them lowercase), after its own, so a column a compatible spec change added is
   * readable through the catalog; a column is never removed or retyped. Idempotent.
   * @param table the table
   * @param columns every data column the spec gives it, in table order
   * @returns the names of the columns added
   */
  addColumns(table: TableRef, columns: readonly ColumnDef[]): Promise<string[]>;
}
