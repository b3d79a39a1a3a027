import { toStorable, valueSize } from "../dynamo/item-size";

/** A sample of records cut to a record count and a byte budget. */
export interface FittedSample {
  records: unknown[];
  /** True when the byte budget, not the record limit, ended the sample. */
  truncated: boolean;
  /** Bytes the sample adds to the item as a list attribute (name excluded). */
  bytes: number;
}

/**
 * Takes the first records, up to `limit`, while the list they form stays within
 * `budgetBytes` of DynamoDB item size. Records are made storable first (see `toStorable`).
 * @param options.records records in order
 * @param options.limit most records to keep
 * @param options.budgetBytes most bytes the list may take
 * @example fitSample({ records: rows, limit: 1000, budgetBytes: 300_000 })
 */
export function fitSample({
  records,
  limit,
  budgetBytes,
}: {
  records: readonly unknown[];
  limit: number;
  budgetBytes: number;
}): FittedSample {
  const kept: unknown[] = [];
  let bytes = 3; // an empty list
  const wanted = Math.min(limit, records.length);
  for (let index = 0; index < wanted; index++) {
    const record = toStorable(records[index]);
    const size = 1 + valueSize(record);
    if (bytes + size > budgetBytes) return { records: kept, truncated: true, bytes };
    kept.push(record);
    bytes += size;
  }
  return { records: kept, truncated: false, bytes };
}
