import { hostname } from "node:os";
import type { BucketName, TableName } from "@medallion/core/resources";
import { Resource } from "sst";

// The one place handlers read SST links. `Resource` is typed by the `sst-env.d.ts` that
// `sst dev`/`sst deploy` generate; this accessor keeps handlers typed without it (reading a
// link by name, which SST's proxy resolves). Locally the embedded stack sets the same
// SST_RESOURCE_<Name> variables SST would.

/**
 * A linked resource's properties (a bucket's or table's `name`, an `sst.Secret`'s `value`,
 * an `sst.Linkable`'s properties), or a clear error naming the link when it is missing.
 * @param link the link name
 * @param has the property the caller needs, checked to be a non-empty string
 */
export function linkedResource<T extends object>(link: string, has: keyof T & string): T {
  let resource: unknown;
  try {
    resource = Reflect.get(Resource, link);
  } catch (error) {
    throw new Error(`Resource ${link} is not linked to this function (no SST_RESOURCE_${link})`, { cause: error });
  }
  const value = (resource as Record<string, unknown> | undefined)?.[has];
  if (typeof value !== "string" || value === "")
    throw new Error(`Resource ${link} is not linked to this function, or has no ${has} (SST_RESOURCE_${link})`);
  return resource as T;
}

/**
 * The physical name of a linked bucket or table.
 * @param link the link name declared in `@medallion/core/resources`
 */
export function linked(link: BucketName | TableName): string {
  return linkedResource<{ name: string }>(link, "name").name;
}

/**
 * Where this code runs and which version it is, stamped on processing-log records.
 * `MEDALLION_CODE_VERSION` (e.g. the git SHA, set at deploy) wins over Lambda's version.
 */
export const runtime = {
  host: process.env.AWS_LAMBDA_FUNCTION_NAME ?? hostname(),
  codeVersion: process.env.MEDALLION_CODE_VERSION ?? process.env.AWS_LAMBDA_FUNCTION_VERSION ?? "dev",
} as const;
