import { SourceSpecError } from "../sources/errors";
import type { HttpApiSource } from "../sources/spec";

const NAME = /^[a-z][a-z0-9_-]*$/;
// SST Secret names: a capital letter, then letters and digits.
const SECRET = /^[A-Z][A-Za-z0-9]*$/;
const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const SIZE_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Checks a source spec before anything is fetched; throws {@link SourceSpecError} naming
 * the source and the offending setting.
 * @param source the spec to check
 */
export function assertValidSource(source: HttpApiSource): void {
  const fail = (reason: string): never => {
    throw new SourceSpecError(`source ${JSON.stringify(source.name)}: ${reason}`);
  };
  if (!NAME.test(source.name)) fail("the name must match [a-z][a-z0-9_-]*");
  let endpoint: URL | undefined;
  try {
    endpoint = new URL(source.endpoint);
  } catch {
    fail(`endpoint ${JSON.stringify(source.endpoint)} is not a URL`);
  }
  if (endpoint && endpoint.protocol !== "https:" && endpoint.protocol !== "http:")
    fail(`endpoint ${source.endpoint} is not http(s)`);
  if (!source.dataset.landingPrefix.endsWith("/"))
    fail(
      `dataset ${source.dataset.name}'s landing prefix ${JSON.stringify(source.dataset.landingPrefix)} must end with "/"`,
    );
  if (source.auth && !HEADER.test(source.auth.header))
    fail(`auth header ${JSON.stringify(source.auth.header)} is not a valid header name`);
  if (source.auth && !SECRET.test(source.auth.secret))
    fail(`secret name ${JSON.stringify(source.auth.secret)} must match [A-Z][A-Za-z0-9]* (an SST Secret name)`);
  const { window } = source;
  if (window.format === "date" && window.size !== "day")
    fail(`window format "date" cannot express ${window.size} windows; use "iso" or epoch`);
  const start = Date.parse(window.start);
  if (Number.isNaN(start)) fail(`window start ${JSON.stringify(window.start)} is not an ISO-8601 date`);
  if (start % SIZE_MS[window.size] !== 0)
    fail(`window start ${window.start} is not on a ${window.size} boundary (UTC)`);
  const positive = (value: number | undefined, what: string) => {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      fail(`${what} must be a positive integer, got ${value}`);
  };
  positive(source.maxPagesPerRun, "maxPagesPerRun");
  positive(source.timeoutMs, "timeoutMs");
  positive(source.retry?.attempts, "retry.attempts");
  if (source.pagination.style === "page") positive(source.pagination.pageSize, "pagination.pageSize");
}
