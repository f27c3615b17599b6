/** The dimension name decision types are keyed under, alongside the configured slice dimensions. */
export const DECISION_TYPE_DIM = 'decision_type';

export type SliceKeyFn = (decisionType: string, slices: Record<string, string>) => string;

/**
 * Builds a slice key function for fixed dimensions, sorting them once: the
 * sampler calls it per trace, and slice_metrics relies on this exact format.
 */
export function sliceKeyOf(sliceBy: readonly string[]): SliceKeyFn {
  const dims = [...new Set([DECISION_TYPE_DIM, ...sliceBy])].sort();
  const prefixes = dims.map((d, i) => `${i === 0 ? '' : ','}${d}=`);
  return (decisionType, slices) => {
    let key = '';
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i]!;
      key += prefixes[i]! + (d === DECISION_TYPE_DIM ? decisionType : (slices[d] ?? ''));
    }
    return key;
  };
}

/**
 * Canonical slice key: `dim=value` over decision_type and each of sliceBy,
 * sorted by dimension name, joined by ','; a missing dimension has an empty
 * value. Values are not escaped, so a value holding ',' or '=' is ambiguous.
 */
export function sliceKey(decisionType: string, slices: Record<string, string>, sliceBy: readonly string[]): string {
  return sliceKeyOf(sliceBy)(decisionType, slices);
}
