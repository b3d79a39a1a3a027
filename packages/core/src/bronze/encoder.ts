import type { ColumnChunk, CompressionCodec, FileMetaData, RowGroup, SchemaElement, SchemaTree } from "hyparquet";
import {
  CompressionCodecs,
  ConvertedTypes,
  Encodings,
  FieldRepetitionTypes,
  PageTypes,
  ParquetTypes,
} from "hyparquet/src/constants.js";
import { fileWriter } from "hyparquet-writer";
import { encodeNestedValues } from "hyparquet-writer/src/dremel.js";
import { writeIndexes } from "hyparquet-writer/src/indexes.js";
import { logicalType } from "hyparquet-writer/src/metadata.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import { serializeTCompactProtocol } from "hyparquet-writer/src/thrift.js";
import { unconvertStatistics } from "hyparquet-writer/src/unconvert.js";
import { bronzeParquetSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import type { ChunkOptions, Leaf, LeafValues, ParquetOut, WrittenChunk } from "./column-chunk";
import { presentLevels, writeColumnChunk } from "./column-chunk";
import type { PackedColumn, PackedRowGroup } from "./packed-column";
import { unpackColumn } from "./packed-column";
import { snappyCompress } from "./snappy";
import { appendBinary, BINARY, I32, STRUCT, StructOut } from "./thrift";

/** What a bronze file is written with; plain data, so it can be handed to a worker. */
export interface BronzeEncoderOptions {
  fields: Field[];
  /** Local path of the Parquet file to write. */
  path: string;
  /** Landing key, stored in `_source_key` on every row. */
  sourceKey: string;
  codec: CompressionCodec;
  /** Column statistics (min/max/nulls) in the footer: all, none, or only non-text columns. */
  statistics: boolean | "numeric";
}

// hyparquet-writer's page size (its default): a page per MB of values.
const PAGE_BYTES = 1 << 20;
// The codecs this encoder compresses with (hyparquet-writer's own).
const COMPRESSORS = { SNAPPY: snappyCompress };
// "PAR1", which starts and ends a Parquet file.
const MAGIC = 0x31524150;

/**
 * Encodes packed row groups into one Parquet file with hyparquet-writer's parts, synchronously:
 * the same code runs on the caller's thread or on a worker (see `worker.ts`). It does what
 * hyparquet-writer's ParquetWriter does (page indexes, footer) without it, and writes each
 * column with bronze's own column writer (`column-chunk.ts`), which writes the same bytes from
 * the packed typed arrays: a struct of scalars is levelled from its `present` flags, and only
 * lists (and structs holding one) are unpacked to JS values for the Dremel encoding.
 */
export class BronzeEncoder {
  private readonly out: ReturnType<typeof fileWriter>;
  private readonly options: BronzeEncoderOptions;
  private readonly schema: SchemaElement[];
  private readonly resolve: (path: string[]) => SchemaTree[];
  private readonly rowGroups: RowGroup[] = [];
  private readonly pageIndexes: WrittenChunk[] = [];
  private rows = 0n;

  constructor(options: BronzeEncoderOptions) {
    // The column writer would label pages it could not compress with the codec anyway.
    if (!(options.codec in COMPRESSORS) && options.codec !== "UNCOMPRESSED")
      throw new Error(`bronze: no compressor for codec ${options.codec}`);
    this.options = options;
    this.schema = bronzeParquetSchema(options.fields);
    this.resolve = schemaPathResolver(this.schema);
    this.out = fileWriter(options.path);
    this.out.appendUint32(MAGIC);
  }

  /** Writes one row group. */
  write(group: PackedRowGroup): void {
    const { fields, sourceKey, statistics, codec } = this.options;
    const n = group.rows;
    // "numeric": min/max for every column but the text ones.
    const text = statistics !== false && statistics !== "numeric";
    const numeric = statistics !== false;
    const out = this.out;
    const start = out.offset;
    const columns: RowGroup["columns"] = [];
    const write = (leaf: Leaf, stats: boolean) => {
      const options: ChunkOptions = { codec, compressors: COMPRESSORS, statistics: stats, pageSize: PAGE_BYTES };
      const written = writeColumnChunk(out, leaf, options);
      columns.push(written.chunk);
      this.pageIndexes.push(written);
    };
    for (const [c, field] of fields.entries()) {
      const column = group.columns[c]!;
      const [leafPath, ...more] = this.leafPaths(field.name);
      if (column.kind !== "struct" && column.kind !== "list" && more.length === 0) {
        write(scalarLeaf(leafPath!, column), column.kind === "text" ? text : numeric);
        continue;
      }
      if (column.kind === "struct" && field.type === "struct" && scalarsOnly(field.fields)) {
        const paths = [leafPath!, ...more];
        for (const [l, leaf] of structLeaves(column.present, column.fields, n).entries())
          write({ schemaPath: paths[l]!, ...leaf }, numeric);
        continue;
      }
      // Lists, and structs holding one: the Dremel encoding of a JS value per row.
      const rows = unpackColumn(column, field.type === "struct" ? field.fields : []);
      for (const path of [leafPath!, ...more]) write(nestedLeaf(this.resolveLeaf(path), rows), numeric);
    }
    write(scalarLeaf(this.leafPaths("_extra")[0]!, group.extra), text);
    const required = (name: string, values: LeafValues, encoding?: "DELTA_BINARY_PACKED"): Leaf => ({
      schemaPath: this.leafPaths(name)[0]!,
      values,
      maxDefinitionLevel: 0,
      maxRepetitionLevel: 0,
      encoding,
    });
    write(required("_source_key", { kind: "coded", dictionary: [sourceKey], codes: new Int32Array(n) }), text);
    // Ascending integers: their deltas pack into a few bits a row, where PLAIN takes 4 bytes
    // a row that Snappy cannot shrink (the two were half of a bronze file's bytes).
    write(required("_record_index", { kind: "int32", values: group.indexes }, "DELTA_BINARY_PACKED"), numeric);
    write(required("_source_line", { kind: "int32", values: group.lines }, "DELTA_BINARY_PACKED"), numeric);

    let totalByteSize = 0n;
    for (const { meta_data } of columns) totalByteSize += meta_data?.total_uncompressed_size ?? 0n;
    this.rows += BigInt(n);
    this.rowGroups.push({
      columns,
      total_byte_size: totalByteSize,
      num_rows: BigInt(n),
      total_compressed_size: BigInt(out.offset - start),
    });
  }

  /** Writes the page indexes and the footer, and closes the file. */
  finish(): void {
    writeIndexes(this.out, this.pageIndexes);
    writeFooter(this.out, {
      version: 2,
      created_by: "hyparquet",
      schema: this.schema,
      num_rows: this.rows,
      row_groups: this.rowGroups,
      metadata_length: 0,
    });
    this.out.appendUint32(MAGIC);
    // fileWriter is synchronous: the file is on disk (or in the OS) when this returns.
    void this.out.finish();
  }

  // The schema paths (root first) of the leaves under a top-level column, depth first.
  private leafPaths(name: string): SchemaElement[][] {
    return leafPathsOf(this.resolve([name])).map((path) => path.map((node) => node.element));
  }

  private resolveLeaf(path: SchemaElement[]): SchemaTree[] {
    return this.resolve(path.slice(1).map((element) => element.name));
  }
}

// A packed column of scalars (text, numbers, booleans).
type ScalarColumn = Exclude<PackedColumn, { kind: "struct" | "list" }>;

// A top-level scalar column, OPTIONAL: one slot per row, level 1 where it has a value.
function scalarLeaf(schemaPath: SchemaElement[], column: ScalarColumn): Leaf {
  const values = scalarValues(column);
  const definitionLevels = presentLevels(values);
  return {
    schemaPath,
    values,
    definitionLevels,
    maxDefinitionLevel: 1,
    maxRepetitionLevel: 0,
    encoding: plainText(column),
  };
}

// A scalar column's packed values as the column writer reads them.
function scalarValues(column: ScalarColumn): LeafValues {
  switch (column.kind) {
    case "text":
      return column.form === "coded"
        ? { kind: "coded", dictionary: column.dictionary, codes: column.codes }
        : { kind: "joined", joined: column.joined, lengths: column.lengths };
    case "int64":
      return { kind: "int64", values: column.values, present: column.present };
    default:
      return column;
  }
}

// Text of distinct values (timestamps, ids; see PackedText) is written plain: a dictionary
// would not pay, and the writer would find that out only after building it.
function plainText(column: PackedColumn): "PLAIN" | undefined {
  return column.kind === "text" && column.form === "joined" && column.distinct ? "PLAIN" : undefined;
}

// Whether a struct holds only scalars and structs of scalars (a list needs repetition levels).
function scalarsOnly(fields: Field[]): boolean {
  return fields.every((field) => (field.type === "struct" ? scalarsOnly(field.fields) : field.type !== "list"));
}

// The leaves under a column, depth first (the schema's order, as the writer walks it).
function leafPathsOf(path: SchemaTree[]): SchemaTree[][] {
  const node = path.at(-1)!;
  if (node.children.length === 0) return [path];
  return node.children.flatMap((child) => leafPathsOf([...path, child]));
}

// The leaves of a struct of scalars, levelled: every level is OPTIONAL (`bronzeParquetSchema`),
// so a row's definition level is the number of its structs present on the way, plus one when
// the leaf has a value. An absent struct's fields are packed absent too (`column-buffer.ts`).
// The structs' levels are one number while every struct on the way is present (the usual
// case), built per row only once one is absent.
function structLeaves(
  present: Uint8Array,
  children: PackedColumn[],
  n: number,
  above: { levels: Uint8Array | number; depth: number } = { levels: 0, depth: 0 },
): Omit<Leaf, "schemaPath">[] {
  const depth = above.depth + 1;
  let levels: Uint8Array | number = depth;
  if (typeof above.levels !== "number" || present.subarray(0, n).indexOf(0) >= 0) {
    const base = above.levels;
    const built = new Uint8Array(n);
    for (let i = 0; i < n; i++) built[i] = (typeof base === "number" ? base : base[i]!) + present[i]!;
    levels = built;
  }
  return children.flatMap((child) => {
    if (child.kind === "struct") return structLeaves(child.present, child.fields, n, { levels, depth });
    const values = scalarValues(child as ScalarColumn);
    return [
      { values, definitionLevels: presentLevels(values, levels), maxDefinitionLevel: depth + 1, maxRepetitionLevel: 0 },
    ];
  });
}

// A leaf under a list, levelled by hyparquet-writer's Dremel encoding of the rows' values.
function nestedLeaf(path: SchemaTree[], rows: unknown[]): Leaf {
  const { values, definitionLevels, repetitionLevels, maxDefinitionLevel } = encodeNestedValues(path, rows);
  const schemaPath = path.map((node) => node.element);
  const maxRepetitionLevel = schemaPath.filter((element) => element.repetition_type === "REPEATED").length;
  const leaf: Leaf = {
    schemaPath,
    values: leafValuesOf(values as unknown[], schemaPath.at(-1)!.type!),
    maxDefinitionLevel,
    maxRepetitionLevel,
  };
  if (definitionLevels.length) leaf.definitionLevels = definitionLevels;
  if (repetitionLevels.length) leaf.repetitionLevels = repetitionLevels;
  return leaf;
}

// JS values (null or undefined when absent) in the typed form of their Parquet type.
function leafValuesOf(values: unknown[], type: string): LeafValues {
  const n = values.length;
  const absent = (value: unknown) => value === null || value === undefined;
  switch (type) {
    case "DOUBLE":
      return {
        kind: "double",
        values: Float64Array.from(values, (value) => (absent(value) ? Number.NaN : (value as number))),
      };
    case "INT64": {
      const present = Uint8Array.from(values, (value) => (absent(value) ? 0 : 1));
      return {
        kind: "int64",
        values: BigInt64Array.from(values, (value) => (absent(value) ? 0n : (value as bigint))),
        present,
      };
    }
    case "BOOLEAN":
      return { kind: "boolean", values: Int8Array.from(values, (value) => (absent(value) ? -1 : Number(value))) };
    default: {
      const lengths = new Int32Array(n);
      const parts: string[] = [];
      values.forEach((value, i) => {
        if (absent(value)) lengths[i] = -1;
        else {
          parts.push(value as string);
          lengths[i] = (value as string).length;
        }
      });
      return { kind: "joined", joined: parts.join(""), lengths };
    }
  }
}

/**
 * Appends a bronze file's footer (FileMetaData in Thrift's compact protocol, then its length):
 * the bytes hyparquet-writer's writeMetadata writes for the fields bronze sets, the row groups'
 * column chunks written field by field (`thrift.ts`). The few schema elements and statistics
 * still go through hyparquet-writer's generic serializer.
 * @param out the file
 * @param metadata the file's metadata
 */
export function writeFooter(out: ParquetOut, metadata: FileMetaData): void {
  const start = out.offset;
  const resolve = schemaPathResolver(metadata.schema);
  const file = new StructOut(out);
  file.int(1, metadata.version);
  file.list(2, metadata.schema.length, STRUCT);
  for (const element of metadata.schema)
    serializeTCompactProtocol(out, {
      field_1: element.type && ParquetTypes.indexOf(element.type),
      field_2: element.type_length,
      field_3: element.repetition_type && FieldRepetitionTypes.indexOf(element.repetition_type),
      field_4: element.name,
      field_5: element.num_children,
      field_6: element.converted_type && ConvertedTypes.indexOf(element.converted_type),
      field_7: element.scale,
      field_8: element.precision,
      field_9: element.field_id,
      field_10: logicalType(element.logical_type),
    });
  file.int(3, metadata.num_rows);
  file.list(4, metadata.row_groups.length, STRUCT);
  for (const group of metadata.row_groups) {
    const row = new StructOut(out);
    row.list(1, group.columns.length, STRUCT);
    for (const column of group.columns) writeColumnChunkMeta(out, column, resolve);
    row.int(2, group.total_byte_size);
    row.int(3, group.num_rows);
    row.int(6, group.total_compressed_size);
    row.end();
  }
  if (metadata.created_by !== undefined) file.text(6, metadata.created_by);
  // One column order (type defined order, an empty struct) per leaf.
  const leaves = metadata.schema.filter((element) => element.type).length;
  file.list(7, leaves, STRUCT);
  for (let i = 0; i < leaves; i++) {
    const order = new StructOut(out);
    order.field(1, STRUCT);
    order.end();
    order.end();
  }
  file.end();
  out.appendUint32(out.offset - start);
}

// One ColumnChunk of a row group, with its ColumnMetaData.
function writeColumnChunkMeta(out: ParquetOut, column: ColumnChunk, resolve: (path: string[]) => SchemaTree[]): void {
  const chunk = new StructOut(out);
  chunk.int(2, column.file_offset);
  const meta = column.meta_data;
  if (meta) {
    chunk.field(3, STRUCT);
    const fields = new StructOut(out);
    fields.int(1, ParquetTypes.indexOf(meta.type));
    fields.list(2, meta.encodings.length, I32);
    for (const encoding of meta.encodings) out.appendZigZag(Encodings.indexOf(encoding));
    fields.list(3, meta.path_in_schema.length, BINARY);
    for (const name of meta.path_in_schema) appendBinary(out, name);
    fields.int(4, CompressionCodecs.indexOf(meta.codec));
    fields.int(5, meta.num_values);
    fields.int(6, meta.total_uncompressed_size);
    fields.int(7, meta.total_compressed_size);
    fields.int(9, meta.data_page_offset);
    fields.int(11, meta.dictionary_page_offset);
    if (meta.statistics) {
      fields.field(12, STRUCT);
      serializeTCompactProtocol(
        out,
        unconvertStatistics(meta.statistics, resolve(meta.path_in_schema).at(-1)!.element),
      );
    }
    if (meta.encoding_stats) {
      fields.list(13, meta.encoding_stats.length, STRUCT);
      for (const stats of meta.encoding_stats) {
        const entry = new StructOut(out);
        entry.int(1, PageTypes.indexOf(stats.page_type));
        entry.int(2, Encodings.indexOf(stats.encoding));
        entry.int(3, stats.count);
        entry.end();
      }
    }
    fields.end();
  }
  chunk.int(4, column.offset_index_offset);
  chunk.int(5, column.offset_index_length);
  chunk.int(6, column.column_index_offset);
  chunk.int(7, column.column_index_length);
  chunk.end();
}
