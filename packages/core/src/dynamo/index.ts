export { StoreError, StoreRequestError } from "./errors";
export { canonicalJson } from "./canonical";
export { DYNAMO_MAX_ITEM_BYTES, itemSize } from "./item-size";
