import { UnparseableFileError } from "./errors";
import { Utf8Decoder } from "./utf8";

/** One top-level JSON value (or element of a top-level array), not yet parsed. */
export interface RawValue {
  /** The value's text; only a preview when `oversized` is set. */
  text: string;
  /** 0-based position of the value in the file. */
  index: number;
  /** 1-based line the value starts on. */
  line: number;
  /**
   * The keys the value's text writes (its `:` outside strings), duplicates included, counted
   * as the value was scanned; undefined when it took the NDJSON fast path unscanned. See
   * `duplicate-key.ts`.
   */
  writtenKeys: number | undefined;
  /** Length in characters (the whole value, even when `text` is a preview). */
  length: number;
  /** Longer than `maxValueChars`: its text was not kept. */
  oversized: boolean;
  /** Nested deeper than `maxDepth` (only known when the value was scanned; see `parsed`). */
  tooDeep: boolean;
  /** The parsed value, when the splitter already parsed it (NDJSON fast path). */
  parsed?: unknown;
}

/** Options of {@link JsonSplitter}. */
export interface JsonSplitterOptions {
  /** Called for each value, in file order. */
  onValue: (value: RawValue) => void;
  /** Values longer than this many characters are flagged `oversized` and not buffered. */
  maxValueChars?: number;
  /** Values nested deeper than this are flagged `tooDeep`. */
  maxDepth?: number;
  /** Characters of an oversized value kept as its preview. */
  previewChars?: number;
  /**
   * Offered each NDJSON line `text[start, end)` before it is parsed, with the value's index
   * and its line number; returning true claims it (read by a faster reader) and no `onValue`
   * follows for it.
   */
  claimLine?: (text: string, start: number, end: number, index: number, line: number) => boolean;
  /**
   * Where each top-level value keeps its records: the keys to an array (`["features"]`,
   * `["data", "items"]`). Each top-level value (the document, or each NDJSON line) must be an
   * object; the elements of that array are the values, and the rest of it is skipped unread.
   */
  records?: readonly string[];
}

enum Mode {
  Start,
  Stream,
  Array,
  AfterArray,
  /** Inside a top-level object, outside its records (see `records`). */
  Envelope,
}

/** Where the walk of an envelope is. */
enum Walk {
  /** A key's opening quote, or the object's end. */
  Key,
  /** Inside a key's quotes. */
  KeyText,
  Colon,
  Value,
  /** After a member: `,` or the object's end. */
  Next,
  /** Inside a value that is not on the way to the records. */
  Skip,
}
enum Expect {
  FirstOrEnd,
  Value,
  CommaOrEnd,
}

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

/**
 * Splits a stream of UTF-8 bytes holding one JSON value, a JSON array, NDJSON or
 * whitespace-separated values into top-level values (the elements, for an array), with
 * memory bounded by the largest kept value. The scan tracks only strings, escapes, depth
 * and the keys written; JSON.parse checks each value's syntax later. NDJSON lines that JSON.parse
 * accepts whole skip the scan and arrive already parsed (`parsed`). Structural damage
 * (not UTF-8, unclosed value or array, stray separators, nothing at all) throws
 * {@link UnparseableFileError}.
 * @example
 * const splitter = new JsonSplitter({ onValue: (v) => rows.push(JSON.parse(v.text)) });
 * for await (const chunk of body) splitter.write(chunk);
 * splitter.end();
 */
export class JsonSplitter {
  private readonly decoder = new Utf8Decoder();
  private readonly onValue: (value: RawValue) => void;
  private readonly maxValueChars: number;
  private readonly maxDepth: number;
  private readonly previewChars: number;
  private readonly claimLine: JsonSplitterOptions["claimLine"];
  private readonly records: readonly string[] | undefined;
  // The envelope's walk: objects entered on the way to the records, and the state of the member.
  private walk = Walk.Key;
  private level = 0;
  private key = "";
  private keyEscaped = false;
  private skipDepth = 0;
  private skipInString = false;
  private skipEscaped = false;
  private skipBare = false;
  // The array of records being read is an envelope's, not the file's.
  private nested = false;

  private buf = "";
  private mode = Mode.Start;
  private expect = Expect.FirstOrEnd;
  private line = 1;
  private index = 0;
  // The value being scanned.
  private inValue = false;
  private inString = false;
  private escaped = false;
  private bare = false; // a number / true / false / null token
  private depth = 0;
  private valueStart = 0;
  private valueLine = 0;
  private colons = 0; // `:` outside strings: the keys written (see duplicate-key.ts)
  private tooDeep = false;
  private dropped = 0; // characters of an oversized value already discarded
  private preview = "";

  constructor({
    onValue,
    maxValueChars = 1024 * 1024,
    maxDepth = 32,
    previewChars = 1024,
    claimLine,
    records,
  }: JsonSplitterOptions) {
    this.onValue = onValue;
    this.records = records?.length ? records : undefined;
    // An NDJSON line is an envelope, not a record: no line is claimed or parsed whole.
    this.claimLine = this.records ? undefined : claimLine;
    this.maxValueChars = maxValueChars;
    this.maxDepth = maxDepth;
    this.previewChars = previewChars;
  }

  /** Feeds the next chunk of bytes. */
  write(chunk: Uint8Array): void {
    const text = this.decoder.decode(chunk);
    if (text) this.scan(text);
  }

  /** Signals the end of the input; throws when the input was empty or is cut short. */
  end(): void {
    this.decoder.end();
    if (this.inValue) {
      // In a stream of values (NDJSON) that already gave records, a last value cut short is a
      // bad record (quarantined with its line), not a bad file: the records before it stand.
      if (this.mode === Mode.Stream && (this.bare || this.index > 0)) {
        this.valueStart = 0;
        this.emit("", 0, this.line);
      } else {
        throw new UnparseableFileError(
          `unexpected end of file: the value starting on line ${this.valueLine} is never closed (truncated or unbalanced JSON)`,
          { line: this.valueLine },
        );
      }
    }
    if (this.mode === Mode.Start) throw new UnparseableFileError("empty file", { line: this.line });
    if (this.mode === Mode.Array)
      throw new UnparseableFileError(
        `unexpected end of file: the ${this.nested ? `array ${this.records!.join(".")}` : "top-level array"} is never closed`,
        { line: this.line },
      );
    if (this.mode === Mode.Envelope)
      throw new UnparseableFileError("unexpected end of file: the top-level object is never closed", {
        line: this.line,
      });
  }

  private scan(text: string): void {
    // Scanning a concatenation (a V8 cons string) is several times slower than a flat
    // string, so only `text` is scanned; a value's earlier part waits in `this.buf`.
    const buf = text;
    const n = buf.length;
    const maxDepth = this.maxDepth;
    // Hot state lives in locals for the scan and is written back at the end.
    let inValue = this.inValue;
    let inString = this.inString;
    let bare = this.bare;
    let depth = this.depth;
    let colons = this.colons;
    let line = this.line;
    let i = 0;
    this.valueStart = 0;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    while (i < n) {
      if (inValue) {
        if (inString) {
          while (i < n) {
            const c = buf.charCodeAt(i++);
            if (c === QUOTE) {
              inString = false;
              break;
            }
            if (c === BACKSLASH) {
              if (i === n) this.escaped = true; // the escaped character starts the next chunk
              i++;
            }
          }
          if (!inString && depth === 0) {
            this.colons = colons;
            this.emit(buf, i, line); // a top-level string
            inValue = false;
          }
          continue;
        }
        const c = buf.charCodeAt(i);
        if (bare) {
          if (
            c === 32 ||
            c === 9 ||
            c === 13 ||
            c === NEWLINE ||
            c === 44 ||
            c === 93 ||
            c === 125 ||
            c === 91 ||
            c === 123 ||
            c === QUOTE
          ) {
            this.colons = colons;
            this.emit(buf, i, line); // the delimiter is handled between values
            inValue = false;
            bare = false;
            continue;
          }
          i++;
          continue;
        }
        i++;
        if (c === QUOTE) inString = true;
        else if (c === 123 || c === 91) {
          if (++depth > maxDepth) this.tooDeep = true;
        } else if (c === 125 || c === 93) {
          if (--depth === 0) {
            this.colons = colons;
            this.emit(buf, i, line);
            inValue = false;
          }
        } else if (c === 58) colons++;
        else if (c === NEWLINE) line++;
        continue;
      }
      if (this.mode === Mode.Envelope) {
        this.line = line;
        i = this.walkEnvelope(buf, i);
        line = this.line;
        continue;
      }
      const c = buf.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      if (c === NEWLINE) {
        line++;
        i++;
        continue;
      }
      if (this.records && (this.mode === Mode.Start || this.mode === Mode.Stream)) {
        if (c !== 123)
          throw this.unexpected(c, line, `at the top level (expected an object holding ${this.records.join(".")})`);
        this.mode = Mode.Envelope;
        this.level = 1;
        this.walk = Walk.Key;
        i++;
        continue;
      }
      switch (this.mode) {
        case Mode.Start:
          if (c === 91) {
            this.mode = Mode.Array;
            this.expect = Expect.FirstOrEnd;
            i++;
            continue;
          }
          this.mode = Mode.Stream;
          if (c === 123) {
            const end = this.wholeLine(buf, i, line);
            if (end !== -1) {
              i = end;
              continue;
            }
          }
          break;
        case Mode.Stream:
          if (c === 44 || c === 93 || c === 125) throw this.unexpected(c, line, "between top-level values");
          if (c === 123) {
            const end = this.wholeLine(buf, i, line);
            if (end !== -1) {
              i = end;
              continue;
            }
          }
          break;
        case Mode.Array:
          if (c === 93 && this.expect !== Expect.Value) {
            // An envelope's records end: its walk goes on after the array.
            this.mode = this.nested ? Mode.Envelope : Mode.AfterArray;
            this.walk = Walk.Next;
            this.nested = false;
            i++;
            continue;
          }
          if (c === 44 && this.expect === Expect.CommaOrEnd) {
            this.expect = Expect.Value;
            i++;
            continue;
          }
          if (this.expect === Expect.CommaOrEnd)
            throw this.unexpected(c, line, "in the top-level array (expected ',' or ']')");
          if (c === 44 || c === 93 || c === 125)
            throw this.unexpected(c, line, "in the top-level array (expected a value)");
          this.expect = Expect.CommaOrEnd;
          break;
        case Mode.AfterArray:
          throw this.unexpected(c, line, "after the top-level array");
      }
      // A value starts here.
      inValue = true;
      this.valueStart = i;
      this.valueLine = line;
      this.tooDeep = false;
      this.dropped = 0;
      colons = 0;
      inString = c === QUOTE;
      bare = c !== QUOTE && c !== 123 && c !== 91;
      depth = c === 123 || c === 91 ? 1 : 0;
      if (!bare) i++;
    }
    this.inValue = inValue;
    this.inString = inString;
    this.bare = bare;
    this.depth = depth;
    this.colons = colons;
    this.line = line;
    if (inValue) {
      const rest = buf.slice(this.valueStart);
      this.buf = this.buf ? this.buf + rest : rest;
    }
    this.trimOversized();
  }

  // Walks an envelope from `i` until its records start, it ends, or the text does; returns
  // where it stopped. Only the objects on the way to the records are entered; every other
  // value is skipped by its brackets and strings, without being kept.
  private walkEnvelope(buf: string, i: number): number {
    const path = this.records!;
    const n = buf.length;
    while (i < n) {
      const c = buf.charCodeAt(i);
      switch (this.walk) {
        case Walk.Skip: {
          if (this.skipInString) {
            i++;
            if (this.skipEscaped) this.skipEscaped = false;
            else if (c === BACKSLASH) this.skipEscaped = true;
            else if (c === QUOTE) {
              this.skipInString = false;
              if (this.skipDepth === 0) this.walk = Walk.Next;
            }
            continue;
          }
          if (this.skipBare) {
            if (c === 44 || c === 125 || c === 93 || isSpace(c) || c === NEWLINE) {
              this.skipBare = false;
              this.walk = Walk.Next;
              continue;
            }
            i++;
            continue;
          }
          i++;
          if (c === QUOTE) this.skipInString = true;
          else if (c === 123 || c === 91) this.skipDepth++;
          else if (c === 125 || c === 93) {
            if (--this.skipDepth === 0) this.walk = Walk.Next;
          } else if (c === NEWLINE) this.line++;
          continue;
        }
        case Walk.KeyText:
          i++;
          if (this.keyEscaped) this.keyEscaped = false;
          else if (c === BACKSLASH) this.keyEscaped = true;
          else if (c === QUOTE) {
            this.walk = Walk.Colon;
            continue;
          }
          this.key += buf[i - 1];
          continue;
      }
      if (isSpace(c) || c === NEWLINE) {
        if (c === NEWLINE) this.line++;
        i++;
        continue;
      }
      switch (this.walk) {
        case Walk.Key:
          if (c === 125) {
            i++;
            this.closeObject();
            if (this.mode !== Mode.Envelope) return i;
            continue;
          }
          if (c !== QUOTE) throw this.unexpected(c, this.line, "in an object (expected a key)");
          this.key = "";
          this.walk = Walk.KeyText;
          i++;
          continue;
        case Walk.Colon:
          if (c !== 58) throw this.unexpected(c, this.line, "after a key (expected ':')");
          this.walk = Walk.Value;
          i++;
          continue;
        case Walk.Next:
          if (c === 44) {
            this.walk = Walk.Key;
            i++;
            continue;
          }
          if (c !== 125) throw this.unexpected(c, this.line, "in an object (expected ',' or '}')");
          i++;
          this.closeObject();
          if (this.mode !== Mode.Envelope) return i;
          continue;
        case Walk.Value: {
          const key = this.key.includes("\\") ? (JSON.parse(`"${this.key}"`) as string) : this.key;
          const onPath = key === path[this.level - 1];
          if (onPath && this.level < path.length && c === 123) {
            this.level++;
            this.walk = Walk.Key;
            i++;
            continue;
          }
          if (onPath && this.level === path.length) {
            if (c === 91) {
              // The records: read as a top-level array's elements are.
              this.mode = Mode.Array;
              this.expect = Expect.FirstOrEnd;
              this.nested = true;
              return i + 1;
            }
            if (c !== 110 /* null: no records */)
              throw new UnparseableFileError(`${path.join(".")} is not an array (line ${this.line})`, {
                line: this.line,
              });
          }
          this.walk = Walk.Skip;
          this.skipDepth = 0;
          this.skipInString = false;
          this.skipBare = false;
          if (c === QUOTE) this.skipInString = true;
          else if (c === 123 || c === 91) this.skipDepth = 1;
          else this.skipBare = true;
          i++;
          continue;
        }
      }
    }
    return i;
  }

  // An object of the envelope ends: the walk goes on in its parent, or the envelope is done.
  private closeObject(): void {
    this.level--;
    if (this.level > 0) {
      this.walk = Walk.Next;
      return;
    }
    this.mode = Mode.Stream;
  }

  // NDJSON fast path: when the rest of the line from `start` parses as one object, emit it
  // without a character scan (JSON.parse accepts exactly one value, so the line is one
  // record). Returns where the line's text ends, or -1 to fall back to the scan.
  private wholeLine(buf: string, start: number, line: number): number {
    const newline = buf.indexOf("\n", start);
    if (newline === -1 || newline - start > this.maxValueChars) return -1;
    let end = newline;
    while (end > start && isSpace(buf.charCodeAt(end - 1))) end--;
    if (buf.charCodeAt(end - 1) !== 125) return -1;
    if (this.claimLine?.(buf, start, end, this.index, line)) {
      this.index++;
      return end;
    }
    const text = buf.slice(start, end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return -1;
    }
    this.onValue({
      text,
      parsed,
      index: this.index++,
      line,
      writtenKeys: undefined,
      length: text.length,
      oversized: false,
      tooDeep: false,
    });
    return end;
  }

  private emit(buf: string, end: number, line: number): void {
    const head = this.buf; // the part of the value read in earlier chunks
    const length = this.dropped + head.length + end - this.valueStart;
    const oversized = length > this.maxValueChars;
    let text: string;
    if (this.dropped > 0) text = this.preview;
    else if (oversized)
      text = (head + buf.slice(this.valueStart, this.valueStart + this.previewChars)).slice(0, this.previewChars);
    else text = head ? head + buf.slice(this.valueStart, end) : buf.slice(this.valueStart, end);
    this.buf = "";
    this.inValue = false;
    this.bare = false;
    this.dropped = 0;
    this.line = line;
    this.onValue({
      text,
      index: this.index++,
      line: this.valueLine,
      writtenKeys: this.colons,
      length,
      oversized,
      tooDeep: this.tooDeep,
    });
  }

  private trimOversized(): void {
    if (!this.inValue || this.buf.length <= this.maxValueChars) return;
    if (this.dropped === 0) this.preview = this.buf.slice(0, this.previewChars);
    this.dropped += this.buf.length;
    this.buf = "";
  }

  private unexpected(c: number, line: number, where: string): UnparseableFileError {
    return new UnparseableFileError(`unexpected ${JSON.stringify(String.fromCharCode(c))} on line ${line} ${where}`, {
      line,
    });
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}
