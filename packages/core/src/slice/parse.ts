import { unescapedIndexOf, unescapeSliceValue } from './escape.ts';
import { ALL_SLICES, type SlicePair } from './key.ts';

/**
 * A slice key → its `dim=value` pairs in key order, values unescaped (`*` and
 * '' have none). Pairs are split at the commas and each at the first `=`
 * that no backslash escapes. A part with no such `=` continues the value
 * before it, as keys were read before values were escaped: such a key was
 * written then, with a `,` in a value. Throws RangeError when the key does
 * not start with a pair. Dimension names are not checked here: whoever puts
 * one into SQL or a matcher does (dimensionExpr, parseSliceMatcher).
 */
export function slicePairs(key: string): SlicePair[] {
  if (key === ALL_SLICES || key === '') return [];
  const pairs: SlicePair[] = [];
  let start = 0;
  for (;;) {
    const end = unescapedIndexOf(key, ',', start);
    const eq = unescapedIndexOf(key, '=', start, end);
    if (eq < end) {
      pairs.push({ dim: key.slice(start, eq), value: unescapeSliceValue(key.slice(eq + 1, end)) });
    } else if (pairs.length > 0) {
      pairs[pairs.length - 1]!.value += `,${unescapeSliceValue(key.slice(start, end))}`;
    } else {
      throw new RangeError(`"${key.slice(start, end)}" in slice "${key}" is not a dim=value pair`);
    }
    if (end === key.length) return pairs;
    start = end + 1;
  }
}
