/** Base of the redrive's errors. */
export class RedriveError extends Error {
  override name = "RedriveError";
}

/** A redrive asked of something it cannot take: an unknown dataset, a bad range. */
export class RedriveRequestError extends RedriveError {
  override name = "RedriveRequestError";
}
