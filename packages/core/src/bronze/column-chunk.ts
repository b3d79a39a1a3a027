import type { ColumnChunk, CompressionCodec, Encoding, OffsetIndex, PageHeader, SchemaElement } from "hyparquet";
import { Encodings, PageTypes } from "hyparquet/src/constants.js";
import type { fileWriter } from "hyparquet-writer";
import type { Dictionary } from "./column-dictionary";
import { buildDictionary, sampleAccepts } from "./column-dictionary";
import { statisticsOf } from "./column-statistics";
import type { PlainValues } from "./column-values";
import {
  bitWidthOf,
  plainValues,
  writeBooleanRuns,
  writeDelta,
  writeDictionaryIndexes,
  writeHybrid,
  writeRun,
} from "./column-values";
import type { LeafValues } from "./leaf-values";
import { allPresent, presentFlags, slotCount } from "./leaf-values";
import type { Scratch } from "./scratch";
import { scratch } from "./scratch";
import { FALSE, STRUCT, StructOut } from "./thrift";

// The column writer of bronze files. It writes, byte for byte, what hyparquet-writer's
// `writeColumn` writes for the same values (its dictionary decision, page boundaries, data
// page v2 layout, statistics), but reads the typed arrays bronze packs its columns into
// (`packed-column.ts`) instead of a JS value per row: a text column packed with its
// dictionary and codes keeps them, where the writer would rebuild that dictionary with a Map.
// This file holds the chunk and its pages (boundaries, levels, data and dictionary pages);
// the dictionary decision, the value encodings, the statistics and the leaf's slot readers
// each have a file beside it (`column-dictionary.ts`, `column-values.ts`,
// `column-statistics.ts`, `leaf-values.ts`).

/** The file a column chunk is appended to. */
export type ParquetOut = ReturnType<typeof fileWriter>;

// The leaf's values are declared with their slot readers; the writer's contract is imported from here.
export type { LeafValues };

/** One leaf column of a row group, as {@link writeColumnChunk} takes it. */
export interface Leaf {
  /** The leaf's schema path, root first. */
  schemaPath: SchemaElement[];
  values: LeafValues;
  /**
   * One per slot, or "full" when every slot's is `maxDefinitionLevel` (no slot absent: most
   * bronze leaves, whose levels then are neither built nor read); absent when the leaf and
   * everything above it is REQUIRED.
   */
  definitionLevels?: ArrayLike<number> | "full";
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
  const whole = dictionary && { maxIndex: dictionary.size - 1, absent: slots - dictionary.present };
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
      if (indexes) writeDictionaryIndexes(page, indexes, start, end, pages.length === 2 ? whole : undefined);
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
 * level above the leaf, plus one where the slot has a value; "full" when they are all the
 * maximum (every slot and the structs above it present).
 * @param values the leaf's values
 * @param above the levels of the structs above it, or the one level of every slot (0 at the top)
 */
export function presentLevels(values: LeafValues, above: Uint8Array | number = 0): Uint8Array | "full" {
  if (typeof above === "number" && allPresent(values)) return "full";
  return presentFlags(values, above);
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
  if (definitionLevels === "full") {
    // One run of the maximum level (a few slots are bit-packed, as the hybrid packs them).
    const bitWidth = bitWidthOf(maxDefinitionLevel);
    const before = levels.length;
    if (maxDefinitionLevel && end - start >= 8) {
      levels.reserve(16);
      writeRun(levels, maxDefinitionLevel, end - start, (bitWidth + 7) >> 3);
    } else if (maxDefinitionLevel)
      writeHybrid(levels, new Uint8Array(end - start).fill(maxDefinitionLevel), 0, end - start, bitWidth);
    definitionBytes = levels.length - before;
  } else if (definitionLevels) {
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

// The headers bronze writes: a dictionary page's or a data page v2's.
type BronzePageHeader = Pick<
  PageHeader,
  "type" | "uncompressed_page_size" | "compressed_page_size" | "dictionary_page_header" | "data_page_header_v2"
>;

// Compresses a page's data, then appends its header, its levels (never compressed) and data.
// Returns its uncompressed size with the header, as hyparquet-writer counts it.
function writePage(
  out: ParquetOut,
  { codec, compressors }: ChunkOptions,
  data: Uint8Array,
  levels: Uint8Array | undefined,
  header: (compressedBytes: number) => BronzePageHeader,
): number {
  const compressed = compressors[codec]?.(data) ?? data;
  const headerBytes = writePageHeader(out, header(compressed.length));
  if (levels) out.appendBytes(levels);
  out.appendBytes(compressed);
  return headerBytes + (levels?.length ?? 0) + data.length;
}

// A page header in Thrift's compact protocol (`thrift.ts`): the bytes hyparquet-writer's
// writePageHeader writes for it. Returns the header's bytes.
function writePageHeader(out: ParquetOut, header: BronzePageHeader): number {
  const start = out.offset;
  const page = new StructOut(out);
  page.int(1, PageTypes.indexOf(header.type));
  page.int(2, header.uncompressed_page_size);
  page.int(3, header.compressed_page_size);
  const dictionary = header.dictionary_page_header;
  const data = header.data_page_header_v2;
  if (dictionary) {
    page.field(7, STRUCT);
    const fields = new StructOut(out);
    fields.int(1, dictionary.num_values);
    fields.int(2, Encodings.indexOf(dictionary.encoding));
    fields.end();
  } else if (data) {
    page.field(8, STRUCT);
    const fields = new StructOut(out);
    fields.int(1, data.num_values);
    fields.int(2, data.num_nulls);
    fields.int(3, data.num_rows);
    fields.int(4, Encodings.indexOf(data.encoding));
    fields.int(5, data.definition_levels_byte_length);
    fields.int(6, data.repetition_levels_byte_length);
    // is_compressed defaults to true: hyparquet-writer writes false unless it is set, the
    // value in the field's type.
    if (!data.is_compressed) fields.field(7, FALSE);
    fields.end();
  }
  page.end();
  return out.offset - start;
}
