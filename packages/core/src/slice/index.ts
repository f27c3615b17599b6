/**
 * Slice keys (issue 17): the one place that builds, parses, escapes and
 * matches them. store's SQL follows the same format (slice-aggregates.ts
 * builds keys, slice-sql.ts turns them into conditions).
 */
export { escapeSliceValue, unescapeSliceValue } from './escape.ts';
export {
  ALL_SLICES,
  DECISION_TYPE_DIM,
  type SliceKeyFn,
  type SlicePair,
  sliceKey,
  sliceKeyOf,
  sliceOfPairs,
} from './key.ts';
export { containsPairs, parseSliceMatcher, sliceMatches } from './match.ts';
export { slicePairs } from './parse.ts';
