import type { Field } from "../dataset/spec";
import { isUtcIsoText, PartitionTally, partitionDays } from "../silver/partition";
import type { PartitionSpec } from "../silver/spec";
import type { PackedRowGroup, PackedText } from "./packed-column";
import { unpackColumn } from "./packed-column";

/** The timestamp whose partition days a bronze file reports, and how the spec partitions by it. */
export interface PartitionDaySource {
  /** The partition timestamp's field path in bronze (`partitionSourcePath`), e.g. `["properties", "time"]`. */
  path: string[];
  /** The spec's partition columns. */
  partition: PartitionSpec;
}

/** What a bronze file's rows say of their partitions: the days they fall in, and how many fall in none. */
export interface PartitionDayCount {
  /** The distinct days of the rows, sorted (`yyyymmdd`). */
  days: number[];
  /** Rows without a usable partition timestamp (absent, or text that does not parse). */
  withoutTimestamp: number;
}

/**
 * The partition days of a bronze file's rows, tallied from its packed row groups as they are
 * encoded: the same days, and the same count of rows in none, as reading the written file's
 * timestamp column back and tallying it ({@link PartitionTally}), without the read. A run of
 * ISO-8601 UTC text of one date (how timestamps mostly arrive, in order) costs a check in
 * place per row, no string cut out.
 */
export class PartitionDayTally {
  private readonly tally: PartitionTally;
  private readonly partition: PartitionSpec;
  // The timestamp's column, then its field's index in each struct on the path.
  private readonly indexes: number[];
  // The date of the last UTC text tallied: a further UTC text of that date adds nothing.
  private date = "";
  // Whether that date is a day (a UTC text of a date that does not exist is in none).
  private dateIsDay = false;
  private withoutTimestamp = 0;

  /**
   * @param fields the spec's fields (the packed groups' columns, in order)
   * @param source the timestamp and the partition columns
   */
  constructor(fields: Field[], { path, partition }: PartitionDaySource) {
    this.tally = new PartitionTally(partition);
    this.partition = partition;
    let level: Field[] = fields;
    this.indexes = path.map((name, depth) => {
      const index = level.findIndex((field) => field.name === name);
      const field = level[index];
      if (!field || (depth < path.length - 1 && field.type !== "struct"))
        throw new Error(`bronze: no field ${path.join(".")} to tally partition days from`);
      level = field.type === "struct" ? field.fields : [];
      return index;
    });
  }

  /** Tallies one row group's timestamps. @param group a packed row group, before it is encoded */
  add(group: PackedRowGroup): void {
    let column = group.columns[this.indexes[0]!]!;
    // Rows whose enclosing structs are all present: the encoder reads a struct's fields only there.
    let present: Uint8Array | undefined;
    for (let depth = 1; depth < this.indexes.length; depth++) {
      const struct = column;
      if (struct.kind !== "struct") throw new Error("bronze: a packed group does not match its fields");
      present = present ? present.map((value, row) => value & struct.present[row]!) : struct.present;
      column = struct.fields[this.indexes[depth]!]!;
    }
    // A row whose enclosing struct is absent has no timestamp: bronze holds null there.
    if (present) for (let row = 0; row < present.length; row++) if (present[row] !== 1) this.withoutTimestamp++;
    if (column.kind === "text") this.addText(column, present);
    else this.withoutTimestamp += this.tally.add(rowsOf(unpackColumn(column), present));
  }

  /** The distinct days of the rows tallied, and how many rows fall in none. */
  result(): PartitionDayCount {
    return {
      days: partitionDays(this.tally.result().partitions, this.partition),
      withoutTimestamp: this.withoutTimestamp,
    };
  }

  private addText(column: PackedText, present: Uint8Array | undefined): void {
    if (column.form === "coded") {
      const { dictionary, codes } = column;
      // Rows per value: each distinct value is tallied once, and counts for its rows.
      const rows = new Int32Array(dictionary.length);
      for (let row = 0; row < codes.length; row++) {
        if (present && present[row] !== 1) continue;
        const code = codes[row]!;
        if (code >= 0) rows[code]!++;
        else this.withoutTimestamp++;
      }
      for (let code = 0; code < dictionary.length; code++) {
        const text = dictionary[code]!;
        if (rows[code]! > 0 && !this.addTextAt(text, 0, text.length)) this.withoutTimestamp += rows[code]!;
      }
      return;
    }
    const { joined, lengths } = column;
    let end = 0;
    for (let row = 0; row < lengths.length; row++) {
      const length = lengths[row]!;
      const start = end;
      if (length >= 0) end += length;
      if (present && present[row] !== 1) continue;
      if (length < 0 || !this.addTextAt(joined, start, end)) this.withoutTimestamp++;
    }
  }

  // One text value, `text[start, end)`; whether it falls in a day.
  private addTextAt(text: string, start: number, end: number): boolean {
    if (isUtcIsoText(text, start, end)) {
      // The tally keys UTC text by its date: one of a date already tallied adds nothing.
      if (this.date !== "" && text.startsWith(this.date, start)) return this.dateIsDay;
      this.date = text.slice(start, start + 10);
      this.dateIsDay = this.tally.add([text.slice(start, end)]) === 0;
      return this.dateIsDay;
    }
    return this.tally.add([text.slice(start, end)]) === 0;
  }
}

// The values of the rows that are present (all when no struct encloses the column).
function rowsOf(values: unknown[], present: Uint8Array | undefined): unknown[] {
  return present ? values.filter((_, row) => present[row] === 1) : values;
}
