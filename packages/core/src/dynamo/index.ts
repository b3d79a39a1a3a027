export { canonicalJson } from "./canonical";
export { StoreError, StoreRequestError } from "./errors";
export { DYNAMO_MAX_ITEM_BYTES, itemSize } from "./item-size";
export { documentClientOptions, readNumber, storableNumber } from "./numbers";
export { eachLimit } from "./request";
