import { assertCounts, labelUnion } from './validate.ts';

/**
 * Jensen–Shannon distance √JS(p, q) with base-2 logarithms, so it lies in
 * [0, 1] (0 for equal label mixes, 1 for disjoint ones), between the normalised
 * label counts over the union of labels. Unlike KL it is finite when a label is
 * missing on one side, and unlike chi-square it does not grow with sample size,
 * so it reads as an effect size.
 *
 * Each term uses ln(p/m) = log1p((p − q)/(p + q)) rather than ln(p/m) directly:
 * for nearly equal mixes the terms are tiny and the direct form loses most of
 * its digits to rounding of p/m (scipy's implementation does, see the tests).
 *
 * null when either side has no counts. Reference:
 * scipy.spatial.distance.jensenshannon(p, q, base=2).
 */
export function jensenShannonDistance(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): number | null {
  const totalA = assertCounts(a, 'count in a');
  const totalB = assertCounts(b, 'count in b');
  if (totalA === 0 || totalB === 0) return null;
  let sum = 0; // 2 · JS in nats
  for (const label of labelUnion(a, b)) {
    const p = (a[label] ?? 0) / totalA;
    const q = (b[label] ?? 0) / totalB;
    if (p === 0 && q === 0) continue;
    const r = (p - q) / (p + q);
    if (p > 0) sum += p * Math.log1p(r);
    if (q > 0) sum += q * Math.log1p(-r);
  }
  const js = sum / (2 * Math.LN2);
  // Rounding can leave a hair below 0 or above 1; the distance is defined on [0, 1].
  return Math.sqrt(Math.min(1, Math.max(0, js)));
}
