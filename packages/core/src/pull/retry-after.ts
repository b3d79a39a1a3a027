/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds (`120`) or an
 * HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, measured from `now`). Undefined when the
 * header is absent or unreadable; a date in the past means no wait.
 * @param header the header's value
 * @param now the current time
 * @example retryAfterMs("2", new Date()) // 2000
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
