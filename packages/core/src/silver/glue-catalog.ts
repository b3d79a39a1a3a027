import type { GlueClient, Partition, StorageDescriptor } from "@aws-sdk/client-glue";
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetTableCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import { hiveType } from "../catalog/hive";
import { chunksOf, glue } from "../limits/index";
import type { PartitionLocation, TableRef } from "../sql/ast";
import type { PartitionCatalog } from "./catalog";
import { CatalogError } from "./errors";
import { partitionKey } from "./partition";

/** Options of {@link glueCatalog}. */
export interface GlueCatalogOptions {
  glue: GlueClient;
  /** The account whose catalog holds the tables; default the caller's. */
  catalogId?: string;
}

// A table's partition keys (in Glue's order) and the storage a new partition copies.
interface TableShape {
  keys: string[];
  storage: StorageDescriptor;
}

/**
 * The Glue Data Catalog as the partition catalog: locations are read with BatchGetPartition
 * (a partition exists whether or not it holds files) and swaps are BatchUpdatePartition for the
 * partitions that exist and BatchCreatePartition for the rest, drops are BatchDeletePartition,
 * each call within Glue's batch sizes. A partition's values are its table's partition keys, in the table's order.
 * @param options Glue client and catalog id
 * @example const catalog = glueCatalog({ glue: new GlueClient({}) });
 */
export function glueCatalog({ glue: client, catalogId }: GlueCatalogOptions): PartitionCatalog {
  const shapes = new Map<string, Promise<TableShape>>();
  const where = (table: TableRef) => ({ CatalogId: catalogId, DatabaseName: table.database, TableName: table.name });
  const fail = (table: TableRef, action: string, error: unknown): CatalogError =>
    new CatalogError(`cannot ${action} partitions of ${table.database}.${table.name}: ${(error as Error).message}`, {
      cause: error,
    });

  const shapeOf = (table: TableRef): Promise<TableShape> => {
    const id = `${table.database}.${table.name}`;
    let shape = shapes.get(id);
    if (!shape) {
      shape = (async () => {
        const { Table } = await client.send(
          new GetTableCommand({ CatalogId: catalogId, DatabaseName: table.database, Name: table.name }),
        );
        const keys = (Table?.PartitionKeys ?? []).map((key) => key.Name!);
        if (!Table?.StorageDescriptor || keys.length === 0)
          throw new CatalogError(`Glue table ${id} has no storage descriptor or partition keys`);
        return { keys, storage: Table.StorageDescriptor };
      })();
      shape.catch(() => shapes.delete(id));
      shapes.set(id, shape);
    }
    return shape;
  };

  const valuesOf = (keys: string[], values: Record<string, string | number>, table: TableRef): string[] =>
    keys.map((key) => {
      const value = values[key];
      if (value === undefined)
        throw new CatalogError(`partition ${partitionKey(values)} of ${table.database}.${table.name} has no ${key}`);
      return String(value);
    });

  const locate: PartitionCatalog["locate"] = async (table, partitions) => {
    if (partitions.length === 0) return [];
    const found = new Map<string, string>();
    try {
      const { keys } = await shapeOf(table);
      for (const batch of chunksOf(partitions, glue.maxBatchGetPartitions)) {
        let asked = batch.map((values) => ({ Values: valuesOf(keys, values, table) }));
        // Glue may leave keys unprocessed under load: ask again for those.
        for (let attempt = 0; asked.length > 0; attempt++) {
          if (attempt === 5)
            throw new Error(`${asked.length} partition(s) still unprocessed after ${attempt} attempts`);
          const result = await client.send(new BatchGetPartitionCommand({ ...where(table), PartitionsToGet: asked }));
          for (const partition of result.Partitions ?? [])
            found.set((partition.Values ?? []).join("/"), locationOf(partition));
          asked = (result.UnprocessedKeys ?? []).map((key) => ({ Values: key.Values ?? [] }));
        }
      }
    } catch (error) {
      throw error instanceof CatalogError ? error : fail(table, "read", error);
    }
    const { keys } = await shapeOf(table);
    return partitions.map((values) => found.get(valuesOf(keys, values, table).join("/")));
  };

  return {
    locate,
    async addColumns(table, columns) {
      const id = `${table.database}.${table.name}`;
      try {
        const { Table } = await client.send(
          new GetTableCommand({ CatalogId: catalogId, DatabaseName: table.database, Name: table.name }),
        );
        if (!Table?.StorageDescriptor) throw new CatalogError(`Glue table ${id} has no storage descriptor`);
        const has = new Set(
          [...(Table.StorageDescriptor.Columns ?? []), ...(Table.PartitionKeys ?? [])].map((c) =>
            c.Name!.toLowerCase(),
          ),
        );
        const added = columns.filter(({ name }) => !has.has(name.toLowerCase()));
        if (added.length === 0) return [];
        const storage: StorageDescriptor = {
          ...Table.StorageDescriptor,
          Columns: [
            ...(Table.StorageDescriptor.Columns ?? []),
            ...added.map(({ name, type }) => ({ Name: name.toLowerCase(), Type: hiveType(type) })),
          ],
        };
        // UpdateTable replaces the table's definition: everything else is sent back as Glue holds it.
        await client.send(
          new UpdateTableCommand({
            CatalogId: catalogId,
            DatabaseName: table.database,
            TableInput: {
              Name: Table.Name,
              Description: Table.Description,
              Owner: Table.Owner,
              Retention: Table.Retention,
              TableType: Table.TableType,
              Parameters: Table.Parameters,
              PartitionKeys: Table.PartitionKeys,
              StorageDescriptor: storage,
            },
          }),
        );
        // Partitions created or swapped from now on copy the new columns.
        shapes.delete(id);
        return added.map(({ name }) => name);
      } catch (error) {
        throw error instanceof CatalogError
          ? error
          : new CatalogError(`cannot add columns to ${id}: ${(error as Error).message}`, { cause: error });
      }
    },
    async swap(table, partitions) {
      if (partitions.length === 0) return;
      const current = await locate(
        table,
        partitions.map((p) => p.values),
      );
      try {
        const { keys, storage } = await shapeOf(table);
        const input = (partition: PartitionLocation) => ({
          Values: valuesOf(keys, partition.values, table),
          StorageDescriptor: { ...storage, Location: partition.location },
        });
        const existing = partitions.filter((_, i) => current[i] !== undefined);
        const added = partitions.filter((_, i) => current[i] === undefined);
        for (const batch of chunksOf(existing, glue.maxBatchUpdatePartitions)) {
          const result = await client.send(
            new BatchUpdatePartitionCommand({
              ...where(table),
              Entries: batch.map((partition) => ({
                PartitionValueList: valuesOf(keys, partition.values, table),
                PartitionInput: input(partition),
              })),
            }),
          );
          const [first] = result.Errors ?? [];
          if (first)
            throw new Error(
              `${result.Errors!.length} update(s) failed, first ${first.PartitionValueList?.join("/")}: ${first.ErrorDetail?.ErrorCode} ${first.ErrorDetail?.ErrorMessage}`,
            );
        }
        for (const batch of chunksOf(added, glue.maxBatchCreatePartitions)) {
          const result = await client.send(
            new BatchCreatePartitionCommand({ ...where(table), PartitionInputList: batch.map(input) }),
          );
          const [first] = result.Errors ?? [];
          if (first)
            throw new Error(
              `${result.Errors!.length} creation(s) failed, first ${first.PartitionValues?.join("/")}: ${first.ErrorDetail?.ErrorCode} ${first.ErrorDetail?.ErrorMessage}`,
            );
        }
      } catch (error) {
        throw error instanceof CatalogError ? error : fail(table, "swap", error);
      }
    },
    async drop(table, partitions) {
      if (partitions.length === 0) return;
      try {
        const { keys } = await shapeOf(table);
        for (const batch of chunksOf(partitions, glue.maxBatchDeletePartitions)) {
          const result = await client.send(
            new BatchDeletePartitionCommand({
              ...where(table),
              PartitionsToDelete: batch.map((values) => ({ Values: valuesOf(keys, values, table) })),
            }),
          );
          // A partition gone already (a repeated drop) is what the call was for.
          const failed = (result.Errors ?? []).filter(
            (error) => error.ErrorDetail?.ErrorCode !== "EntityNotFoundException",
          );
          const [first] = failed;
          if (first)
            throw new Error(
              `${failed.length} deletion(s) failed, first ${first.PartitionValues?.join("/")}: ${first.ErrorDetail?.ErrorCode} ${first.ErrorDetail?.ErrorMessage}`,
            );
        }
      } catch (error) {
        throw error instanceof CatalogError ? error : fail(table, "drop", error);
      }
    },
  };
}

function locationOf(partition: Partition): string {
  const location = partition.StorageDescriptor?.Location ?? "";
  return location.endsWith("/") ? location : `${location}/`;
}
