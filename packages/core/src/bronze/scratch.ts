// The byte buffers a column chunk's pages are assembled in. The chunk writer, the value
// encodings and the dictionary all write into them, so they have a file of their own.

/**
 * A growable byte buffer for one page's parts, reused page after page (a chunk is written
 * before the next one starts).
 */
export class Scratch {
  /** The buffer; only its first `length` bytes are written. */
  bytesArray: Uint8Array = new Uint8Array(1 << 16);
  /** The bytes written so far. */
  length = 0;

  /** Grows the buffer so that `size` more bytes fit after `length`. */
  reserve(size: number): void {
    if (this.length + size <= this.bytesArray.length) return;
    const grown = new Uint8Array(Math.max(this.bytesArray.length * 2, this.length + size));
    grown.set(this.bytesArray.subarray(0, this.length));
    this.bytesArray = grown;
  }

  /** The bytes written so far (a view, valid until the buffer grows or is reused). */
  view(): Uint8Array {
    return this.bytesArray.subarray(0, this.length);
  }

  /** Appends one byte. */
  u8(value: number): void {
    this.reserve(1);
    this.bytesArray[this.length++] = value;
  }

  /** Appends a 32-bit unsigned integer, little-endian. */
  u32(value: number): void {
    this.reserve(4);
    const bytes = this.bytesArray;
    bytes[this.length++] = value & 0xff;
    bytes[this.length++] = (value >>> 8) & 0xff;
    bytes[this.length++] = (value >>> 16) & 0xff;
    bytes[this.length++] = value >>> 24;
  }

  /** Appends an unsigned LEB128 varint. */
  varint(value: number): void {
    this.reserve(5);
    while (value & ~0x7f) {
      this.bytesArray[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytesArray[this.length++] = value;
  }

  /** Appends `bytes`. */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytesArray.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * Encodes `value` as UTF-8 at `at` (room reserved), without moving `length`.
   * @returns the bytes written
   */
  utf8(value: string, at: number): number {
    return encoder.encodeInto(value, this.bytesArray.subarray(at)).written;
  }
}

const encoder = new TextEncoder();
// Three buffers, each holding one part of the page being written (levels, values, boolean runs).
const scratches = [new Scratch(), new Scratch(), new Scratch()];

/**
 * One of the shared buffers, emptied: 0 for a page's levels (and a dictionary page), 1 for
 * its values, 2 for boolean runs; each is reused by the next page.
 * @param which the buffer's number
 * @returns the buffer, its `length` set to 0
 */
export function scratch(which: number): Scratch {
  const buffer = scratches[which]!;
  buffer.length = 0;
  return buffer;
}
