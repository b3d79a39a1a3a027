import type { PartitionLocation, TableRef } from "../sql/ast";

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
}
