export { RedriveError, RedriveRequestError } from "./errors";
export type { FileRedrive } from "./files";
export { redriveFile, unparseableKeyOf } from "./files";
export type { RecordLineage, RecordsRedrive, RedriveContext } from "./records";
export { redriveRecords, rejectedKeyOf } from "./records";
export type { RedriveCounts, RedriveOptions, RedriveSummary, SetAsideRedrive } from "./redrive";
export { redriveDataset } from "./redrive";
