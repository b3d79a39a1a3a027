export { convertToBronze } from "./convert";
export type { ConvertOptions, ConvertProgress, ConvertResult, RejectedRecordInfo } from "./convert";
export { JsonSplitter } from "./splitter";
export type { JsonSplitterOptions, RawValue } from "./splitter";
export { recordChecker } from "./record";
export type { AcceptedRecord, RejectedRecord } from "./record";
export { BronzeError, UnparseableFileError } from "./errors";
