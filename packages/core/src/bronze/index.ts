export type { ConvertOptions, ConvertProgress, ConvertResult, RejectedRecordInfo } from "./convert";
export { convertToBronze } from "./convert";
export type { PartitionDaySource } from "./days";
export { BronzeError, UnparseableFileError } from "./errors";
export type { AcceptedRecord, RejectedRecord } from "./record";
export { recordChecker } from "./record";
export type { JsonSplitterOptions, RawValue } from "./splitter";
export { JsonSplitter } from "./splitter";
