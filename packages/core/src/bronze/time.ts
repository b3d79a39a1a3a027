import { timestampPattern } from "../dataset/schema";
import type { DateValue, TimestampValue, YearRange } from "../dataset/spec";
import { DEFAULT_YEARS } from "../dataset/spec";

// Timestamps and dates as the data writes them, turned into the one form bronze keeps:
// ISO-8601 text for an instant (the data's own text when it is ISO with an offset, else UTC
// with `Z`), `YYYY-MM-DD` for a date. Each reader returns that text, or a `Rejection` whose
// reason quarantine shows.

/** Why a value was refused. */
export interface Rejection {
  reason: string;
}

/** Reads one value of a timestamp or date field: the text bronze keeps, or why not. */
export type TimeReader = (value: unknown) => string | Rejection;

const MONTH_NAMES = "january february march april may june july august september october november december".split(" ");
const MONTHS = MONTH_NAMES.map((name) => name.slice(0, 3));

// What a pattern's letters stand for: the regex of the text and what it sets.
type Part = "year" | "year2" | "month" | "monthName" | "day" | "hour" | "hour12" | "ampm" | "minute" | "second";
type Unit = Part | "fraction" | "offset";
const TWO_DIGITS = "(\\d{2})";
const ONE_OR_TWO_DIGITS = "(\\d{1,2})";
const FRACTION = { regex: "(\\d{1,9})", unit: "fraction" } as const;
const OFFSET = { regex: "(Z|[+-]\\d{2}(?::?\\d{2})?)", unit: "offset" } as const;
const TOKENS: Record<string, { regex: string; unit: Unit }> = {
  yyyy: { regex: "(\\d{4})", unit: "year" },
  yy: { regex: TWO_DIGITS, unit: "year2" },
  MMMM: { regex: `(${MONTH_NAMES.join("|")})`, unit: "monthName" },
  MMM: { regex: `(${MONTHS.join("|")})`, unit: "monthName" },
  MM: { regex: TWO_DIGITS, unit: "month" },
  M: { regex: ONE_OR_TWO_DIGITS, unit: "month" },
  dd: { regex: TWO_DIGITS, unit: "day" },
  d: { regex: ONE_OR_TWO_DIGITS, unit: "day" },
  HH: { regex: TWO_DIGITS, unit: "hour" },
  H: { regex: ONE_OR_TWO_DIGITS, unit: "hour" },
  hh: { regex: TWO_DIGITS, unit: "hour12" },
  h: { regex: ONE_OR_TWO_DIGITS, unit: "hour12" },
  a: { regex: "(am|pm)", unit: "ampm" },
  mm: { regex: TWO_DIGITS, unit: "minute" },
  ss: { regex: TWO_DIGITS, unit: "second" },
  S: FRACTION,
  SS: FRACTION,
  SSS: FRACTION,
  X: OFFSET,
  XX: OFFSET,
  XXX: OFFSET,
  Z: OFFSET,
};

/** A compiled pattern: its regex and the unit each capture group sets. */
interface CompiledPattern {
  regex: RegExp;
  units: Unit[];
}

/**
 * Compiles a date/time pattern (`"MMM d yyyy"`, `"yyyy-MM-dd HH:mm:ss"`); throws an Error
 * naming the first part it does not know.
 * @param pattern the pattern
 */
export function compilePattern(pattern: string): CompiledPattern {
  let source = "";
  const units: Unit[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close === -1) throw new Error(`unclosed quote in pattern ${JSON.stringify(pattern)}`);
      source += escapeRegex(pattern.slice(i + 1, close));
      i = close + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const run = pattern.slice(i, j);
      const token = TOKENS[run];
      if (!token)
        throw new Error(
          `${JSON.stringify(run)} in pattern ${JSON.stringify(pattern)} is not one of ${Object.keys(TOKENS).join(", ")} (quote literal text: 'T')`,
        );
      source += token.regex;
      units.push(token.unit);
      i = j;
    } else {
      source += escapeRegex(c);
      i++;
    }
  }
  const has = (...wanted: Unit[]) => wanted.some((unit) => units.includes(unit));
  if (!has("year", "year2") || !has("month", "monthName") || !has("day"))
    throw new Error(`pattern ${JSON.stringify(pattern)} needs a year (yyyy), a month (MM or MMM) and a day (dd)`);
  if (units.includes("hour12") !== units.includes("ampm"))
    throw new Error(`pattern ${JSON.stringify(pattern)}: hh (1–12) and a (AM/PM) go together`);
  return { regex: new RegExp(`^${source}$`, "i"), units };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The parts of a local date and time, as written. */
interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC, when the text gave an offset. */
  offset: number | undefined;
}

function readPattern({ regex, units }: CompiledPattern, text: string): LocalTime | undefined {
  const match = regex.exec(text);
  return match ? timeOf(match, units) : undefined;
}

// The local time `match` writes, capture g + 1 setting `units[g]` (an optional capture that is
// absent leaves its part at 0), when it is a valid one.
function timeOf(match: RegExpExecArray, units: Unit[]): LocalTime | undefined {
  const time: LocalTime = {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
    offset: undefined,
  };
  let pm: boolean | undefined;
  for (let g = 0; g < units.length; g++) {
    const part = match[g + 1];
    if (part === undefined) continue;
    const unit = units[g]!;
    switch (unit) {
      case "year2": {
        // POSIX's pivot, as DuckDB's strptime: 69–99 are 19xx, 00–68 are 20xx.
        const yy = Number(part);
        time.year = yy >= 69 ? 1900 + yy : 2000 + yy;
        break;
      }
      case "monthName": {
        const lower = part.toLowerCase();
        time.month = (lower.length === 3 ? MONTHS.indexOf(lower) : MONTH_NAMES.indexOf(lower)) + 1;
        break;
      }
      case "hour12": {
        const hour = Number(part);
        if (hour < 1 || hour > 12) return undefined;
        time.hour = hour % 12;
        break;
      }
      case "ampm":
        pm = part.toLowerCase() === "pm";
        break;
      case "fraction":
        time.millisecond = Math.floor(Number(`0.${part}`) * 1000 + 1e-9);
        break;
      case "offset":
        time.offset = offsetMinutes(part);
        break;
      default: // year, month, day, hour, minute, second: the part of the same name
        time[unit] = Number(part);
    }
  }
  if (pm) time.hour += 12;
  return validTime(time) ? time : undefined;
}

function offsetMinutes(text: string): number {
  if (text === "Z" || text === "z") return 0;
  const sign = text[0] === "-" ? -1 : 1;
  const digits = text.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return DAYS[month - 1]!;
}

function validTime(t: LocalTime): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysInMonth(t.year, t.month) &&
    t.hour <= 23 &&
    t.minute <= 59 &&
    t.second <= 59 &&
    (t.offset === undefined || Math.abs(t.offset) < 24 * 60)
  );
}

// One formatter per zone: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, found);
  }
  return found;
}

/**
 * Whether a time zone is one the runtime knows (an IANA name such as `America/Sao_Paulo`, or `UTC`).
 * @param zone the zone's name
 */
export function knownTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

// How far `zone`'s wall clock is ahead of UTC at the instant `utc` (ms).
function zoneOffsetMs(zone: string, utc: number): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatter(zone).formatToParts(utc)) parts[type] = Number(value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - (utc - (((utc % 1000) + 1000) % 1000));
}

/**
 * The instant (ms since the epoch) of a wall-clock time in a zone. A time skipped by a
 * daylight-saving change reads as the offset before it; a repeated one as its first occurrence.
 * @param wall the wall-clock time as if it were UTC (ms)
 * @param zone IANA zone
 */
function wallToInstant(wall: number, zone: string): number {
  if (zone === "UTC" || zone === "Etc/UTC") return wall;
  const first = wall - zoneOffsetMs(zone, wall);
  const second = wall - zoneOffsetMs(zone, first);
  return second === first ? first : Math.max(first, second);
}

function instantOf(t: LocalTime, zone: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
  // Date.UTC maps years 0–99 to 1900–1999; set the year again for them.
  const fixed = t.year < 100 ? new Date(wall).setUTCFullYear(t.year) : wall;
  return t.offset !== undefined ? fixed - t.offset * 60_000 : wallToInstant(fixed, zone);
}

function outOfRange(year: number, years: YearRange): Rejection {
  return { reason: `year ${year} is outside ${years.min}–${years.max}` };
}

const describeValue = (value: unknown): string =>
  typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;

// ISO-8601 written without an offset, read in the field's zone.
const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const LOCAL_ISO_UNITS: Unit[] = ["year", "month", "day", "hour", "minute", "second", "fraction"];

/**
 * The reader of a timestamp field: ISO text with an offset is kept as written; any other
 * form becomes ISO-8601 UTC text (`2024-05-01T12:00:00.000Z`). Years outside the field's
 * range (default 1900–2200, of the UTC instant) are refused.
 * @param field the field's type
 */
export function timestampReader({ format = "iso", timezone, years = DEFAULT_YEARS }: TimestampValue): TimeReader {
  const zone = timezone ?? "UTC";
  const iso = timestampPattern();
  // The range as instants: a comparison per value, a year only for the reason.
  const first = new Date(0).setUTCFullYear(years.min, 0, 1);
  const last = new Date(0).setUTCFullYear(years.max + 1, 0, 1);
  const inRange = (ms: number): string | Rejection => {
    if (!(ms >= first && ms < last)) {
      if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return { reason: "is not a valid instant" };
      return outOfRange(new Date(ms).getUTCFullYear(), years);
    }
    return new Date(ms).toISOString();
  };
  if (format === "epoch_s" || format === "epoch_ms") {
    const scale = format === "epoch_s" ? 1000 : 1;
    return (value) => {
      const n =
        typeof value === "number"
          ? value
          : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)
            ? Number(value)
            : Number.NaN;
      if (Number.isNaN(n))
        return {
          reason: `expected ${format === "epoch_s" ? "seconds" : "milliseconds"} since 1970 as a number, got ${describeValue(value)}`,
        };
      return inRange(Math.round(n * scale));
    };
  }
  if (format === "iso") {
    const common = commonIsoTimestamp({ years })!;
    return (value) => {
      if (typeof value !== "string") return { reason: `expected an ISO-8601 timestamp, got ${describeValue(value)}` };
      // The common shape needs no regex when its year is well inside the range.
      if (value.length === 24) {
        for (let i = 0; i < 24; i++) isoUnits[i] = value.charCodeAt(i);
        if (common(isoUnits, 0, 24)) return value;
      }
      if (iso.test(value)) {
        // The year as written decides, but near a bound the offset can move it: then the instant's.
        const written = Number(value.slice(0, 4));
        if (written > years.min && written < years.max) return value;
        const year = new Date(Date.parse(value)).getUTCFullYear();
        return year < years.min || year > years.max ? outOfRange(year, years) : value;
      }
      const local = timezone === undefined ? undefined : LOCAL_ISO.exec(value);
      if (!local)
        return {
          reason: `expected an ISO-8601 timestamp with an offset or Z${timezone === undefined ? " (or set the field's timezone)" : ""}, got ${describeValue(value)}`,
        };
      const time = timeOf(local, LOCAL_ISO_UNITS);
      if (!time) return { reason: `${describeValue(value)} is not a valid date and time` };
      return inRange(instantOf(time, zone));
    };
  }
  const pattern = compilePattern(format);
  return (value) => {
    if (typeof value !== "string")
      return { reason: `expected a timestamp as ${JSON.stringify(format)}, got ${describeValue(value)}` };
    const time = readPattern(pattern, value);
    if (!time) return { reason: `${describeValue(value)} does not match ${JSON.stringify(format)}` };
    return inRange(instantOf(time, zone));
  };
}

// The general path's strings are copied here for `commonIsoTimestamp`'s check.
const isoUnits = new Uint16Array(24);

/**
 * For a timestamp field in the ISO format, whether the text of `length` code units at `at` in
 * `units` is `YYYY-MM-DDTHH:MM:SS.sssZ` (the shape `toISOString` writes), a valid date and
 * time, its year well inside the field's range: then bronze keeps it as written, and the ISO
 * regex (which with its caller was a twentieth of the reading thread, 1M car-telemetry lines,
 * CPU profile) is not needed. Undefined for other formats. The plain reader checks the text
 * in its chunk's code units (`plain-line.ts`): a typed-array load costs a third of a charCodeAt.
 * @param field the field's type
 */
export function commonIsoTimestamp({
  format = "iso",
  years = DEFAULT_YEARS,
}: Pick<TimestampValue, "format" | "years">):
  | ((units: Uint16Array, at: number, length: number) => boolean)
  | undefined {
  if (format !== "iso") return undefined;
  // The last valid date seen and its year: a file's timestamps mostly share their day, whose
  // check is then ten units compared (the date's check was half of this one's time).
  const lastDate = new Uint16Array(10);
  let lastYear = -1;
  return (units, at, length) => {
    if (length !== 24 || !commonIsoClock(units, at)) return false;
    let same = lastYear !== -1;
    for (let i = 0; same && i < 10; i++) same = units[at + i] === lastDate[i];
    if (!same) {
      const year = commonIsoDate(units, at);
      if (year < 0) return false;
      for (let i = 0; i < 10; i++) lastDate[i] = units[at + i]!;
      lastYear = year;
    }
    return lastYear > years.min && lastYear < years.max;
  };
}

// The year of a valid `YYYY-MM-DD` at `a` in `u` (followed by the clock), else -1.
function commonIsoDate(u: Uint16Array, a: number): number {
  if (u[a + 4] !== 45 || u[a + 7] !== 45) return -1; // - -
  const year = digitsAt(u, a, 4);
  const month = digitsAt(u, a + 5, 2);
  const day = digitsAt(u, a + 8, 2);
  return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) ? year : -1;
}

// Whether `THH:MM:SS.sssZ` follows the date at `a` in `u`, a valid time of day.
function commonIsoClock(u: Uint16Array, a: number): boolean {
  if (u[a + 10] !== 84 || u[a + 13] !== 58 || u[a + 16] !== 58) return false; // T : :
  if (u[a + 19] !== 46 || u[a + 23] !== 90) return false; // . Z
  const hour = digitsAt(u, a + 11, 2);
  const minute = digitsAt(u, a + 14, 2);
  const second = digitsAt(u, a + 17, 2);
  return (
    hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && digitsAt(u, a + 20, 3) >= 0
  );
}

// The number written by `count` decimal digits at `at`, or -1 when one is not a digit.
function digitsAt(u: Uint16Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = u[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The reader of a date field: `YYYY-MM-DD` text, from ISO or from the field's pattern; a
 * date that does not exist (February 30) or outside the field's years is refused.
 * @param field the field's type
 */
export function dateReader({ format = "iso", years = DEFAULT_YEARS }: DateValue): TimeReader {
  const pattern = compilePattern(format === "iso" ? "yyyy-MM-dd" : format);
  return (value) => {
    if (typeof value !== "string")
      return {
        reason: `expected a date as ${format === "iso" ? "YYYY-MM-DD" : JSON.stringify(format)}, got ${describeValue(value)}`,
      };
    const time = readPattern(pattern, value);
    if (!time)
      return {
        reason: `${describeValue(value)} is not a date as ${format === "iso" ? "YYYY-MM-DD" : JSON.stringify(format)}`,
      };
    if (time.year < years.min || time.year > years.max) return outOfRange(time.year, years);
    return `${String(time.year).padStart(4, "0")}-${String(time.month).padStart(2, "0")}-${String(time.day).padStart(2, "0")}`;
  };
}
