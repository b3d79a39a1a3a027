// Congregado: idempotent, versioned aggregates (congregado-save.ts), one at a time or in batches.
export * from "./congregado-save";
export * from "./congregado-batch";
export { canonicalJson } from "./canonical";
export { DYNAMO_MAX_ITEM_BYTES, itemSize } from "./item-size";
export * from "./errors";
