import { Buffer, isAscii, isUtf8 } from "node:buffer";
import { UnparseableFileError } from "./errors";

/**
 * Decodes a byte stream as strict UTF-8, chunk by chunk: a multi-byte character split
 * across chunks is carried over, a leading byte-order mark is dropped, and invalid bytes
 * throw {@link UnparseableFileError}. Pure-ASCII chunks (the usual case) take a fast path.
 */
export class Utf8Decoder {
  private carry: Uint8Array | undefined;
  private bytesSeen = 0;
  private started = false;

  /** Decodes the next chunk; returns "" while waiting for more bytes of a character. */
  decode(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.carry) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry);
      bytes.set(chunk, this.carry.length);
      this.carry = undefined;
    }
    if (!this.started) {
      // The BOM check needs the first three bytes, which a tiny first chunk may not hold.
      if (bytes.length < 3 && bytes.every((b, i) => b === [0xef, 0xbb, 0xbf][i])) {
        this.carry = bytes;
        return "";
      }
      this.started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        this.bytesSeen += 3;
      }
    }
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (isAscii(buffer)) {
      this.bytesSeen += buffer.length;
      return buffer.toString("latin1");
    }
    const end = completeLength(buffer);
    const whole = buffer.subarray(0, end);
    if (!isUtf8(whole))
      throw new UnparseableFileError(
        `file is not valid UTF-8 (within bytes ${this.bytesSeen}..${this.bytesSeen + end})`,
      );
    if (end < buffer.length) this.carry = Uint8Array.prototype.slice.call(buffer, end);
    this.bytesSeen += end;
    return whole.toString("utf8");
  }

  /** Ends the stream; throws when it stops inside a multi-byte character. */
  end(): void {
    // Leftover bytes are a character (or a byte-order mark) cut short.
    if (this.carry?.length)
      throw new UnparseableFileError("file is not valid UTF-8 (it ends inside a multi-byte character)");
  }
}

// Length of the prefix that ends on a character boundary (a trailing partial sequence excluded).
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 4 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n; // malformed; isUtf8 reports it
}
