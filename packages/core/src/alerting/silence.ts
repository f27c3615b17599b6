import { DIMENSION } from '../config-schema.ts';
import type { Silence } from './types.ts';

/**
 * Slice keys as the scorer writes them (`decision_type=refund,language=hi`,
 * `*` for the whole traffic), taken apart for matching, and the silences
 * matched against them.
 */

/**
 * The `dim=value` pairs of a slice key, in key order (`*` has none). A part
 * without '=' belongs to the value before it: values are not escaped, so a
 * value holding ',' is split by the join; one holding ',x=' stays ambiguous.
 */
export function slicePairs(slice: string): string[] {
  if (slice === '*' || slice === '') return [];
  const pairs: string[] = [];
  for (const part of slice.split(',')) {
    if (part.includes('=') || pairs.length === 0) pairs.push(part);
    else pairs[pairs.length - 1] += `,${part}`;
  }
  return pairs;
}

/** The dimension of a `dim=value` pair. */
export function pairDimension(pair: string): string {
  const eq = pair.indexOf('=');
  return eq < 0 ? pair : pair.slice(0, eq);
}

/** The slice key of sorted pairs: `*` when there are none. */
export function sliceOfPairs(pairs: readonly string[]): string {
  return pairs.length === 0 ? '*' : pairs.join(',');
}

const MATCHER_EXAMPLE = 'e.g. language=hi or decision_type=refund,language=hi';

/**
 * A `--slice` matcher as typed (`language=hi, decision_type=refund`) → its
 * canonical form: pairs sorted by dimension, joined by ',' (`*` matches every
 * slice). Throws RangeError naming what is wrong.
 */
export function parseSliceMatcher(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '*') return '*';
  if (trimmed === '')
    throw new RangeError(`empty slice matcher: write "*" for every slice, or dim=value pairs, ${MATCHER_EXAMPLE}`);
  const byDim = new Map<string, string>();
  for (const raw of trimmed.split(',')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq < 0) {
      throw new RangeError(
        `"${part}" is not a dim=value pair: a slice matcher is pairs joined by ",", ${MATCHER_EXAMPLE}`,
      );
    }
    const dim = part.slice(0, eq).trim();
    if (!DIMENSION.test(dim)) {
      throw new RangeError(
        `"${dim}" (in "${part}") is not a dimension name: a letter or _ then letters, digits, _, . or -`,
      );
    }
    if (byDim.has(dim)) throw new RangeError(`dimension "${dim}" is given twice; a slice has one value per dimension`);
    byDim.set(dim, part.slice(eq + 1).trim());
  }
  return [...byDim.keys()]
    .sort()
    .map((d) => `${d}=${byDim.get(d)}`)
    .join(',');
}

/** Whether silence `s` suppresses the alert of `rule` on `slice` at wall time `now`. */
export function silenceMatches(s: Silence, rule: string, slice: string, now: number): boolean {
  if (!silenceApplies(s, rule, now)) return false;
  if (s.slice === '*') return true;
  const have = new Set(slicePairs(slice));
  return slicePairs(s.slice).every((p) => have.has(p));
}

/** The part of a match that does not depend on the slice: in effect at `now`, for `rule`. */
export function silenceApplies(s: Silence, rule: string, now: number): boolean {
  return now >= s.starts_at && now < s.ends_at && (s.rule === '*' || s.rule === rule);
}
