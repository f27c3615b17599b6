/**
 * Benjamini–Hochberg adjusted p-values (q-values), in input order: for the
 * p-value of rank r among m, q = min over ranks s ≥ r of min(1, m · p_(s) / s).
 * Rejecting every hypothesis with q ≤ α is the BH step-up procedure at false
 * discovery rate α (Benjamini & Hochberg 1995, J. R. Stat. Soc. B 57(1):289–300),
 * valid for independent or positively dependent tests, as slices of one
 * window are. q-values are monotone in p and tied p-values share a q-value.
 *
 * A NaN p-value would silently sort anywhere and corrupt every rank after it,
 * so it is rejected with its index, as is anything outside [0, 1].
 * Reference: statsmodels.stats.multitest.multipletests(p, method='fdr_bh')[1].
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  for (const [i, p] of pValues.entries()) {
    if (Number.isNaN(p)) throw new RangeError(`p-value at index ${i} is NaN`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value at index ${i} must be in [0, 1], got ${p}`);
  }
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => pValues[i]! - pValues[j]!);
  const q = new Array<number>(m);
  let running = 1; // the cap at 1; q_(m) = p_(m) ≤ 1 already, so it never binds for valid input
  for (let rank = m; rank >= 1; rank--) {
    const i = order[rank - 1]!;
    running = Math.min(running, (pValues[i]! * m) / rank);
    q[i] = running;
  }
  return q;
}
