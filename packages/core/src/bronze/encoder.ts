import type {
  ColumnChunk,
  CompressionCodec,
  DecodedArray,
  Encoding,
  RowGroup,
  SchemaElement,
  SchemaTree,
} from "hyparquet";
import { fileWriter } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { encodeNestedValues } from "hyparquet-writer/src/dremel.js";
import { writeIndexes } from "hyparquet-writer/src/indexes.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import { bronzeParquetSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import type { PackedColumn, PackedRowGroup } from "./packed-column";
import { unpackColumn } from "./packed-column";
import { textColumnData } from "./text-column";

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

// One leaf column of a row group as hyparquet-writer's column writer takes it.
interface LeafData {
  values: DecodedArray;
  definitionLevels: number[];
  repetitionLevels: number[];
  maxDefinitionLevel: number;
}

// One top-level column of a row group: its values per row (or, for a struct of scalars, its
// leaves already levelled), and how it is written.
interface ColumnSource {
  name: string;
  data?: DecodedArray;
  leaves?: LeafData[];
  encoding?: Encoding;
  statistics: boolean;
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
 * hyparquet-writer's ParquetWriter does (column writer, page indexes, footer) without it, so the
 * ingest bundle leaves out what bronze never writes (variants, …), and it levels a struct of
 * scalars (no list inside) straight from its packed columns: building an object per row for the
 * writer to walk back down (its Dremel encoding) was a third of the encoding thread's time.
 */
export class BronzeEncoder {
  private readonly out: ReturnType<typeof fileWriter>;
  private readonly options: BronzeEncoderOptions;
  private readonly schema: SchemaElement[];
  private readonly resolve: (path: string[]) => SchemaTree[];
  private readonly rowGroups: RowGroup[] = [];
  private readonly pageIndexes: ReturnType<typeof writeColumn>[] = [];
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
    const { fields, sourceKey, statistics } = this.options;
    const n = group.rows;
    // "numeric": min/max for every column but the text ones.
    const text = statistics !== false && statistics !== "numeric";
    const numeric = statistics !== false;
    const sources: ColumnSource[] = fields.map((field, c) => {
      const column = group.columns[c]!;
      if (column.kind === "text") return { name: field.name, ...textColumnData(column), statistics: text };
      if (column.kind === "struct" && field.type === "struct" && scalarsOnly(field.fields))
        return { name: field.name, leaves: structLeaves(column.present, column.fields, n), statistics: numeric };
      const inner = field.type === "struct" ? field.fields : [];
      return { name: field.name, data: unpackColumn(column, inner), statistics: numeric };
    });
    sources.push(
      { name: "_extra", ...textColumnData(group.extra), statistics: text },
      { name: "_source_key", data: new Array<string>(n).fill(sourceKey), statistics: text },
      // Ascending integers: their deltas pack into a few bits a row, where PLAIN takes 4 bytes
      // a row that Snappy cannot shrink (the two were half of a bronze file's bytes).
      { name: "_record_index", data: group.indexes, encoding: "DELTA_BINARY_PACKED", statistics: numeric },
      { name: "_source_line", data: group.lines, encoding: "DELTA_BINARY_PACKED", statistics: numeric },
    );
    this.writeGroup(sources, n);
  }

  /** Writes the page indexes and the footer, and closes the file. */
  finish(): void {
    writeIndexes(this.out, this.pageIndexes);
    writeMetadata(this.out, {
      version: 2,
      created_by: "hyparquet",
      schema: this.schema,
      num_rows: this.rows,
      row_groups: this.rowGroups,
    } as Parameters<typeof writeMetadata>[1]);
    this.out.appendUint32(MAGIC);
    // fileWriter is synchronous: the file is on disk (or in the OS) when this returns.
    void this.out.finish();
  }

  // One row group, column by column, as ParquetWriter.write does, but for the leaves given levelled.
  private writeGroup(sources: ColumnSource[], rows: number): void {
    const out = this.out;
    const start = out.offset;
    const columns: ColumnChunk[] = [];
    for (const { name, data, leaves, encoding, statistics } of sources) {
      const leafPaths = leafPathsOf(this.resolve([name]));
      leafPaths.forEach((leafPath, l) => {
        const schemaPath = leafPath.map((node) => node.element);
        const result = writeColumn({
          writer: out,
          column: {
            columnName: schemaPath
              .slice(1)
              .map((element) => element.name)
              .join("."),
            element: schemaPath.at(-1)!,
            schemaPath,
            codec: this.options.codec,
            compressors: COMPRESSORS,
            stats: statistics,
            pageSize: PAGE_BYTES,
            columnIndex: false,
            offsetIndex: true,
            encoding,
          },
          pageData: leaves ? leaves[l]! : encodeNestedValues(leafPath, data!),
        });
        columns.push(result.chunk);
        this.pageIndexes.push(result);
      });
    }
    let totalByteSize = 0n;
    for (const { meta_data } of columns) totalByteSize += meta_data?.total_uncompressed_size ?? 0n;
    this.rows += BigInt(rows);
    this.rowGroups.push({
      columns,
      total_byte_size: totalByteSize,
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(out.offset - start),
    });
  }
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
function structLeaves(
  present: Uint8Array,
  children: PackedColumn[],
  n: number,
  above?: { levels: number[]; depth: number },
): LeafData[] {
  const depth = (above?.depth ?? 0) + 1;
  const levels = new Array<number>(n);
  for (let i = 0; i < n; i++) levels[i] = (above ? above.levels[i]! : 0) + present[i]!;
  return children.flatMap((child) => {
    if (child.kind === "struct") return structLeaves(child.present, child.fields, n, { levels, depth });
    const values = unpackColumn(child);
    const definitionLevels = new Array<number>(n);
    for (let i = 0; i < n; i++) definitionLevels[i] = values[i] === null ? levels[i]! : levels[i]! + 1;
    return [{ values, definitionLevels, repetitionLevels: [], maxDefinitionLevel: depth + 1 }];
  });
}
