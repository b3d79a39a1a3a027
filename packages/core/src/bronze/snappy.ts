// Snappy compression of a page, byte for byte as hyparquet-writer's `snappyCompress` (itself
// snappyjs's algorithm: the whole input as one block, a hash table of up to 2^14 entries,
// offsets up to 64 KB) compresses it, but into one reused output buffer: hyparquet-writer's
// grows a ByteWriter a byte at a time through a bounds check and a DataView call, which was a
// fifth of the encoding thread's time.

const MAX_HASH_TABLE_BITS = 14;
const MAX_OFFSET = 0xffff;
const INPUT_MARGIN = 15;
const hashTables: Uint32Array[] = [];
let output = new Uint8Array(1 << 16);
let op = 0;

/**
 * Snappy-compresses `input`. The bytes returned are a view of a buffer the next call
 * overwrites: copy them (append them to the file) before compressing again.
 * @param input the bytes to compress
 * @returns the compressed bytes, valid until the next call
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  // The worst case: every byte a literal, a tag per 60, and the length up front.
  const bound = 32 + input.length + Math.ceil(input.length / 6);
  if (output.length < bound) output = new Uint8Array(bound);
  op = 0;
  let length = input.length;
  while (length & ~0x7f) {
    output[op++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  output[op++] = length;
  compress(input);
  return output.subarray(0, op);
}

// snappyjs's hash (the reference implementation's).
function hash(key: number, shift: number): number {
  return Math.imul(key, 0x1e35a7bd) >>> shift;
}

// 32 bits at `at`, little-endian. Past the end (only ever read for a lookup the loop then
// leaves unused) it is 0, where snappyjs sums undefined bytes to NaN.
function load32(input: Uint8Array, view: DataView, at: number): number {
  return at + 4 <= input.length ? view.getInt32(at, true) : 0;
}

function emitLiteral(input: Uint8Array, at: number, length: number): void {
  if (length <= 60) output[op++] = (length - 1) << 2;
  else {
    const value = length - 1;
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    output[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) output[op++] = (value >>> (i * 8)) & 0xff;
  }
  if (length < 16) for (let i = 0; i < length; i++) output[op++] = input[at + i]!;
  else {
    output.set(input.subarray(at, at + length), op);
    op += length;
  }
}

function emitCopyUpTo64(offset: number, length: number): void {
  if (length < 12 && offset < 2048) {
    output[op++] = 1 + ((length - 4) << 2) + ((offset >>> 8) << 5);
    output[op++] = offset & 0xff;
  } else {
    output[op++] = 2 + ((length - 1) << 2);
    output[op++] = offset & 0xff;
    output[op++] = offset >>> 8;
  }
}

function emitCopy(offset: number, length: number): void {
  while (length >= 68) {
    emitCopyUpTo64(offset, 64);
    length -= 64;
  }
  if (length > 64) {
    emitCopyUpTo64(offset, 60);
    length -= 60;
  }
  emitCopyUpTo64(offset, length);
}

// The bytes from `ip` equal to those from `candidate` (4 known), up to `size`: four at a time,
// the first unequal word giving the equal bytes before it (its lowest set bit), the last few
// byte by byte; the same length as byte by byte (the byte loop was a third of the time of the
// timestamps' matches).
function matchLength(input: Uint8Array, view: DataView, candidate: number, ip: number, size: number): number {
  let matched = 4;
  while (ip + matched + 4 <= size) {
    const differing = view.getInt32(ip + matched, true) ^ view.getInt32(candidate + matched, true);
    if (differing !== 0) return matched + ((31 - Math.clz32(differing & -differing)) >> 3);
    matched += 4;
  }
  while (ip + matched < size && input[ip + matched] === input[candidate + matched]) matched++;
  return matched;
}

function compress(input: Uint8Array): void {
  const size = input.length;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let bits = 1;
  while (1 << bits <= size && bits <= MAX_HASH_TABLE_BITS) bits++;
  bits--;
  const shift = 32 - bits;
  hashTables[bits] ??= new Uint32Array(1 << bits);
  const table = hashTables[bits]!;
  table.fill(0);
  let nextEmit = 0;
  if (size >= INPUT_MARGIN) {
    const ipLimit = size - INPUT_MARGIN;
    let ip = 1;
    let nextHash = hash(load32(input, view, ip), shift);
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const current = nextHash;
        const step = skip >>> 5;
        skip++;
        nextIp = ip + step;
        if (ip > ipLimit) break outer;
        nextHash = hash(load32(input, view, nextIp), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate > MAX_OFFSET || view.getInt32(ip, true) !== view.getInt32(candidate, true));
      emitLiteral(input, nextEmit, ip - nextEmit);
      do {
        const base = ip;
        const matched = matchLength(input, view, candidate, ip, size);
        ip += matched;
        emitCopy(base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[hash(load32(input, view, ip - 1), shift)] = ip - 1;
        const current = hash(load32(input, view, ip), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate <= MAX_OFFSET && view.getInt32(ip, true) === view.getInt32(candidate, true));
      ip++;
      nextHash = hash(load32(input, view, ip), shift);
    }
  }
  if (nextEmit < size) emitLiteral(input, nextEmit, size - nextEmit);
}
