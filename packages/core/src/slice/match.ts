import { DIMENSION } from '../config-schema.ts';
import { unescapedIndexOf, unescapeSliceValue } from './escape.ts';
import { ALL_SLICES, type SlicePair, sliceOfPairs } from './key.ts';
import { slicePairs } from './parse.ts';

/**
 * Slice matchers, as silences hold them: a matcher is a slice key whose pairs
 * a slice must all have (`language=hi` matches `decision_type=refund,language=hi`);
 * `*` matches every slice.
 */

const MATCHER_EXAMPLE = 'e.g. language=hi or decision_type=refund,language=hi';

/**
 * A matcher as typed (`language=hi, decision_type=refund`) → its canonical
 * form, the slice key of its pairs sorted by dimension. Spaces around pairs,
 * dimensions and values are dropped. A value may hold `=` as is; a `,` is
 * written `\,` (and `\` as `\\`), as in keys, so a slice key is a matcher of
 * itself. Throws RangeError naming what is wrong.
 */
export function parseSliceMatcher(text: string): string {
  const trimmed = text.trim();
  if (trimmed === ALL_SLICES) return ALL_SLICES;
  if (trimmed === '')
    throw new RangeError(`empty slice matcher: write "*" for every slice, or dim=value pairs, ${MATCHER_EXAMPLE}`);
  const pairs: SlicePair[] = [];
  for (let start = 0; start <= trimmed.length; ) {
    const end = unescapedIndexOf(trimmed, ',', start);
    const part = trimmed.slice(start, end).trim();
    start = end + 1;
    const eq = unescapedIndexOf(part, '=');
    if (eq === part.length) {
      throw new RangeError(
        `"${part}" is not a dim=value pair: a slice matcher is pairs joined by "," (write a "," in a value as "\\,"), ${MATCHER_EXAMPLE}`,
      );
    }
    const dim = part.slice(0, eq).trim();
    if (!DIMENSION.test(dim)) {
      throw new RangeError(
        `"${dim}" (in "${part}") is not a dimension name: a letter or _ then letters, digits, _, . or -`,
      );
    }
    if (pairs.some((p) => p.dim === dim))
      throw new RangeError(`dimension "${dim}" is given twice; a slice has one value per dimension`);
    pairs.push({ dim, value: unescapeSliceValue(part.slice(eq + 1).trim()) });
  }
  return sliceOfPairs(pairs.sort((a, b) => (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0)));
}

/** Whether `have` holds every pair of `want` (same dimension, same value). */
export function containsPairs(have: readonly SlicePair[], want: readonly SlicePair[]): boolean {
  return want.every((w) => have.some((h) => h.dim === w.dim && h.value === w.value));
}

/** Whether the slice key `slice` matches `matcher` (a canonical matcher or a slice key). */
export function sliceMatches(matcher: string, slice: string): boolean {
  if (matcher === ALL_SLICES) return true;
  return containsPairs(slicePairs(slice), slicePairs(matcher));
}
