import { ByteWriter } from "hyparquet-writer/src/bytewriter.js";
import { deltaBinaryPack } from "hyparquet-writer/src/delta.js";
import type { LeafValues } from "./leaf-values";
import { charOffsets, presentFlags } from "./leaf-values";
import type { Scratch } from "./scratch";
import { scratch } from "./scratch";

// The encodings of a page's values, as hyparquet-writer writes them: PLAIN (strings, numbers,
// booleans), the RLE/bit-packed hybrid (levels, dictionary indexes, boolean runs) and delta.

/**
 * A leaf's values written PLAIN: each present slot's (estimated) bytes, for page boundaries,
 * and the writer of the present values of slots [start, end).
 */
export interface PlainValues {
  /** At least the sum of `bytesAt` over the chunk. */
  maxBytes: number;
  /** A slot's (estimated) bytes, 0 when absent. */
  bytesAt(slot: number): number;
  /** Appends the present values of slots [start, end). */
  write(out: Scratch, start: number, end: number): void;
}

const utf8 = new TextEncoder();
// The UTF-8 bytes of the joined text being written PLAIN.
let joinedBytes = new Uint8Array(1 << 16);

/**
 * Strings PLAIN: each one's UTF-8 length (4 bytes) and bytes.
 * @param out the buffer appended to
 * @param strings the strings, in order
 */
export function writeStrings(out: Scratch, strings: string[]): void {
  for (const value of strings) {
    out.reserve(4 + 3 * value.length);
    const length = out.utf8(value, out.length + 4);
    out.u32(length);
    out.length += length;
  }
}

/**
 * The values PLAIN, with each slot's bytes for the page boundaries.
 * @param values the chunk's values
 * @returns their sizes and writer
 */
export function plainValues(values: LeafValues): PlainValues {
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
      // Encoded into a buffer reused chunk after chunk (a chunk is written before the next
      // one's values are encoded): a timestamp column took 280 KB a row group.
      if (joinedBytes.length < 3 * joined.length) joinedBytes = new Uint8Array(3 * joined.length);
      const bytes = joinedBytes;
      const written = utf8.encodeInto(joined, bytes).written;
      const ascii = written === joined.length; // then a value's bytes are its UTF-16 units
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
        maxBytes: written,
        bytesAt: (i) => Math.max(byteLengths[i]!, 0),
        write(out, start, end) {
          out.reserve(4 * (end - start) + byteStarts[end]! - byteStarts[start]!);
          out.length = copyStrings(out.bytesArray, out.length, bytes, byteStarts, byteLengths, start, end);
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

// The present values of slots [start, end) PLAIN, copied from their UTF-8 bytes to `target` at
// `at`; returns the end. Values are short (timestamps, ids): a loop beats a view and a copy call
// per value, and 4 bytes a step beat 1 (the timestamps' copy: about a third less time). Nothing
// but the return follows the loop (see codeDoubleSlots in column-dictionary.ts).
function copyStrings(
  target: Uint8Array,
  at: number,
  bytes: Uint8Array,
  byteStarts: Int32Array,
  byteLengths: Int32Array,
  start: number,
  end: number,
): number {
  const targetView = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const bytesView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = start; i < end; i++) {
    const length = byteLengths[i]!;
    if (length < 0) continue;
    targetView.setInt32(at, length, true);
    at += 4;
    let b = byteStarts[i]!;
    const last = b + length;
    for (; b + 4 <= last; b += 4, at += 4) targetView.setInt32(at, bytesView.getInt32(b, true), true);
    for (; b < last; b++) target[at++] = bytes[b]!;
  }
  return at;
}

/**
 * The bits an RLE/bit-packed value up to `maxValue` takes.
 * @param maxValue the largest value
 * @returns its bit width
 */
export function bitWidthOf(maxValue: number): number {
  // ceil(log2(maxValue + 1)) without the logarithm (a dictionary's is checked at every new
  // value); a negative `maxValue` keeps the logarithm's answer.
  return maxValue < 0 ? Math.ceil(Math.log2(maxValue + 1)) : 32 - Math.clz32(maxValue);
}

/**
 * The dictionary indexes of the present slots of [start, end): their bit width, then the RLE/bit-packed hybrid.
 * @param page the page's values buffer
 * @param indexes each slot's index in the dictionary (-1 when absent)
 * @param start the page's first slot
 * @param end the slot after its last
 * @param whole when the page holds the whole chunk, its largest index and absent slots, known
 *   from the dictionary: no pass over the indexes to find them
 */
export function writeDictionaryIndexes(
  page: Scratch,
  indexes: Int32Array,
  start: number,
  end: number,
  whole?: { maxIndex: number; absent: number },
): void {
  let max = 0;
  let absent = 0;
  if (whole) {
    max = Math.max(whole.maxIndex, 0);
    absent = whole.absent;
  } else
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

/**
 * Booleans RLE: the byte length (4 bytes), then the present values' hybrid of width 1.
 * @param page the page's values buffer
 * @param values the chunk's booleans
 * @param start the page's first slot
 * @param end the slot after its last
 */
export function writeBooleanRuns(page: Scratch, values: LeafValues, start: number, end: number): void {
  const booleans = (values as { values: Int8Array }).values;
  const present = new Int32Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) if (booleans[i]! >= 0) present[n++] = booleans[i]!;
  const runs = scratch(2);
  writeHybrid(runs, present, 0, n, 1);
  page.u32(runs.length);
  page.bytes(runs.view());
}

/**
 * 32-bit integers DELTA_BINARY_PACKED, as hyparquet-writer packs them.
 * @param page the page's values buffer
 * @param values the chunk's 32-bit integers
 * @param start the page's first slot
 * @param end the slot after its last
 */
export function writeDelta(page: Scratch, values: LeafValues, start: number, end: number): void {
  const writer = new ByteWriter();
  deltaBinaryPack(writer, (values as { values: Int32Array }).values.subarray(start, end), "INT32");
  page.bytes(writer.getBytes());
}

/**
 * hyparquet-writer's RLE/bit-packed hybrid of values[start..end): a run of 8 or more equal
 * values is written as one run, the rest in bit-packed groups of 8 (the last padded with 0).
 * @param out the buffer appended to
 * @param values the values
 * @param start the first value written
 * @param end the index after the last
 * @param bitWidth the bits of each value
 * @returns the bytes written
 */
export function writeHybrid(
  out: Scratch,
  values: ArrayLike<number>,
  start: number,
  end: number,
  bitWidth: number,
): number {
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
      writeRun(out, value, run, valueBytes);
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

/**
 * One RLE run of the hybrid: `count` times `value`, which takes `valueBytes` bytes.
 * @param out the buffer appended to (room reserved)
 * @param value the repeated value
 * @param count how many times
 * @param valueBytes the bytes of a value: its bit width rounded up to bytes
 */
export function writeRun(out: Scratch, value: number, count: number, valueBytes: number): void {
  out.varint(count << 1);
  for (let j = 0; j < valueBytes; j++) out.bytesArray[out.length++] = (value >> (j << 3)) & 0xff;
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
