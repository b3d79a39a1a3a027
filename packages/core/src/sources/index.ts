// The HTTP API sources this project declares: their spec and registry (no runtime: infra
// imports this module at deploy time). Pulling them is `@medallion/core/pull`.

export {
  HttpClientError,
  HttpRetryExhaustedError,
  InvalidResponseError,
  LandingWriteError,
  PageCapError,
  SourceError,
  SourcePullError,
  SourceSpecError,
  WatermarkConflictError,
} from "./errors";
export { exampleSource, shippedSources } from "./registry";
export type {
  CursorPagination,
  HttpApiSource,
  NextLinkPagination,
  PagePagination,
  Pagination,
  RetryPolicy,
  SourceAuth,
  WindowFormat,
  WindowParams,
} from "./spec";
