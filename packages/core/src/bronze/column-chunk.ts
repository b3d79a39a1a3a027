import type { ColumnChunk, CompressionCodec, Encoding, OffsetIndex, SchemaElement, Statistics } from "hyparquet";
import type { fileWriter } from "hyparquet-writer";
import { ByteWriter } from "hyparquet-writer/src/bytewriter.js";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { deltaBinaryPack } from "hyparquet-writer/src/delta.js";

// The column writer of bronze files. It writes, byte for byte, what hyparquet-writer's
// `writeColumn` writes for the same values (its dictionary decision, page boundaries, data
// page v2 layout, statistics), but reads the typed arrays bronze packs its columns into
// (`packed-column.ts`) instead of a JS value per row: a text column packed with its
// dictionary and codes keeps them, where the writer would rebuild that dictionary with a Map.

/** The file a column chunk is appended to. */
export type ParquetOut = ReturnType<typeof fileWriter>;

/**
 * One leaf column's values in a row group, one slot per value the Dremel levels describe (a
 * row, or an item of a list), with absent slots marked as each form says.
 */
export type LeafValues =
  /** Text, each slot the index of its string in `dictionary` (distinct strings; -1 when absent). */
  | { kind: "coded"; dictionary: string[]; codes: Int32Array }
  /** Text, concatenated in slot order, each slot's length in UTF-16 units (-1 when absent). */
  | { kind: "joined"; joined: string; lengths: Int32Array }
  /** Doubles; NaN marks an absent slot. */
  | { kind: "double"; values: Float64Array }
  /** 64-bit integers; `present[i]` is 0 where slot i is absent. */
  | { kind: "int64"; values: BigInt64Array; present: Uint8Array }
  /** Booleans as 1/0; -1 marks an absent slot. */
  | { kind: "boolean"; values: Int8Array }
  /** 32-bit integers, every slot present. */
  | { kind: "int32"; values: Int32Array };

/** One leaf column of a row group, as {@link writeColumnChunk} takes it. */
export interface Leaf {
  /** The leaf's schema path, root first. */
  schemaPath: SchemaElement[];
  values: LeafValues;
  /** One per slot; absent when the leaf and everything above it is REQUIRED. */
  definitionLevels?: ArrayLike<number>;
  /** One per slot; absent outside lists. */
  repetitionLevels?: ArrayLike<number>;
  maxDefinitionLevel: number;
  maxRepetitionLevel: number;
  /** An encoding to write with instead of choosing (PLAIN or DELTA_BINARY_PACKED). */
  encoding?: Encoding;
}

/** How column chunks are written: hyparquet-writer's options, as bronze sets them. */
export interface ChunkOptions {
  codec: CompressionCodec;
  /** A page's bytes are appended before the next page is compressed: a compressor may reuse its output. */
  compressors: Partial<Record<CompressionCodec, (input: Uint8Array) => Uint8Array>>;
  /** Min/max/null count in the chunk's metadata. */
  statistics: boolean;
  /** Bytes of (estimated) values after which a new page starts. */
  pageSize: number;
}

/** A written column chunk and its offset index (set when it took more than one page). */
export interface WrittenChunk {
  chunk: ColumnChunk;
  offsetIndex?: OffsetIndex;
}

// A Parquet dictionary, in the order of the values' first appearance, and each slot's index
// in it (-1 when absent).
interface Dictionary {
  size: number;
  indexes: Int32Array;
  // Writes the dictionary's values PLAIN.
  write(out: Scratch): void;
}

// A leaf's values written PLAIN: each present slot's (estimated) bytes, for page boundaries,
// and the writer of the present values of slots [start, end).
interface PlainValues {
  /** At least the sum of `bytesAt` over the chunk. */
  maxBytes: number;
  bytesAt(slot: number): number;
  write(out: Scratch, start: number, end: number): void;
}

/**
 * Appends one leaf column chunk to `out`: the dictionary page if one pays, then data pages
 * v2 of at most about `pageSize` bytes of values, as hyparquet-writer's `writeColumn` does.
 * @param out the file
 * @param leaf the leaf's values and levels
 * @param options codec, compressors, statistics and page size
 * @returns the chunk's metadata, and its offset index when it took more than one page
 */
export function writeColumnChunk(out: ParquetOut, leaf: Leaf, options: ChunkOptions): WrittenChunk {
  const element = leaf.schemaPath.at(-1)!;
  const type = element.type!;
  const slots = slotCount(leaf.values);
  const offsetStart = out.offset;
  const values = leaf.values;
  const statistics = options.statistics ? statisticsOf(values, type) : undefined;
  let dictionary: Dictionary | undefined;
  if (leaf.encoding === undefined && type !== "BOOLEAN") {
    if (sampleAccepts(values)) dictionary = buildDictionary(values, leaf.maxDefinitionLevel === 0);
  }
  const encodings: Encoding[] = [];
  let uncompressedSize = 0;
  let dictionaryPageOffset: bigint | undefined;
  let encoding: Encoding;
  let plain: PlainValues | undefined;
  if (dictionary) {
    dictionaryPageOffset = BigInt(out.offset);
    const bytes = scratch(0);
    dictionary.write(bytes);
    uncompressedSize += writePage(out, options, bytes.view(), undefined, (compressed) => ({
      type: "DICTIONARY_PAGE",
      uncompressed_page_size: bytes.length,
      compressed_page_size: compressed,
      dictionary_page_header: { num_values: dictionary!.size, encoding: "PLAIN" },
    }));
    encodings.push("PLAIN");
    encoding = "RLE_DICTIONARY";
  } else {
    encoding = leaf.encoding ?? (type === "BOOLEAN" && slots > 16 ? "RLE" : "PLAIN");
    plain = plainValues(values);
  }
  encodings.push(encoding);

  const indexes = dictionary?.indexes;
  const pages =
    (indexes ? 4 * slots : plain!.maxBytes) < options.pageSize
      ? slots === 0
        ? [] // no slot, no page
        : [0, slots]
      : pageBoundaries(slots, indexes ? (i) => (indexes[i]! < 0 ? 0 : 4) : plain!.bytesAt, leaf, options);
  const offsetIndex: OffsetIndex | undefined = pages.length > 2 ? { page_locations: [] } : undefined;
  const dataPageOffset = BigInt(out.offset);
  let firstRowIndex = 0n;
  let previousStart = 0;
  for (let p = 0; p + 1 < pages.length; p++) {
    const start = pages[p]!;
    const end = pages[p + 1]!;
    const pageOffset = out.offset;
    uncompressedSize += writeDataPage(out, options, leaf, encoding, start, end, (page) => {
      if (indexes) writeDictionaryIndexes(page, indexes, start, end);
      else if (encoding === "DELTA_BINARY_PACKED") writeDelta(page, values, start, end);
      else if (encoding === "RLE") writeBooleanRuns(page, values, start, end);
      else plain!.write(page, start, end);
    });
    if (offsetIndex) {
      const repetition = leaf.repetitionLevels;
      if (repetition) {
        for (let i = previousStart + 1; i <= start; i++) if (repetition[i] === 0) firstRowIndex++;
      } else firstRowIndex = BigInt(start);
      offsetIndex.page_locations.push({
        offset: BigInt(pageOffset),
        compressed_page_size: out.offset - pageOffset,
        first_row_index: firstRowIndex,
      });
    }
    previousStart = start;
  }

  return {
    chunk: {
      meta_data: {
        type,
        encodings,
        path_in_schema: leaf.schemaPath.slice(1).map((node) => node.name),
        codec: options.codec,
        num_values: BigInt(slots),
        total_compressed_size: BigInt(out.offset - offsetStart),
        total_uncompressed_size: BigInt(uncompressedSize),
        data_page_offset: dataPageOffset,
        dictionary_page_offset: dictionaryPageOffset,
        statistics,
        encoding_stats: statistics && [
          ...(dictionary ? [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }] : []),
          { page_type: "DATA_PAGE_V2", encoding, count: Math.max(0, pages.length - 1) },
        ],
      },
      file_offset: BigInt(offsetStart),
    },
    offsetIndex,
  };
}

/**
 * The definition levels of a leaf whose every level is OPTIONAL and unrepeated: each slot's
 * level above the leaf (0 at the top), plus one where the slot has a value.
 * @param values the leaf's values
 * @param above the levels of the structs above it, when it is a struct's field
 */
export function presentLevels(values: LeafValues, above?: Uint8Array): Uint8Array {
  const levels = presentFlags(values);
  if (above) for (let i = 0; i < levels.length; i++) levels[i] = levels[i]! + above[i]!;
  return levels;
}

// 1 where a slot has a value, 0 where it is absent; one loop per form, as each reads its own array type.
function presentFlags(values: LeafValues): Uint8Array {
  const flags = new Uint8Array(slotCount(values));
  switch (values.kind) {
    case "coded":
      for (let i = 0, codes = values.codes; i < flags.length; i++) flags[i] = codes[i]! < 0 ? 0 : 1;
      break;
    case "joined":
      for (let i = 0, lengths = values.lengths; i < flags.length; i++) flags[i] = lengths[i]! < 0 ? 0 : 1;
      break;
    case "double":
      for (let i = 0, doubles = values.values; i < flags.length; i++) flags[i] = Number.isNaN(doubles[i]!) ? 0 : 1;
      break;
    case "boolean":
      for (let i = 0, booleans = values.values; i < flags.length; i++) flags[i] = booleans[i]! < 0 ? 0 : 1;
      break;
    case "int64":
      flags.set(values.present);
      break;
    case "int32":
      flags.fill(1);
  }
  return flags;
}

function slotCount(values: LeafValues): number {
  return values.kind === "coded"
    ? values.codes.length
    : values.kind === "joined"
      ? values.lengths.length
      : values.values.length;
}

// Whether slot i holds no value.
function absentAt(values: LeafValues, i: number): boolean {
  switch (values.kind) {
    case "coded":
      return values.codes[i]! < 0;
    case "joined":
      return values.lengths[i]! < 0;
    case "double":
      return Number.isNaN(values.values[i]!);
    case "int64":
      return values.present[i] === 0;
    case "boolean":
      return values.values[i]! < 0;
    case "int32":
      return false;
  }
}

// Each slot's start in a joined text (in UTF-16 units), and the end as the last entry.
function charOffsets(lengths: Int32Array): Int32Array {
  const starts = new Int32Array(lengths.length + 1);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    starts[i] = offset;
    const length = lengths[i]!;
    if (length > 0) offset += length;
  }
  starts[lengths.length] = offset;
  return starts;
}

// The value of slot i as hyparquet-writer would get it (null when absent); for the sample
// and the statistics, which read few slots or only when asked.
function valueAt(values: LeafValues, i: number, starts?: Int32Array): string | number | bigint | boolean | null {
  if (absentAt(values, i)) return null;
  switch (values.kind) {
    case "coded":
      return values.dictionary[values.codes[i]!]!;
    case "joined":
      return values.joined.slice(starts![i], starts![i]! + values.lengths[i]!);
    case "boolean":
      return values.values[i] === 1;
    default:
      return values.values[i]!;
  }
}

// hyparquet-writer's estimate of a value's bytes: a string's UTF-16 length, a number's width.
function estimatedSize(value: string | number | bigint | boolean | null): number {
  if (value === null) return 0;
  return typeof value === "string" ? value.length : 8;
}

// hyparquet-writer's sample: up to 1000 slots spread over the chunk, weighted by their bytes
// (a BYTE_ARRAY value has a 4-byte length); it turns away chunks whose sampled distinct
// values are over 90% of the sampled bytes.
function sampleAccepts(values: LeafValues): boolean {
  const slots = slotCount(values);
  const starts = values.kind === "joined" ? charOffsets(values.lengths) : undefined;
  const text = values.kind === "coded" || values.kind === "joined";
  const sampleSize = Math.min(slots, 1000);
  let distinctBytes = 0;
  let totalBytes = 0;
  const slotOf = (i: number) => (sampleSize === 1 ? 0 : Math.floor((i * (slots - 1)) / (sampleSize - 1)));
  if (values.kind === "coded") {
    // Keyed by code, as the dictionary's strings are distinct; absent (-1) at 0.
    const { dictionary, codes } = values;
    const seen = new Uint8Array(dictionary.length + 1);
    for (let i = 0; i < sampleSize; i++) {
      const code = codes[slotOf(i)]!;
      const size = code < 0 ? 0 : dictionary[code]!.length + 4;
      if (seen[code + 1] === 0) {
        seen[code + 1] = 1;
        distinctBytes += size;
      }
      totalBytes += size;
    }
    return totalBytes !== 0 && distinctBytes / totalBytes <= 0.9;
  }
  const seen = new Set<unknown>();
  for (let i = 0; i < sampleSize; i++) {
    const value = valueAt(values, slotOf(i), starts);
    const size = estimatedSize(value) + (value !== null && text ? 4 : 0);
    if (!seen.has(value)) {
      seen.add(value);
      distinctBytes += size;
    }
    totalBytes += size;
  }
  return totalBytes !== 0 && distinctBytes / totalBytes <= 0.9;
}

// Joined text coded: its distinct strings in order of appearance, and each slot's index;
// undefined as soon as their dictionary cannot pay (see dictionaryFails).
function codeJoined({ joined, lengths }: { joined: string; lengths: Int32Array }): LeafValues | undefined {
  let present = 0;
  let totalBytes = 0;
  for (let i = 0; i < lengths.length; i++) {
    if (lengths[i]! < 0) continue;
    present++;
    totalBytes += lengths[i]! + 4;
  }
  const codes = new Int32Array(lengths.length);
  const dictionary: string[] = [];
  const ids = new Map<string, number>();
  let distinctBytes = 0;
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) {
      codes[i] = -1;
      continue;
    }
    const value = joined.slice(offset, offset + length);
    offset += length;
    let id = ids.get(value);
    if (id === undefined) {
      id = dictionary.length;
      dictionary.push(value);
      ids.set(value, id);
      distinctBytes += length + 4;
      if (dictionaryFails(dictionary.length, distinctBytes, present, totalBytes)) return undefined;
    }
    codes[i] = id;
  }
  return { kind: "coded", dictionary, codes };
}

// hyparquet-writer keeps a dictionary when its values and the bit-packed indexes of the
// `present` slots take at most half the bytes of those slots written plain. A new distinct
// value only adds to the dictionary's side, so a dictionary that fails part-way fails whole:
// coding can stop there.
function dictionaryFails(size: number, distinctBytes: number, present: number, totalBytes: number): boolean {
  const bitWidth = Math.ceil(Math.log2(size));
  const indexBytes = Math.ceil((present * bitWidth) / 8);
  return 2 * (distinctBytes + indexBytes) > totalBytes;
}

// hyparquet-writer's dictionary, kept when it and its bit-packed indexes take at most half the
// bytes of the values written plain; undefined otherwise.
function buildDictionary(values: LeafValues, required: boolean): Dictionary | undefined {
  const slots = slotCount(values);
  const indexes = new Int32Array(slots);
  let size = 0;
  let distinctBytes = 0;
  let totalBytes = 0;
  let present = 0;
  let write: (out: Scratch) => void;
  if (values.kind === "joined") {
    const coded = codeJoined(values);
    if (!coded) return undefined;
    values = coded;
  }
  if (values.kind === "coded") {
    // The codes renumbered in order of appearance, skipping dictionary entries no slot uses.
    const { dictionary, codes } = values;
    const index = new Int32Array(dictionary.length).fill(-1);
    const used: string[] = [];
    for (let i = 0; i < slots; i++) {
      const code = codes[i]!;
      if (code < 0) {
        if (required) throw new Error("parquet required value is undefined");
        indexes[i] = -1;
        continue;
      }
      present++;
      const length = dictionary[code]!.length;
      totalBytes += length;
      let id = index[code]!;
      if (id < 0) {
        id = index[code] = used.length;
        used.push(dictionary[code]!);
        distinctBytes += length;
      }
      indexes[i] = id;
    }
    size = used.length;
    distinctBytes += 4 * size;
    totalBytes += 4 * present;
    write = (out) => writeStrings(out, used);
  } else if (values.kind === "double") {
    const doubles = values.values;
    for (let i = 0; i < slots; i++) if (!Number.isNaN(doubles[i]!)) present++;
    if (required && present < slots) throw new Error("parquet required value is undefined");
    const used = codeDoubles(doubles, indexes, present);
    if (!used) return undefined;
    size = used.length;
    distinctBytes = 8 * size;
    totalBytes = 8 * present;
    write = (out) => out.bytes(new Uint8Array(used.buffer, used.byteOffset, used.byteLength));
  } else if (values.kind === "int64") {
    // Keyed as hyparquet-writer keys them, in a Map, the first of each kept.
    const { values: numbers, present: flags } = values;
    const ids = new Map<bigint, number>();
    const used: bigint[] = [];
    for (let i = 0; i < slots; i++) {
      if (flags[i] === 0) {
        if (required) throw new Error("parquet required value is undefined");
        indexes[i] = -1;
        continue;
      }
      present++;
      const value = numbers[i]!;
      let id = ids.get(value);
      if (id === undefined) {
        id = used.length;
        used.push(value);
        ids.set(value, id);
      }
      indexes[i] = id;
    }
    size = used.length;
    distinctBytes = 8 * size;
    totalBytes = 8 * present;
    write = (out) => out.bytes(new Uint8Array(BigInt64Array.from(used).buffer));
  } else return undefined;
  if (dictionaryFails(size, distinctBytes, present, totalBytes)) return undefined;
  return { size, indexes, write };
}

// The open-addressing table of codeDoubles, reused chunk after chunk, and a view of a double's bits.
let doubleTable = new Int32Array(1 << 10);
const doubleBits = new Float64Array(1);
const doubleWords = new Int32Array(doubleBits.buffer);

/**
 * Sets each slot's index among the distinct doubles, in order of appearance (-1 where
 * absent), and returns them; undefined as soon as their dictionary cannot pay (see
 * dictionaryFails), `present` being the number of slots with a value. Doubles are keyed as a Map keys them (SameValueZero: 0 and -0
 * alike, the first one kept), in a table hashed on their bits: a Map of numbers was most of
 * the time of a repetitive double column.
 */
function codeDoubles(doubles: Float64Array, indexes: Int32Array, present: number): Float64Array | undefined {
  const slots = doubles.length;
  let bits = 4;
  while (1 << bits < 2 * slots) bits++;
  if (doubleTable.length < 1 << bits) doubleTable = new Int32Array(1 << bits);
  const table = doubleTable;
  table.fill(-1, 0, 1 << bits);
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  const used = new Float64Array(slots);
  let size = 0;
  for (let i = 0; i < slots; i++) {
    const value = doubles[i]!;
    if (Number.isNaN(value)) {
      indexes[i] = -1;
      continue;
    }
    doubleBits[0] = value === 0 ? 0 : value; // -0 hashes as 0
    let hash = Math.imul(doubleWords[0]! ^ Math.imul(doubleWords[1]!, 0x9e3779b1), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> shift;
    for (;;) {
      const id = table[hash]!;
      if (id < 0) {
        table[hash] = size;
        used[size] = value;
        indexes[i] = size++;
        if (dictionaryFails(size, 8 * size, present, 8 * present)) return undefined;
        break;
      }
      if (used[id] === value) {
        indexes[i] = id;
        break;
      }
      hash = (hash + 1) & mask;
    }
  }
  return used.subarray(0, size);
}

// Strings PLAIN: each one's UTF-8 length (4 bytes) and bytes.
function writeStrings(out: Scratch, strings: string[]): void {
  for (const value of strings) {
    out.reserve(4 + 3 * value.length);
    const length = out.utf8(value, out.length + 4);
    out.u32(length);
    out.length += length;
  }
}

// The values PLAIN, with each slot's bytes for the page boundaries.
function plainValues(values: LeafValues): PlainValues {
  switch (values.kind) {
    case "coded": {
      // Each distinct string encoded once.
      const encoded = values.dictionary.map((value) => Buffer.from(value, "utf8"));
      const { codes } = values;
      return {
        maxBytes: codes.length * encoded.reduce((max, bytes) => Math.max(max, bytes.length), 0),
        bytesAt: (i) => (codes[i]! < 0 ? 0 : encoded[codes[i]!]!.length),
        write(out, start, end) {
          for (let i = start; i < end; i++) {
            const code = codes[i]!;
            if (code < 0) continue;
            const bytes = encoded[code]!;
            out.reserve(4 + bytes.length);
            out.u32(bytes.length);
            out.bytes(bytes);
          }
        },
      };
    }
    case "joined": {
      // The whole chunk encoded at once, each slot's bytes a range of it.
      const { joined, lengths } = values;
      const bytes = Buffer.from(joined, "utf8");
      const ascii = bytes.length === joined.length; // then a value's bytes are its UTF-16 units
      const byteLengths = ascii ? lengths : new Int32Array(lengths.length);
      if (!ascii) {
        let offset = 0;
        for (let i = 0; i < lengths.length; i++) {
          const length = lengths[i]!;
          byteLengths[i] = length < 0 ? -1 : Buffer.byteLength(joined.slice(offset, offset + length), "utf8");
          if (length > 0) offset += length;
        }
      }
      const byteStarts = charOffsets(byteLengths);
      return {
        maxBytes: bytes.length,
        bytesAt: (i) => Math.max(byteLengths[i]!, 0),
        write(out, start, end) {
          out.reserve(4 * (end - start) + byteStarts[end]! - byteStarts[start]!);
          const target = out.bytesArray;
          let at = out.length;
          for (let i = start; i < end; i++) {
            const length = byteLengths[i]!;
            if (length < 0) continue;
            target[at++] = length & 0xff;
            target[at++] = (length >>> 8) & 0xff;
            target[at++] = (length >>> 16) & 0xff;
            target[at++] = length >>> 24;
            // Values are short (timestamps, ids): a loop beats a view and a copy call per value.
            for (let b = byteStarts[i]!, last = b + length; b < last; b++) target[at++] = bytes[b]!;
          }
          out.length = at;
        },
      };
    }
    case "double":
    case "int64": {
      const flags = presentFlags(values);
      return {
        maxBytes: 8 * flags.length,
        bytesAt: (i) => 8 * flags[i]!,
        write(out, start, end) {
          const present = values.kind === "double" ? new Float64Array(end - start) : new BigInt64Array(end - start);
          const numbers = values.values;
          let n = 0;
          for (let i = start; i < end; i++) if (flags[i] === 1) present[n++] = numbers[i]!;
          out.bytes(new Uint8Array(present.buffer, 0, n * 8));
        },
      };
    }
    case "int32":
      return {
        maxBytes: 4 * values.values.length,
        bytesAt: () => 4,
        write: (out, start, end) => out.bytes(new Uint8Array(values.values.slice(start, end).buffer)),
      };
    case "boolean":
      return {
        maxBytes: values.values.length / 8,
        bytesAt: (i) => (values.values[i]! < 0 ? 0 : 0.125),
        write(out, start, end) {
          // Bit i of the present values, least significant bit first.
          let byte = 0;
          let n = 0;
          for (let i = start; i < end; i++) {
            const value = values.values[i]!;
            if (value < 0) continue;
            byte |= value << (n & 7);
            if ((n & 7) === 7) {
              out.u8(byte);
              byte = 0;
            }
            n++;
          }
          if (n & 7) out.u8(byte);
        },
      };
  }
}

// hyparquet-writer's pages: a new one starts at the first row boundary where the estimated
// bytes reach `pageSize`. Returns the pages' first slots, and the chunk's end last.
function pageBoundaries(
  slots: number,
  bytesAt: (slot: number) => number,
  leaf: Leaf,
  { pageSize }: ChunkOptions,
): number[] {
  const starts = [0];
  const repetition = leaf.repetitionLevels;
  let start = 0;
  let accumulated = 0;
  for (let i = 0; i < slots; i++) {
    const size = bytesAt(i);
    accumulated += size;
    if (accumulated >= pageSize && i > start && (!repetition || repetition[i] === 0)) {
      starts.push(i);
      start = i;
      accumulated = size;
    }
  }
  if (start < slots) starts.push(slots);
  else starts.length = 0; // no slot, no page
  return starts;
}

// One data page v2 of slots [start, end): its levels, then its values as `writeValues` puts them.
function writeDataPage(
  out: ParquetOut,
  options: ChunkOptions,
  leaf: Leaf,
  encoding: Encoding,
  start: number,
  end: number,
  writeValues: (page: Scratch) => void,
): number {
  const { definitionLevels, repetitionLevels, maxDefinitionLevel, maxRepetitionLevel } = leaf;
  const levels = scratch(0);
  let numNulls = 0;
  let numRows = end - start;
  let repetitionBytes = 0;
  let definitionBytes = 0;
  if (repetitionLevels) {
    numRows = 0;
    for (let i = start; i < end; i++) if (repetitionLevels[i] === 0) numRows++;
    if (maxRepetitionLevel)
      repetitionBytes = writeHybrid(levels, repetitionLevels, start, end, bitWidthOf(maxRepetitionLevel));
  }
  if (definitionLevels) {
    for (let i = start; i < end; i++) if (definitionLevels[i]! < maxDefinitionLevel) numNulls++;
    if (maxDefinitionLevel)
      definitionBytes = writeHybrid(levels, definitionLevels, start, end, bitWidthOf(maxDefinitionLevel));
  }
  const levelBytes = levels.length;
  const page = scratch(1);
  writeValues(page);
  return writePage(out, options, page.view(), levels.view(), (compressed) => ({
    type: "DATA_PAGE_V2",
    uncompressed_page_size: levelBytes + page.length,
    compressed_page_size: levelBytes + compressed,
    data_page_header_v2: {
      num_values: end - start,
      num_nulls: numNulls,
      num_rows: numRows,
      encoding,
      definition_levels_byte_length: definitionBytes,
      repetition_levels_byte_length: repetitionBytes,
      is_compressed: !!options.codec,
    },
  }));
}

// Compresses a page's data, then appends its header, its levels (never compressed) and data.
// Returns its uncompressed size with the header, as hyparquet-writer counts it.
function writePage(
  out: ParquetOut,
  { codec, compressors }: ChunkOptions,
  data: Uint8Array,
  levels: Uint8Array | undefined,
  header: (compressedBytes: number) => Parameters<typeof writePageHeader>[1],
): number {
  const compressed = compressors[codec]?.(data) ?? data;
  const headerStart = out.offset;
  writePageHeader(out, header(compressed.length));
  const headerBytes = out.offset - headerStart;
  if (levels) out.appendBytes(levels);
  out.appendBytes(compressed);
  return headerBytes + (levels?.length ?? 0) + data.length;
}

function bitWidthOf(maxValue: number): number {
  return Math.ceil(Math.log2(maxValue + 1));
}

// The dictionary indexes of the present slots of [start, end): their bit width, then the RLE/bit-packed hybrid.
function writeDictionaryIndexes(page: Scratch, indexes: Int32Array, start: number, end: number): void {
  let max = 0;
  let absent = 0;
  for (let i = start; i < end; i++) {
    const index = indexes[i]!;
    if (index > max) max = index;
    else if (index < 0) absent++;
  }
  const bitWidth = bitWidthOf(max);
  page.u8(bitWidth);
  if (absent === 0) {
    writeHybrid(page, indexes, start, end, bitWidth);
    return;
  }
  const present = new Int32Array(end - start - absent);
  let n = 0;
  for (let i = start; i < end; i++) if (indexes[i]! >= 0) present[n++] = indexes[i]!;
  writeHybrid(page, present, 0, n, bitWidth);
}

// Booleans RLE: the byte length (4 bytes), then the present values' hybrid of width 1.
function writeBooleanRuns(page: Scratch, values: LeafValues, start: number, end: number): void {
  const booleans = (values as { values: Int8Array }).values;
  const present = new Int32Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) if (booleans[i]! >= 0) present[n++] = booleans[i]!;
  const runs = scratch(2);
  writeHybrid(runs, present, 0, n, 1);
  page.u32(runs.length);
  page.bytes(runs.view());
}

function writeDelta(page: Scratch, values: LeafValues, start: number, end: number): void {
  const writer = new ByteWriter();
  deltaBinaryPack(writer, (values as { values: Int32Array }).values.subarray(start, end), "INT32");
  page.bytes(writer.getBytes());
}

/**
 * hyparquet-writer's RLE/bit-packed hybrid of values[start..end): a run of 8 or more equal
 * values is written as one run, the rest in bit-packed groups of 8 (the last padded with 0).
 * Returns the bytes written.
 */
function writeHybrid(out: Scratch, values: ArrayLike<number>, start: number, end: number, bitWidth: number): number {
  const first = out.length;
  // Worst case: every 8 values a group of bitWidth bytes, plus a header of up to 5 bytes.
  out.reserve(((end - start + 7) >> 3) * (bitWidth + 10) + 16);
  const valueBytes = (bitWidth + 7) >> 3;
  let pending = 0;
  let packedStart = start;
  let i = start;
  while (i < end) {
    const value = values[i]!;
    let run = 1;
    while (i + run < end && values[i + run] === value) run++;
    if (run >= 8) {
      if (pending) {
        packGroups(out, values, packedStart, end, pending, bitWidth);
        pending = 0;
      }
      out.varint(run << 1);
      for (let j = 0; j < valueBytes; j++) out.bytesArray[out.length++] = (value >> (j << 3)) & 0xff;
      i += run;
    } else {
      if (pending === 0) packedStart = i;
      pending++;
      i += 8;
    }
  }
  if (pending) packGroups(out, values, packedStart, end, pending, bitWidth);
  return out.length - first;
}

function packGroups(
  out: Scratch,
  values: ArrayLike<number>,
  start: number,
  end: number,
  groups: number,
  bitWidth: number,
): void {
  out.varint((groups << 1) | 1);
  if (bitWidth === 0) return;
  const mask = (1 << bitWidth) - 1;
  const bytes = out.bytesArray;
  let length = out.length;
  let buffer = 0;
  let bits = 0;
  const last = start + groups * 8;
  for (let i = start; i < last; i++) {
    const value = i < end ? values[i]! & mask : 0;
    buffer |= value << bits;
    bits += bitWidth;
    while (bits >= 8) {
      bytes[length++] = buffer & 0xff;
      buffer >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) bytes[length++] = buffer & 0xff;
  out.length = length;
}

// hyparquet-writer's statistics of a chunk: min and max (strings in code point order), nulls,
// NaNs for doubles (none: NaN marks an absent value).
function statisticsOf(values: LeafValues, type: string): Statistics {
  const slots = slotCount(values);
  const starts = values.kind === "joined" ? charOffsets(values.lengths) : undefined;
  let min: string | number | bigint | boolean | undefined;
  let max: typeof min;
  let nulls = 0n;
  for (let i = 0; i < slots; i++) {
    const value = valueAt(values, i, starts);
    if (value === null) {
      nulls++;
      continue;
    }
    if (min === undefined || compare(value, min) < 0) min = value;
    if (max === undefined || compare(value, max) > 0) max = value;
  }
  // Parquet's signed zeros: min -0, max +0.
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  // hyparquet-writer's Statistics also carry the NaN count (its metadata writes it).
  const nanCount = type === "DOUBLE" ? 0n : undefined;
  return { min_value: min, max_value: max, null_count: nulls, nan_count: nanCount } as Statistics;
}

function compare(left: string | number | bigint | boolean, right: string | number | bigint | boolean): number {
  if (typeof left === "string" && typeof right === "string") return compareCodePoints(left, right);
  return left < right ? -1 : left > right ? 1 : 0;
}

// Strings in UTF-8 byte order, which is code point order (a lone surrogate as U+FFFD, as it
// is encoded), where `<` compares UTF-16 units.
function compareCodePoints(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i > 0) {
    const previous = left.charCodeAt(i - 1);
    if (previous >= 0xd800 && previous <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePoint(left, i);
    const b = codePoint(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePoint(value: string, i: number): number {
  const code = value.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

// A growable byte buffer for one page's parts, reused page after page (a chunk is written
// before the next one starts).
class Scratch {
  bytesArray = new Uint8Array(1 << 16);
  length = 0;

  reserve(size: number): void {
    if (this.length + size <= this.bytesArray.length) return;
    const grown = new Uint8Array(Math.max(this.bytesArray.length * 2, this.length + size));
    grown.set(this.bytesArray.subarray(0, this.length));
    this.bytesArray = grown;
  }

  view(): Uint8Array {
    return this.bytesArray.subarray(0, this.length);
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytesArray[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    const bytes = this.bytesArray;
    bytes[this.length++] = value & 0xff;
    bytes[this.length++] = (value >>> 8) & 0xff;
    bytes[this.length++] = (value >>> 16) & 0xff;
    bytes[this.length++] = value >>> 24;
  }

  varint(value: number): void {
    this.reserve(5);
    while (value & ~0x7f) {
      this.bytesArray[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytesArray[this.length++] = value;
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytesArray.set(bytes, this.length);
    this.length += bytes.length;
  }

  // Encodes `value` at `at` (room reserved), returning its bytes.
  utf8(value: string, at: number): number {
    return encoder.encodeInto(value, this.bytesArray.subarray(at)).written;
  }
}

const encoder = new TextEncoder();
// Three buffers, each holding one part of the page being written (levels, values, boolean runs).
const scratches = [new Scratch(), new Scratch(), new Scratch()];
function scratch(which: number): Scratch {
  const buffer = scratches[which]!;
  buffer.length = 0;
  return buffer;
}
