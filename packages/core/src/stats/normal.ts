import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

/** Upper tail P(Z > z) of the standard normal, as Φ(−z) so tiny tails keep their relative precision. */
export function normalSf(z: number): number {
  return normalCdf(-z, 0, 1);
}

/**
 * z with P(Z > z) = tail, for tail in (0, 0.5). The dependency ships the CDF
 * but no quantile, so this solves ln Φ(−z) = ln tail by Newton's method; that
 * function is concave, so after the first step the iterates approach the root
 * monotonically from above and converge quadratically.
 */
export function normalUpperQuantile(tail: number): number {
  if (!(tail > 0 && tail < 0.5)) throw new RangeError(`tail must be in (0, 0.5), got ${tail}`);
  const target = Math.log(tail);
  let z = 0;
  for (let i = 0; i < 100; i++) {
    const sf = normalSf(z);
    const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const step = (Math.log(sf) - target) / (density / sf);
    z += step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, z)) break;
  }
  return z;
}
