import type { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import type { DatasetSpec } from "../dataset/spec";
import type { TableRef } from "../sql/ast";
import type { PartitionCatalog } from "./catalog";
import { silverSpecOf } from "./columns";
import { SilverSpecError } from "./errors";
import { parseS3Uri } from "./objects";
import { pathCatalog } from "./path-catalog";

/** Where a consolidation wrote: a catalog table, or a plain S3 path. Plain JSON, for summaries. */
export const silverTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("table"), database: z.string(), table: z.string() }),
  z.object({ kind: z.literal("path"), uri: z.string() }),
]);

/** Where a consolidation wrote. */
export type SilverTarget = z.infer<typeof silverTargetSchema>;

/** A resolved target: what was written, and where versions and the partition catalog live. */
export interface ResolvedTarget {
  target: SilverTarget;
  /** The table the catalog and the engines address. */
  table: TableRef;
  /** Bucket holding the versions. */
  bucket: string;
  /** Key prefix (no trailing `/`) versions live under: `<root>/_v=<id>/`. */
  root: string;
  catalog: PartitionCatalog;
}

/** Options of {@link resolveTarget}. */
export interface ResolveTargetOptions {
  spec: DatasetSpec;
  /** The lake's silver bucket and table of the dataset: the defaults. */
  bucket: string;
  table: TableRef;
  /** The lake's partition catalog, used for table targets. */
  catalog: PartitionCatalog;
  s3: S3Client;
}

/**
 * Resolves a spec's silver target: the catalog table when one is given (or nothing at all is),
 * otherwise the plain S3 path, whose partition locations live in a manifest beside the data.
 * @param options spec, lake defaults, catalog and S3 client
 * @example resolveTarget({ spec, bucket: "silver", table: { database: "silver", name: "operations" }, catalog, s3 }).target
 */
export function resolveTarget({ spec, bucket, table, catalog, s3 }: ResolveTargetOptions): ResolvedTarget {
  const target = silverSpecOf(spec).target;
  if (target?.table || !target?.path) {
    const ref = silverTableOf(spec, table);
    return {
      target: { kind: "table", database: ref.database, table: ref.name },
      table: ref,
      bucket,
      root: spec.name,
      catalog,
    };
  }
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(target.path);
  } catch (error) {
    throw new SilverSpecError(
      `dataset ${spec.name}: silver target path ${target.path} is not an s3://bucket/prefix/ URI`,
      { cause: error },
    );
  }
  const root = location.key.replace(/\/+$/, "");
  if (root === "")
    throw new SilverSpecError(
      `dataset ${spec.name}: silver target path ${target.path} needs a prefix below the bucket`,
    );
  const uri = `s3://${location.bucket}/${root}/`;
  return {
    target: { kind: "path", uri },
    // The path's partitions are also registered on the lake's silver table of the dataset (a
    // Glue table over the path on AWS), because engines re-read existing rows through a table.
    table,
    bucket: location.bucket,
    root,
    catalog: mirroredCatalog(pathCatalog({ s3, bucket: location.bucket, key: `${root}/_partitions.json` }), catalog),
  };
}

/**
 * The table silver's rows are read through: the spec's target table (either part defaulting to
 * the lake's), or the lake's silver table of the dataset for a plain path target, on which the
 * path's partitions are registered too. What gold and every reader of silver name.
 * @param spec dataset spec with a silver section
 * @param lake the lake's silver table of the dataset
 * @example silverTableOf(operations, { database: "medallion_prod_silver", name: "operations" })
 */
export function silverTableOf(spec: DatasetSpec, lake: TableRef): TableRef {
  const target = silverSpecOf(spec).target;
  if (target?.path && !target.table) return lake;
  return { database: target?.table?.database ?? lake.database, name: target?.table?.name ?? lake.name };
}

/**
 * A path target's catalog: the manifest beside the data is the source of truth for where
 * partitions live (what consumers of the path read); each swap is mirrored to the lake's
 * catalog, manifest first, so the engines see the same locations (drops likewise). Both are
 * idempotent, so a crash between them is mended by the next run's.
 */
function mirroredCatalog(manifest: PartitionCatalog, lake: PartitionCatalog): PartitionCatalog {
  return {
    locate: (table, partitions) => manifest.locate(table, partitions),
    addColumns: (table, columns) => lake.addColumns(table, columns),
    swap: async (table, partitions) => {
      await manifest.swap(table, partitions);
      await lake.swap(table, partitions);
    },
    drop: async (table, partitions) => {
      await manifest.drop(table, partitions);
      await lake.drop(table, partitions);
    },
  };
}
