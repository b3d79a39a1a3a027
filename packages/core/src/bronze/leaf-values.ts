// The forms a leaf column's values come in (what bronze packs, read without a JS value per
// row), and the readers of their slots that the chunk, dictionary, values and statistics
// writers share.

/**
 * One leaf column's values in a row group, one slot per value the Dremel levels describe (a
 * row, or an item of a list), with absent slots marked as each form says.
 */
export type LeafValues =
  /** Text, each slot the index of its string in `dictionary` (distinct strings; -1 when absent). */
  | { kind: "coded"; dictionary: string[]; codes: Int32Array }
  /** Text, concatenated in slot order, each slot's length in UTF-16 units (-1 when absent). */
  | { kind: "joined"; joined: string; lengths: Int32Array }
  /** Doubles; NaN marks an absent slot. */
  | { kind: "double"; values: Float64Array }
  /** 64-bit integers; `present[i]` is 0 where slot i is absent. */
  | { kind: "int64"; values: BigInt64Array; present: Uint8Array }
  /** Booleans as 1/0; -1 marks an absent slot. */
  | { kind: "boolean"; values: Int8Array }
  /** 32-bit integers, every slot present. */
  | { kind: "int32"; values: Int32Array };

/**
 * 1 where a slot has a value, 0 where it is absent, added to `above` (a struct field's levels:
 * one pass where flags then a sum took two); one loop per form, as each reads its own array type.
 * @param values the leaf's values
 * @param above a base per slot to add the flags to (left as it is), or one base for every slot
 * @returns one flag (or level) per slot
 */
export function presentFlags(values: LeafValues, above: Uint8Array | number = 0): Uint8Array {
  const flags = typeof above === "number" ? new Uint8Array(slotCount(values)).fill(above) : above.slice();
  switch (values.kind) {
    case "coded":
      for (let i = 0, codes = values.codes; i < flags.length; i++) flags[i]! += codes[i]! < 0 ? 0 : 1;
      break;
    case "joined":
      for (let i = 0, lengths = values.lengths; i < flags.length; i++) flags[i]! += lengths[i]! < 0 ? 0 : 1;
      break;
    case "double":
      for (let i = 0, doubles = values.values; i < flags.length; i++) flags[i]! += Number.isNaN(doubles[i]!) ? 0 : 1;
      break;
    case "boolean":
      for (let i = 0, booleans = values.values; i < flags.length; i++) flags[i]! += booleans[i]! < 0 ? 0 : 1;
      break;
    case "int64":
      for (let i = 0, present = values.present; i < flags.length; i++) flags[i]! += present[i]!;
      break;
    case "int32":
      for (let i = 0; i < flags.length; i++) flags[i]!++;
  }
  return flags;
}

/**
 * Whether every slot has a value: one read-only pass, left at the first absent slot.
 * @param values the leaf's values
 * @returns true when no slot is absent
 */
export function allPresent(values: LeafValues): boolean {
  const slots = slotCount(values);
  let i = 0;
  switch (values.kind) {
    case "coded":
      for (const codes = values.codes; i < slots && codes[i]! >= 0; ) i++;
      break;
    case "joined":
      for (const lengths = values.lengths; i < slots && lengths[i]! >= 0; ) i++;
      break;
    case "double":
      for (const doubles = values.values; i < slots && !Number.isNaN(doubles[i]!); ) i++;
      break;
    case "boolean":
      for (const booleans = values.values; i < slots && booleans[i]! >= 0; ) i++;
      break;
    case "int64":
      for (const present = values.present; i < slots && present[i] === 1; ) i++;
      break;
    case "int32":
      i = slots;
  }
  return i === slots;
}

/**
 * The number of slots of a leaf's values.
 * @param values the leaf's values
 * @returns its slots, present or absent
 */
export function slotCount(values: LeafValues): number {
  return values.kind === "coded"
    ? values.codes.length
    : values.kind === "joined"
      ? values.lengths.length
      : values.values.length;
}

// Whether slot i holds no value.
function absentAt(values: LeafValues, i: number): boolean {
  switch (values.kind) {
    case "coded":
      return values.codes[i]! < 0;
    case "joined":
      return values.lengths[i]! < 0;
    case "double":
      return Number.isNaN(values.values[i]!);
    case "int64":
      return values.present[i] === 0;
    case "boolean":
      return values.values[i]! < 0;
    case "int32":
      return false;
  }
}

/**
 * Each slot's start in a joined text (in UTF-16 units), and the end as the last entry.
 * @param lengths each slot's length (-1 when absent)
 * @returns one start per slot, then the end
 */
export function charOffsets(lengths: Int32Array): Int32Array {
  const starts = new Int32Array(lengths.length + 1);
  // Each slot sets the next one's start, the end included: nothing but the return follows the
  // loop, so V8's code compiled mid-loop (on-stack replacement) has no unseen code after it to
  // give up on (it did, for the rest of the file's chunks: 25 ms a million rows).
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length > 0) offset += length;
    starts[i + 1] = offset;
  }
  return starts;
}

/**
 * The value of slot i as hyparquet-writer would get it (null when absent); for the sample
 * and the statistics, which read few slots or only when asked.
 * @param values the leaf's values
 * @param i the slot
 * @param starts the slots' starts ({@link charOffsets}) when the values are joined text
 * @returns the slot's value, or null
 */
export function valueAt(values: LeafValues, i: number, starts?: Int32Array): string | number | bigint | boolean | null {
  if (absentAt(values, i)) return null;
  switch (values.kind) {
    case "coded":
      return values.dictionary[values.codes[i]!]!;
    case "joined":
      return values.joined.slice(starts![i], starts![i]! + values.lengths[i]!);
    case "boolean":
      return values.values[i] === 1;
    default:
      return values.values[i]!;
  }
}
