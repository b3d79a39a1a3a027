import { bronzeSqlType, readFields } from "../dataset/schema";
import type { DatasetSpec } from "../dataset/spec";
import { catalogColumns, silverColumns } from "../silver/columns";
import { hiveType } from "./hive";

/** A catalog column: its name (lowercase, as Glue stores it) and Hive type. */
export interface CatalogColumn {
  name: string;
  type: string;
}

/** A table's columns and partition keys, as the catalog declares them. */
export interface CatalogTableShape {
  columns: CatalogColumn[];
  partitionKeys: CatalogColumn[];
}

const lineage: CatalogColumn[] = [
  { name: "_extra", type: "string" },
  { name: "_source_key", type: "string" },
  { name: "_record_index", type: "int" },
  { name: "_source_line", type: "int" },
];

/**
 * The bronze table of a dataset: the spec's fields, then the lineage columns, partitioned
 * by `ingest_date` (projected, so nothing is registered).
 * @param spec dataset spec
 */
export function bronzeTableShape(spec: DatasetSpec): CatalogTableShape {
  return {
    // Bronze keeps structs, lists and ISO text timestamps, exactly as ingestion writes them.
    columns: [
      // A renamed field's earlier name stays: files written before the rename hold it there.
      ...readFields(spec.fields).map((field) => ({
        name: field.name.toLowerCase(),
        type: hiveType(bronzeSqlType(field)),
      })),
      ...lineage,
    ],
    partitionKeys: [{ name: "ingest_date", type: "string" }],
  };
}

/**
 * The silver table of a dataset (flattened, cleansed, derived columns), or undefined when
 * the spec has no silver section.
 * @param spec dataset spec
 */
export function silverTableShape(spec: DatasetSpec): CatalogTableShape | undefined {
  if (!spec.silver) return undefined;
  const columns = silverColumns(spec);
  const asCatalog = (c: { name: string; type: Parameters<typeof hiveType>[0] }) => ({
    name: c.name.toLowerCase(),
    type: hiveType(c.type),
  });
  return { columns: catalogColumns(columns.data).map(asCatalog), partitionKeys: columns.partition.map(asCatalog) };
}
