export type { ArchiveOptions, ArchiveOutcome, ArchiveResult } from "./archive";
export { ARCHIVE_PREFIXES, archiveKeyOf, archiveLandingObject, isArchiveKey } from "./archive";
export { ArchiveVerificationError, IngestError, IngestIoError, UnsafeKeyError } from "./errors";
export { ingestObject } from "./ingest";
export { assertSafeLandingKey, ingestDate, ingestKeys, normaliseEtag, objectBaseName } from "./keys";
export type { RejectedEntry } from "./quarantine";
export type { IngestContext, IngestResult, IngestSource } from "./types";
export { ingestResultSchema, ingestSourceSchema } from "./types";
