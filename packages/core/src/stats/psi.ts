import { quantileEdges, rebin } from './histogram.ts';
import { assertHistogram, assertSameLength } from './validate.ts';

/**
 * Population Stability Index Σ (a_i − e_i) · ln(a_i / e_i) over proportions of
 * the same bins; equivalently the symmetrised Kullback–Leibler divergence
 * KL(a‖e) + KL(e‖a).
 *
 * A bin empty on one side would make the index infinite, so each proportion is
 * floored at `epsilon` (standard practice in credit-risk PSI; the floored
 * proportions are deliberately not renormalised). With the default 1e-4 an
 * empty bin contributes at most about (share) · 9.2, so one empty bin cannot
 * swamp the rest. Bins empty on both sides contribute 0.
 *
 * null when either histogram has no mass: there is no distribution to compare.
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = 1e-4): number | null {
  assertSameLength(expected, actual, 'expected and actual');
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1), got ${epsilon}`);
  const totalE = assertHistogram(expected, 'expected');
  const totalA = assertHistogram(actual, 'actual');
  if (totalE === 0 || totalA === 0) return null;
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]! / totalE, epsilon);
    const a = Math.max(actual[i]! / totalA, epsilon);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * PSI of a score distribution against its baseline, on coarse bins fixed by the
 * baseline's deciles so each expected bin holds about a tenth of the baseline
 * mass (equal-width bins would leave most of them nearly empty for a skewed
 * score). Both inputs are fine histograms on the same grid.
 */
export function scorePsi(baselineHist: readonly number[], currentHist: readonly number[]): number | null {
  assertSameLength(baselineHist, currentHist, 'baseline and current');
  const edges = quantileEdges(baselineHist);
  return psi(rebin(baselineHist, edges), rebin(currentHist, edges));
}
