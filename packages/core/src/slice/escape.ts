/**
 * Slice values inside a key: `\`, `,` and `=` are written `\\`, `\,` and
 * `\=`, so a value holding the key's separators still parses back to itself.
 * Every other character is written as is, so the key of an ordinary value is
 * the same as before escaping existed (stored keys need no migration).
 * store's slice-aggregates.ts writes the same escapes in SQL; a test checks
 * the two agree.
 */

const SPECIAL = /[\\,=]/;
const SPECIAL_ALL = /[\\,=]/g;

/** `value` as written in a slice key. Returns `value` itself when nothing needs escaping (the sampler's per-trace path). */
export function escapeSliceValue(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, '\\$&') : value;
}

/**
 * A value as written in a slice key → the value. `\\`, `\,` and `\=` give the
 * character; any other backslash is kept as is, so a key written before
 * escaping, whose values may hold a lone `\`, still reads as it was written.
 */
export function unescapeSliceValue(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\' && (next === '\\' || next === ',' || next === '=')) {
      out += next;
      i++;
    } else out += c;
  }
  return out;
}

/**
 * Index of the first `ch` in text[from, to) that no backslash escapes, else
 * `to`: how keys and matchers are split at `,` and `=`.
 */
export function unescapedIndexOf(text: string, ch: string, from = 0, to = text.length): number {
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === ch) return i;
  }
  return to;
}
