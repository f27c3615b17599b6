import { assertCount } from './validate.ts';

export interface CohenKappa {
  /** null when undefined: no pairs, or both raters always used the same single label (chance agreement 1). */
  kappa: number | null;
  /** Total count of rated items. */
  n: number;
  /** Observed agreement p_o, the share of items both raters labelled alike (NaN when n = 0). */
  observed: number;
  /** Chance agreement p_e = Σ_l p_A(l) · p_B(l) from the two raters' marginals (NaN when n = 0). */
  expected: number;
}

/**
 * Cohen's kappa κ = (p_o − p_e) / (1 − p_e) for two raters (Cohen 1960), from
 * counts of (rater A label, rater B label). Labels are nominal; a label only one
 * rater used simply has a zero marginal on the other side. The same pair may
 * appear more than once (its counts add up), and counts may be fractional
 * (sampling weights).
 *
 * References: Wikipedia "Cohen's kappa" (50-proposal example, κ = 0.4);
 * statsmodels.stats.inter_rater.cohens_kappa; sklearn.metrics.cohen_kappa_score.
 */
export function cohenKappa(pairs: Iterable<readonly [a: string, b: string, count: number]>): CohenKappa {
  const byA = new Map<string, number>();
  const byB = new Map<string, number>();
  let n = 0;
  let agree = 0;
  for (const [a, b, count] of pairs) {
    assertCount(count, `count for (${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    if (count === 0) continue;
    n += count;
    if (a === b) agree += count;
    byA.set(a, (byA.get(a) ?? 0) + count);
    byB.set(b, (byB.get(b) ?? 0) + count);
  }
  if (n === 0) return { kappa: null, n: 0, observed: Number.NaN, expected: Number.NaN };

  let chance = 0; // n² · p_e
  for (const [label, countA] of byA) chance += countA * (byB.get(label) ?? 0);
  // Scaled by n², so integer counts keep p_e = 1 exact and that case is not
  // turned into ±Infinity by a rounding residue.
  const denominator = n * n - chance;
  return {
    kappa: denominator > 0 ? (n * agree - chance) / denominator : null,
    n,
    observed: agree / n,
    expected: chance / (n * n),
  };
}
