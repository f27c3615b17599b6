import { normalSf, normalUpperQuantile } from './normal.ts';
import { assertCount } from './validate.ts';

export interface ZTest {
  z: number;
  pValue: number;
}

function assertProportion(x: number, n: number, what: string): void {
  assertCount(x, `${what} successes`);
  assertCount(n, `${what} trials`);
  if (x > n) throw new RangeError(`${what} successes (${x}) exceed trials (${n})`);
}

/**
 * One-sided pooled two-proportion z-test of H1: p1 > p0 (current rate x1/n1
 * above baseline x0/n0). Under H0 both share the pooled rate p̂, so
 * z = (p̂1 − p̂0) / √(p̂(1 − p̂)(1/n1 + 1/n0)) and p = P(Z > z).
 *
 * null when a side has no trials or the pooled rate is 0 or 1: with no
 * variance there is nothing to test. Reference:
 * statsmodels.stats.proportion.proportions_ztest([x1, x0], [n1, n0], alternative='larger').
 */
export function twoProportionIncrease(x1: number, n1: number, x0: number, n0: number): ZTest | null {
  assertProportion(x1, n1, 'current');
  assertProportion(x0, n0, 'baseline');
  if (n1 === 0 || n0 === 0) return null;
  const pooled = (x1 + x0) / (n1 + n0);
  if (pooled <= 0 || pooled >= 1) return null;
  const z = (x1 / n1 - x0 / n0) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  return { z, pValue: normalSf(z) };
}

/**
 * Wilson score interval for a proportion (Wilson 1927): unlike the Wald
 * interval it stays inside [0, 1] and keeps its coverage for small n and rates
 * near 0 or 1, which is where slice rates live. With n = 0 nothing is known and
 * the interval is [0, 1]. The bounds at x = 0 and x = n are exactly 0 and 1.
 * Reference: statsmodels.stats.proportion.proportion_confint(method='wilson').
 */
export function wilsonInterval(x: number, n: number, confidence = 0.95): { low: number; high: number } {
  assertProportion(x, n, 'interval');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (n === 0) return { low: 0, high: 1 };
  const z = normalUpperQuantile((1 - confidence) / 2);
  const z2 = z * z;
  const p = x / n;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return {
    low: x === 0 ? 0 : Math.max(0, center - half),
    high: x === n ? 1 : Math.min(1, center + half),
  };
}
