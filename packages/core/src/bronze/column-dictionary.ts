import { bitWidthOf, writeStrings } from "./column-values";
import type { LeafValues } from "./leaf-values";
import { charOffsets, slotCount, valueAt } from "./leaf-values";
import type { Scratch } from "./scratch";

// Whether a column chunk gets a dictionary, and building it: hyparquet-writer's sample and
// its "dictionary pays" rule, applied to bronze's packed values (a coded text column keeps
// its codes; doubles are keyed in a hash table on their bits rather than a Map).

/**
 * A Parquet dictionary, in the order of the values' first appearance, and each slot's index
 * in it (-1 when absent).
 */
export interface Dictionary {
  /** The number of distinct values. */
  size: number;
  /** The number of slots with a value. */
  present: number;
  /** Each slot's index in the dictionary, -1 when absent; valid until the next dictionary is built. */
  indexes: Int32Array;
  /** Writes the dictionary's values PLAIN. */
  write(out: Scratch): void;
}

// hyparquet-writer's estimate of a value's bytes: a string's UTF-16 length, a number's width.
function estimatedSize(value: string | number | bigint | boolean | null): number {
  if (value === null) return 0;
  return typeof value === "string" ? value.length : 8;
}

/**
 * hyparquet-writer's sample: up to 1000 slots spread over the chunk, weighted by their bytes
 * (a BYTE_ARRAY value has a 4-byte length); it turns away chunks whose sampled distinct
 * values are over 90% of the sampled bytes.
 * @param values the chunk's values
 * @returns whether a dictionary is worth trying
 */
export function sampleAccepts(values: LeafValues): boolean {
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
  if (values.kind === "double") {
    // Absent slots weigh nothing; each present one 8 bytes, its first appearance counted.
    const doubles = values.values;
    const words = wordsOf(doubles);
    doubleIds.reset(sampleSize);
    for (let i = 0; i < sampleSize; i++) {
      const slot = slotOf(i);
      const value = doubles[slot]!;
      if (Number.isNaN(value)) continue;
      const size = doubleIds.size;
      if (doubleIds.idOf(value, words[2 * slot]!, words[2 * slot + 1]!) === size) distinctBytes += 8;
      totalBytes += 8;
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
  const bitWidth = bitWidthOf(size - 1);
  const indexBytes = Math.ceil((present * bitWidth) / 8);
  return 2 * (distinctBytes + indexBytes) > totalBytes;
}

// The indexes of the chunk being written, reused chunk after chunk (a chunk is written before
// the next one's dictionary is built): 40 KB a double column and row group no longer allocated.
let reusedIndexes = new Int32Array(1 << 14);

function indexBuffer(slots: number): Int32Array {
  if (reusedIndexes.length < slots) reusedIndexes = new Int32Array(slots);
  return reusedIndexes.subarray(0, slots);
}

/**
 * hyparquet-writer's dictionary, kept when it and its bit-packed indexes take at most half the
 * bytes of the values written plain; undefined otherwise.
 * @param values the chunk's values
 * @param required whether the leaf is REQUIRED (an absent slot then throws)
 * @returns the dictionary, or undefined when it does not pay (or the values have none)
 */
export function buildDictionary(values: LeafValues, required: boolean): Dictionary | undefined {
  const slots = slotCount(values);
  let indexes: Int32Array;
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
    const { dictionary, codes } = values;
    const lengths = new Int32Array(dictionary.length);
    for (let code = 0; code < dictionary.length; code++) lengths[code] = dictionary[code]!.length;
    // Bronze packs a group's codes in order of first appearance, each entry used: then they are
    // the indexes as they are, and one pass counts the bytes (renumbering took 3 passes' time).
    let next = 0;
    for (let i = 0; i < slots; i++) {
      const code = codes[i]!;
      if (code < 0) continue;
      present++;
      totalBytes += lengths[code]!;
      if (code === next) next++;
      else if (code > next) next = -1;
    }
    if (required && present < slots) throw new Error("parquet required value is undefined");
    let used = dictionary;
    if (next === dictionary.length) indexes = codes;
    else {
      // Renumbered in order of appearance, skipping dictionary entries no slot uses.
      indexes = indexBuffer(slots);
      const index = new Int32Array(dictionary.length).fill(-1);
      used = [];
      for (let i = 0; i < slots; i++) {
        const code = codes[i]!;
        if (code < 0) {
          indexes[i] = -1;
          continue;
        }
        let id = index[code]!;
        if (id < 0) {
          id = index[code] = used.length;
          used.push(dictionary[code]!);
        }
        indexes[i] = id;
      }
    }
    size = used.length;
    for (const value of used) distinctBytes += value.length;
    distinctBytes += 4 * size;
    totalBytes += 4 * present;
    write = (out) => writeStrings(out, used);
  } else if (values.kind === "double") {
    indexes = indexBuffer(slots);
    const doubles = values.values;
    if (required && doubles.some(Number.isNaN)) throw new Error("parquet required value is undefined");
    const coded = codeDoubles(doubles, indexes);
    if (!coded) return undefined;
    const { used } = coded;
    present = coded.present;
    size = used.length;
    distinctBytes = 8 * size;
    totalBytes = 8 * present;
    write = (out) => out.bytes(new Uint8Array(used.buffer, used.byteOffset, used.byteLength));
  } else if (values.kind === "int64") {
    // Keyed as hyparquet-writer keys them, in a Map, the first of each kept.
    indexes = indexBuffer(slots);
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
  return { size, present, indexes, write };
}

// The first size of DoubleIds' table: a chunk's doubles mostly repeat (mileages, fuel levels),
// and a table that fits the L1 cache probes faster (the table sized to a chunk, 2^15 entries,
// probed slower); it grows as distinct values come.
const FIRST_TABLE_BITS = 10;

/**
 * Distinct doubles numbered in order of appearance, keyed as a Map keys them (SameValueZero: 0
 * and -0 alike, the first one kept) in an open-addressing table hashed on their bits: a Map
 * (or Set) of numbers was most of the time of a repetitive double column. One is reused chunk
 * after chunk.
 */
class DoubleIds {
  /** The distinct values, by id; the first `size` are set. */
  values = new Float64Array(1 << 10);
  size = 0;
  // The values' bits, two words each (low first).
  private words = new Int32Array(this.values.buffer);
  private table = new Int32Array(1 << FIRST_TABLE_BITS);
  private bits = FIRST_TABLE_BITS;
  private mask = 0;
  private shift = 0;

  /** Forgets the values, ready for up to `capacity` of them. */
  reset(capacity: number): void {
    if (this.values.length < capacity) {
      this.values = new Float64Array(capacity);
      this.words = new Int32Array(this.values.buffer);
    }
    this.size = 0;
    this.resize(FIRST_TABLE_BITS);
  }

  /**
   * The id of `value` (not NaN), numbered `size` (and `size` incremented) when it is new.
   * @param value the double
   * @param low the low word of its bits
   * @param high the high word of its bits
   */
  idOf(value: number, low: number, high: number): number {
    const { table, values, mask } = this;
    let at = doubleHash(value, low, high, this.shift);
    for (;;) {
      const id = table[at]!;
      if (id < 0) break;
      if (values[id] === value) return id;
      at = (at + 1) & mask;
    }
    const id = this.size++;
    values[id] = value;
    // Kept at most half full; past that, a table 4 times larger.
    if (2 * this.size > 1 << this.bits) this.resize(this.bits + 2);
    else table[at] = id;
    return id;
  }

  // Empties the table at 2^bits entries and enters the values known so far.
  private resize(bits: number): void {
    if (this.table.length < 1 << bits) this.table = new Int32Array(1 << bits);
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    const { table, values, words, mask, shift } = this;
    table.fill(-1, 0, 1 << bits);
    for (let known = 0; known < this.size; known++) {
      let at = doubleHash(values[known]!, words[2 * known]!, words[2 * known + 1]!, shift);
      while (table[at]! >= 0) at = (at + 1) & mask;
      table[at] = known;
    }
  }
}

const doubleIds = new DoubleIds();

// A double's slot in a table of 2^(32 - shift) entries, hashed on its bits (-0 as 0). The bits
// are read from an Int32Array view of the values: writing a double to read its words back
// stalled the load on the store (the doubles' coding took 40% longer).
function doubleHash(value: number, low: number, high: number, shift: number): number {
  const hash = Math.imul(low ^ Math.imul(value === 0 ? 0 : high, 0x9e3779b1), 0x85ebca6b);
  return Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> shift;
}

// The bits of doubles, two words each (low first), without a copy.
function wordsOf(doubles: Float64Array): Int32Array {
  return new Int32Array(doubles.buffer, doubles.byteOffset, 2 * doubles.length);
}

/**
 * Sets each slot's index among the distinct doubles, in order of appearance (-1 where
 * absent), and returns them with the number of slots with a value; undefined as soon as their
 * dictionary cannot pay (see dictionaryFails). Until the last slot that number is not known:
 * the check takes every slot not yet read as present, which fails no later than the count
 * would (a dictionary fails for fewer present slots if it fails for more), and saves a pass.
 */
function codeDoubles(doubles: Float64Array, indexes: Int32Array): { used: Float64Array; present: number } | undefined {
  doubleIds.reset(doubles.length);
  const absent = codeDoubleSlots(doubles, indexes, doubleIds);
  if (absent < 0) return undefined;
  return { used: doubleIds.values.slice(0, doubleIds.size), present: doubles.length - absent };
}

// codeDoubles' loop: the absent slots, or -1 when the dictionary does not pay. A function of
// its own that only returns after its loop: V8 compiles a long loop while it runs (on-stack
// replacement) and gave up that code, chunk after chunk, on the unseen code that followed it.
function codeDoubleSlots(doubles: Float64Array, indexes: Int32Array, ids: DoubleIds): number {
  const slots = doubles.length;
  const words = wordsOf(doubles);
  let absent = 0;
  for (let i = 0; i < slots; i++) {
    const value = doubles[i]!;
    if (Number.isNaN(value)) {
      indexes[i] = -1;
      absent++;
      continue;
    }
    const size = ids.size;
    const id = ids.idOf(value, words[2 * i]!, words[2 * i + 1]!);
    indexes[i] = id;
    if (id === size && dictionaryFails(size + 1, 8 * (size + 1), slots - absent, 8 * (slots - absent))) return -1;
  }
  return absent;
}
