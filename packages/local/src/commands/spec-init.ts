import { createReadStream } from "node:fs";
import { access, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { JsonSplitter, recordChecker } from "@medallion/core/bronze";
import type { DraftedSpec } from "@medallion/core/dataset";
import { draftSpec, validateDatasetSpec } from "@medallion/core/dataset";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";

/** Options of {@link specInit}. */
export interface SpecInitOptions {
  /** The dataset's name: `[a-z][a-z0-9_]*`. */
  name: string;
  /** Sample files and folders (read recursively). */
  from: string[];
  /** Where to write the spec (default `datasets/<name>.ts`); an existing file is never overwritten. */
  out?: string;
  /** Records sampled per file (default 1,000) and in all (default 10,000). */
  perFile?: number;
  total?: number;
  /** The command line, quoted in the file's header. */
  command: string;
}

/** What `spec init` did. */
export interface SpecInitResult {
  /** The written file. */
  path: string;
  drafted: DraftedSpec;
  /** Sampled records, and how many the drafted spec would reject (0, or the draft is wrong). */
  sampled: number;
  rejected: number;
  /** How each file was read: `NDJSON`, `a JSON array`, `documents with their records at features`. */
  shapes: { file: string; shape: string }[];
}

/** A problem with the command's input: the message says which and why (exit code 2). */
export class SpecInitError extends Error {
  override name = "SpecInitError";
}

const PREFIX_CHARS = 256 * 1024;

/**
 * Drafts a dataset spec from sample files (`medallion spec init`): detects each file's shape
 * (NDJSON, a JSON array, or documents keeping an array of records, e.g. GeoJSON's
 * `features`), streams a bounded sample of records, infers the fields, checks that the draft
 * validates and accepts every sampled record, and writes it.
 * @param options see {@link SpecInitOptions}
 * @example await specInit({ name: "quakes", from: ["./samples"], command: "medallion spec init quakes --from ./samples" });
 */
export async function specInit({
  name,
  from,
  out,
  perFile = 1000,
  total = 10_000,
  command,
}: SpecInitOptions): Promise<SpecInitResult> {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new SpecInitError(`spec init: the dataset name must match [a-z][a-z0-9_]* (got "${name}")`);
  if (from.length === 0) throw new SpecInitError("spec init needs --from <file|dir> (sample files of the dataset)");
  const files = (await Promise.all(from.map((path) => filesUnder(resolve(path))))).flat();
  if (files.length === 0) throw new SpecInitError(`spec init: no files under ${from.join(", ")}`);
  const path = resolve(out ?? join("datasets", `${name}.ts`));
  if (await exists(path)) throw new SpecInitError(`spec init: ${path} exists; choose another --out or remove it`);

  const records: string[] = [];
  const shapes: { file: string; shape: string }[] = [];
  const paths = new Set<string>();
  for (const file of files) {
    if (records.length >= total) break;
    const shape = await detectShape(file);
    if (shape.records) paths.add(shape.records);
    if (paths.size > 1)
      throw new SpecInitError(
        `spec init: the files keep their records at different paths (${[...paths].join(", ")}): draft one dataset per shape`,
      );
    const shown = relative(process.cwd(), file);
    shapes.push({ file: shown.startsWith("..") || isAbsolute(shown) ? file : shown, shape: shape.description });
    records.push(...(await sample(file, shape.records, Math.min(perFile, total - records.length))));
  }
  const recordsPath = [...paths][0];
  if (records.length === 0) throw new SpecInitError(`spec init: no record found in ${files.length} file(s)`);
  const drafted = draftSpec({
    name,
    records,
    records_path: recordsPath,
    sources: shapes.map(({ file, shape }) => `${file} (${shape})`),
    command,
  });
  // The draft must stand as it is: valid, and taking every record it was drafted from.
  validateDatasetSpec(drafted.spec, { file: path });
  const check = recordChecker(drafted.spec.fields);
  let rejected = 0;
  for (const [index, text] of records.entries()) {
    const result = check({
      text,
      index,
      line: 1,
      writtenKeys: undefined,
      length: text.length,
      oversized: false,
      tooDeep: false,
    });
    if (!result.ok) rejected++;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, drafted.text, { flag: "wx" });
  return { path, drafted, sampled: records.length, rejected, shapes };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function filesUnder(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new SpecInitError(`spec init: ${path} does not exist`);
  }
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** How a file holds its records. */
interface Shape {
  /** The dot path to the records inside each document, for envelopes. */
  records?: string;
  description: string;
}

// The first characters of a file, decoded (a cut character at the end is dropped).
async function prefixOf(file: string): Promise<string> {
  const stream = createReadStream(file, { start: 0, end: PREFIX_CHARS * 4 - 1, encoding: "utf8" });
  let text = "";
  for await (const chunk of stream) {
    text += chunk as string;
    if (text.length >= PREFIX_CHARS) break;
  }
  stream.destroy();
  return text.replace(/^\uFEFF/, "");
}

/**
 * Reads the start of a file: a top-level array (its elements are the records), or top-level
 * values, one (a document) or several (NDJSON). A value is an envelope when one array of
 * objects, reached through objects only, makes up most of its text: that array holds the
 * records (GeoJSON's `features`, an API's `data.items`); otherwise the values are the records.
 * @param file a sample file
 */
async function detectShape(file: string): Promise<Shape> {
  const text = await prefixOf(file);
  const start = text.search(/\S/);
  if (start === -1) throw new SpecInitError(`spec init: ${file} is empty`);
  if (text[start] === "[") return { description: "a JSON array" };
  const { end, records } = firstValue(text, start);
  const several = end !== -1 && /\S/.test(text.slice(end));
  if (records)
    return { records, description: `${several ? "NDJSON of documents" : "a document"} with its records at ${records}` };
  return { description: several ? "NDJSON" : "one JSON object" };
}

/**
 * Scans the top-level value starting at `start`: where it ends (-1 when past the text), and
 * the path of the array of objects, reached through objects only, that makes up most of its
 * text (an array still open at the cut counts what it holds so far).
 */
function firstValue(text: string, start: number): { end: number; records?: string } {
  const stack: { object: boolean; key?: string; onPath: boolean; objects: number; path: string[]; at: number }[] = [];
  let expectKey = false;
  let best: { path: string; length: number } | undefined;
  const consider = (frame: (typeof stack)[number], to: number) => {
    if (frame.object || !frame.onPath || frame.objects === 0 || frame.path.length === 0) return;
    if (!best || to - frame.at > best.length) best = { path: frame.path.join("."), length: to - frame.at };
  };
  const mostly = (total: number) => (best && best.length * 2 >= total ? best.path : undefined);
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.object && expectKey) {
        try {
          top.key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          break;
        }
        expectKey = false;
      }
      i = j;
      if (stack.length === 0) return { end: i + 1 };
      continue;
    }
    if (c === "{" || c === "[") {
      const parent = stack[stack.length - 1];
      const path = parent?.object && parent.key !== undefined ? [...parent.path, parent.key] : (parent?.path ?? []);
      const onPath = parent === undefined || (parent.onPath && parent.object);
      if (parent && !parent.object && c === "{") parent.objects++;
      stack.push({ object: c === "{", onPath, objects: 0, path, at: i });
      expectKey = c === "{";
      continue;
    }
    if (c === "}" || c === "]") {
      consider(stack.pop()!, i + 1);
      if (stack.length === 0) return { end: i + 1, records: mostly(i + 1 - start) };
      continue;
    }
    if (c === ",") expectKey = stack[stack.length - 1]?.object ?? false;
  }
  for (const frame of stack) consider(frame, text.length);
  return { end: -1, records: mostly(text.length - start) };
}

// Up to `limit` records of a file, as their JSON text, streamed: reading stops once they are taken.
async function sample(file: string, records: string | undefined, limit: number): Promise<string[]> {
  const texts: string[] = [];
  if (limit <= 0) return texts;
  const splitter = new JsonSplitter({
    records: records?.split("."),
    onValue: (value) => {
      if (texts.length < limit && !value.oversized) texts.push(value.text);
    },
  });
  const stream = createReadStream(file);
  try {
    for await (const chunk of stream) {
      splitter.write(chunk as Buffer);
      if (texts.length >= limit) break;
    }
    if (texts.length < limit) splitter.end();
  } catch (error) {
    throw new SpecInitError(`spec init: ${file} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
  return texts;
}

const USAGE_LINE = "Usage: medallion spec init <name> --from <file|dir>… [--out <file.ts>]";

/**
 * `medallion spec init <name> --from <file|dir>… [--out <file.ts>] [--json]`: drafts the spec,
 * prints where it wrote it and what to review; exit code 0, or 2 on a usage error.
 * @param context the arguments after `spec`, whole (the command parses its own)
 */
export async function execute({ positionals: args, json, out }: CommandContext): Promise<number> {
  let parsed: ReturnType<typeof parseSpecArgs>;
  try {
    parsed = parseSpecArgs(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE_LINE}`);
  }
  const [sub, name] = parsed.positionals;
  if (sub !== "init" || !name) throw new UsageError(USAGE_LINE);
  // `--from a b c`: the paths after the first are positionals.
  const from = [...(parsed.values.from ?? []), ...parsed.positionals.slice(2)];
  let result: SpecInitResult;
  try {
    result = await specInit({
      name,
      from,
      out: parsed.values.out,
      command: ["medallion spec", ...args.filter((arg) => arg !== "--json")].join(" "),
    });
  } catch (error) {
    if (error instanceof SpecInitError) throw new UsageError(error.message);
    throw error;
  }
  const shown = relative(process.cwd(), result.path);
  if (json) {
    out.json({
      path: result.path,
      sampled: result.sampled,
      rejected: result.rejected,
      shapes: result.shapes,
      review: result.drafted.review,
      spec: result.drafted.spec,
    });
    return 0;
  }
  out.print(
    [
      `Drafted ${shown}: dataset ${name}, ${result.drafted.spec.fields.length} field(s), from ${result.sampled} record(s) of ${result.shapes.length} file(s); every one of them passes the draft (${result.rejected} rejected).`,
      ...result.shapes.map(({ file, shape }) => `  ${file}: ${shape}`),
      ...(result.drafted.review.length ? ["Review:", ...result.drafted.review.map((line) => `  - ${line}`)] : []),
      "Next:",
      `  - read the comments in ${shown}; uncomment and adjust its silver section`,
      `  - npx biome check --write ${shown}`,
      `  - list it in datasets/index.ts (import ${camel(name)} from "./${name}"), then: npx medallion run --dataset ${name} --landing <folder>`,
    ].join("\n"),
  );
  return 0;
}

function parseSpecArgs(args: string[]) {
  return parseArgs({
    args,
    options: { from: { type: "string", multiple: true }, out: { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
