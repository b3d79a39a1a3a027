/**
 * How the CLI writes. stdout carries the command's result and nothing else (a table, a
 * summary, or one JSON document with `--json`), so it can be piped; progress, notes and
 * errors go to stderr. Colour only on a terminal, never with `NO_COLOR`.
 */

/** Text styles the CLI uses. */
export type StyleName = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";

/** Styles text, or returns it unchanged when colour is off. */
export type Style = (name: StyleName, text: string) => string;

/** Where a command writes. */
export interface Output {
  /** A line of the command's result, on stdout. */
  print(text: string): void;
  /** The command's result as one JSON document on stdout (see {@link jsonText}). */
  json(value: unknown): void;
  /** One JSON document on one line of stdout: an event of a stream (`dev --json`). */
  jsonLine(value: unknown): void;
  /** A line of progress or a note for a person, on stderr. */
  note(text: string): void;
  /** Styles for stdout. */
  style: Style;
  /** Styles for stderr. */
  noteStyle: Style;
  /** Columns stdout may use: the terminal's width, or `$COLUMNS`; undefined when neither (no cutting). */
  width: number | undefined;
}

const CODES: Record<StyleName, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/**
 * Whether to colour a stream: never with `NO_COLOR` set (https://no-color.org), always with
 * `FORCE_COLOR` set to anything but `0`, otherwise only on a terminal that is not `dumb`.
 * @param stream the stream written to
 * @param env the environment
 */
export function colourFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** A {@link Style} that colours when `on`. @param on whether colour is on */
export function styleFor(on: boolean): Style {
  return on ? (name, text) => `\u001b[${CODES[name][0]}m${text}\u001b[${CODES[name][1]}m` : (_, text) => text;
}

/**
 * JSON text of a value, indented: integers beyond ±2^53 − 1 (bigints) as decimal strings, the
 * others as numbers, so every consumer reads the same digits.
 * @param value what to print
 * @param indent spaces per level (default 2; 0: all on one line)
 */
export function jsonText(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_, v: unknown) =>
      typeof v === "bigint"
        ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v.toString()
        : v,
    indent,
  );
}

/**
 * The process's output. From here on, whatever else writes to stdout (a library logging with
 * `console.info`) is sent to stderr instead, so the result on stdout stays parseable.
 */
export function processOutput(): Output {
  const stdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || undefined;
  return {
    print: (text) => void stdout(`${text}\n`),
    json: (value) => void stdout(`${jsonText(value)}\n`),
    jsonLine: (value) => void stdout(`${jsonText(value, 0)}\n`),
    note: (text) => void process.stderr.write(`${text}\n`),
    style: styleFor(colourFor(process.stdout)),
    noteStyle: styleFor(colourFor(process.stderr)),
    width: columns,
  };
}
