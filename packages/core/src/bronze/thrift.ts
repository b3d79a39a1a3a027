import type { fileWriter } from "hyparquet-writer";

// Parquet's headers and footer are Thrift structs in the compact protocol. Bronze writes the
// few it needs field by field: hyparquet-writer's generic serializer walks every object with
// Object.entries, a regex per field and a TextEncoder per string (5% of the encoder's time for
// page headers, 40 ms for the footer of a 1M-row file). The bytes are the ones it writes.

/** Compact protocol types. */
export const FALSE = 2;
export const I32 = 5;
export const I64 = 6;
export const BINARY = 8;
export const LIST = 9;
export const STRUCT = 12;

const utf8 = new TextEncoder();

/**
 * Appends a string as Thrift's binary: its UTF-8 length, then its bytes (a field's value, or a
 * list's element).
 * @param out the file
 * @param value the string
 */
export function appendBinary(out: ReturnType<typeof fileWriter>, value: string): void {
  const bytes = utf8.encode(value);
  out.appendVarInt(bytes.length);
  out.appendBytes(bytes);
}

/**
 * The fields of one Thrift struct being written, in increasing id order: each after its
 * header, the id's increase (at most 15 here) above its type; undefined fields are left out.
 */
export class StructOut {
  private last = 0;
  constructor(private readonly out: ReturnType<typeof fileWriter>) {}

  /** A field's header; its value follows. */
  field(id: number, type: number): void {
    this.out.appendUint8(((id - this.last) << 4) | type);
    this.last = id;
  }

  /** An integer, typed as hyparquet-writer types it: a bigint is an i64, a number an i32. */
  int(id: number, value: number | bigint | undefined): void {
    if (value === undefined) return;
    this.field(id, typeof value === "bigint" ? I64 : I32);
    this.out.appendZigZag(value);
  }

  /** A string, as its UTF-8 bytes. */
  text(id: number, value: string): void {
    this.field(id, BINARY);
    appendBinary(this.out, value);
  }

  /** A list's header: its size and its elements' type (0 when empty, as hyparquet-writer has it). */
  list(id: number, size: number, type: number): void {
    this.field(id, LIST);
    if (size === 0) type = 0;
    if (size > 14) {
      this.out.appendUint8(0xf0 | type);
      this.out.appendVarInt(size);
    } else this.out.appendUint8((size << 4) | type);
  }

  /** The struct's end. */
  end(): void {
    this.out.appendUint8(0);
  }
}
