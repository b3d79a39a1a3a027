import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PartitionCatalog } from "@medallion/core/silver";
import { CatalogError, partitionKey } from "@medallion/core/silver";
import type { ColumnDef, PartitionLocation, TableRef } from "@medallion/core/sql";

/** The embedded catalog: a JSON file per table, replaced atomically on every swap. */
export interface LocalCatalog extends PartitionCatalog {
  /** Every partition of a table, as one consistent snapshot. @param table the table */
  partitions(table: TableRef): Promise<PartitionLocation[]>;
}

interface TableFile {
  partitions: Record<string, PartitionLocation>;
  /** The data columns, as Glue's table would hold them (absent in a file written before columns were kept). */
  columns?: ColumnDef[];
}

/**
 * A catalog stored as `<directory>/<database>/<table>.json`. A swap writes a temporary file and
 * renames it over the old one, so a reader sees the whole old map or the whole new one.
 * Assumes one writer per table at a time (the pipeline runs one consolidation per dataset).
 * @param options.directory where table files live, e.g. `<dataDir>/catalog`
 * @example const catalog = localCatalog({ directory: join(dataDir, "catalog") });
 */
export function localCatalog({ directory }: { directory: string }): LocalCatalog {
  const fileOf = ({ database, name }: TableRef): string => {
    for (const part of [database, name]) {
      if (!/^[A-Za-z0-9_-]+$/.test(part))
        throw new CatalogError(`invalid catalog name ${JSON.stringify(part)}: letters, digits, _ and - only`);
    }
    return join(directory, database, `${name}.json`);
  };
  async function read(table: TableRef): Promise<TableFile> {
    const file = fileOf(table);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { partitions: {} };
      throw new CatalogError(`cannot read catalog file ${file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return JSON.parse(text) as TableFile;
    } catch (error) {
      throw new CatalogError(`catalog file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    async partitions(table) {
      return Object.values((await read(table)).partitions);
    },
    async locate(table, partitions) {
      const { partitions: current } = await read(table);
      return partitions.map((values) => current[partitionKey(values)]?.location);
    },
    async swap(table, partitions) {
      const content = await read(table);
      for (const partition of partitions) content.partitions[partitionKey(partition.values)] = partition;
      await write(table, content);
    },
    async drop(table, partitions) {
      const content = await read(table);
      const keys = partitions.map(partitionKey).filter((key) => key in content.partitions);
      if (keys.length === 0) return;
      for (const key of keys) delete content.partitions[key];
      await write(table, content);
    },
    async addColumns(table, columns) {
      const content = await read(table);
      const has = new Set((content.columns ?? []).map(({ name }) => name.toLowerCase()));
      const added = columns.filter(({ name }) => !has.has(name.toLowerCase()));
      if (added.length === 0) return [];
      content.columns = [...(content.columns ?? []), ...added.map(({ name, type }) => ({ name, type }))];
      await write(table, content);
      return added.map(({ name }) => name);
    },
  };
  async function write(table: TableRef, content: TableFile): Promise<void> {
    const file = fileOf(table);
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(content, null, 1));
    await rename(temporary, file);
  }
}

/** Where the embedded stack keeps its catalog: `<dataDir>/catalog`. @param dataDir state directory */
export const catalogDirectory = (dataDir: string): string => join(dataDir, "catalog");
