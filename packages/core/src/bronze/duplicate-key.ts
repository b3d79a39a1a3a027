/**
 * The duplicate-key check. JSON.parse keeps only the last value of a key given twice in one
 * object, silently, so a record that repeats a key is rejected rather than stored with a
 * value lost. The check is a count: each key written in a value's text is followed by
 * exactly one `:` outside strings, and the parsed value keeps one key per distinct name in
 * each object, so the value repeats a key exactly when its text writes more keys than its
 * parsed objects hold.
 *
 * Who supplies what: the splitter counts the `:` of the values it scans, in its scanning
 * loop (`RawValue.writtenKeys`); the record checker counts the parsed keys in its walk and
 * asks {@link hasDuplicateKey}. The plain reader (`plain-line.ts`) declines every line that
 * gives a key twice, so such lines reach this check through the general path.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/**
 * Whether a value's text gives some key twice in one object.
 * @param text the value's text, which JSON.parse accepted
 * @param writtenKeys the keys its text writes, when the splitter counted them (see {@link countKeyColons})
 * @param parsedKeys the keys of every object of the parsed value, at any depth
 */
export function hasDuplicateKey(text: string, writtenKeys: number | undefined, parsedKeys: number): boolean {
  if (writtenKeys !== undefined) return writtenKeys !== parsedKeys;
  // Not counted (a line parsed whole): the cheap bound settles the usual case, where no key repeats.
  return keyColonBound(text) !== parsedKeys && countKeyColons(text) !== parsedKeys;
}

/**
 * Counts the `:` outside strings in one JSON value's text: its number of keys as written,
 * duplicates included.
 * @param text one JSON value
 */
export function countKeyColons(text: string): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COLON) count++;
  }
  return count;
}

// Counts the `:` that follow a `"` (whitespace aside): every key's colon does, so this is at
// least the number of keys written, found with indexOf instead of a scan of every character.
function keyColonBound(text: string): number {
  let count = 0;
  for (let k = text.indexOf(":"); k !== -1; k = text.indexOf(":", k + 1)) {
    let p = k - 1;
    while (p >= 0 && isSpace(text.charCodeAt(p))) p--;
    if (text.charCodeAt(p) === QUOTE) count++;
  }
  return count;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}
