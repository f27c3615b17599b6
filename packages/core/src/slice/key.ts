import { escapeSliceValue } from './escape.ts';

/**
 * Building slice keys: `dim=value` over decision_type and the configured
 * slice dimensions, sorted by dimension name, joined by ','; `*` is the whole
 * traffic. Values are escaped (escape.ts); dimension names need not be, the
 * config schema allows none of `\`, `,`, `=` in them (DIMENSION).
 */

/** The dimension decision types are keyed under, alongside the configured slice dimensions. */
export const DECISION_TYPE_DIM = 'decision_type';

/** The key of the whole traffic, the slice with no pairs. */
export const ALL_SLICES = '*';

/** One `dim=value` pair of a slice key, the value unescaped. */
export interface SlicePair {
  dim: string;
  value: string;
}

export type SliceKeyFn = (decisionType: string, slices: Record<string, string>) => string;

/**
 * A slice key function for fixed dimensions, sorting them once: the sampler
 * calls it per trace, so per call it only concatenates (escapeSliceValue
 * returns ordinary values as they are), and slice_metrics relies on this
 * exact format, which store's SQL builds too.
 */
export function sliceKeyOf(sliceBy: readonly string[]): SliceKeyFn {
  const dims = [...new Set([DECISION_TYPE_DIM, ...sliceBy])].sort();
  const prefixes = dims.map((d, i) => `${i === 0 ? '' : ','}${d}=`);
  return (decisionType, slices) => {
    let key = '';
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i]!;
      key += prefixes[i]! + escapeSliceValue(d === DECISION_TYPE_DIM ? decisionType : (slices[d] ?? ''));
    }
    return key;
  };
}

/**
 * Canonical slice key of a decision: decision_type and each of sliceBy; a
 * missing dimension has an empty value.
 */
export function sliceKey(decisionType: string, slices: Record<string, string>, sliceBy: readonly string[]): string {
  return sliceKeyOf(sliceBy)(decisionType, slices);
}

/**
 * The key of `pairs` in the order given (sorted by dimension, it is the
 * canonical key), `*` when there are none.
 */
export function sliceOfPairs(pairs: readonly SlicePair[]): string {
  if (pairs.length === 0) return ALL_SLICES;
  let key = '';
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    key += `${i === 0 ? '' : ','}${p.dim}=${escapeSliceValue(p.value)}`;
  }
  return key;
}
