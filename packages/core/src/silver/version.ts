import { createHash } from "node:crypto";

/**
 * A version id from what a consolidation reads: the pending files and the current location of
 * every affected partition. A re-run over the same inputs (a crash before the swap) reuses the
 * id and its prefix; once any partition moved, the inputs differ and so does the id.
 * @param input dataset, pending file ids, current partition locations
 */
export function versionId({
  dataset,
  files,
  current,
}: {
  dataset: string;
  files: string[];
  current: [string, string | undefined][];
}): string {
  const canonical = JSON.stringify({
    dataset,
    files: [...files].sort(),
    current: [...current].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Key prefix of a version: `<dataset>/_v=<id>/`. @param dataset dataset @param version version id */
export const versionPrefix = (dataset: string, version: string): string => `${dataset}/_v=${version}/`;
