import type { MetricName, SliceMetricRow } from './types.ts';

/**
 * Worst-first order of one window's slices for one metric (issue 6: the
 * dashboard and GET /v1/slices show the worst slice first).
 */

/** Which way a metric gets worse. */
export type BadDirection = 'up' | 'down' | 'either';

/**
 * Rates, latencies and distances from the baseline grow when things get
 * worse; agreement (kappa) falls; volume is suspect both ways, a drop as
 * much as a surge.
 */
export function badDirection(metric: MetricName): BadDirection {
  if (metric === 'volume') return 'either';
  if (metric === 'model_kappa' || metric === 'reviewer_kappa') return 'down';
  return 'up';
}

/**
 * Metrics whose value is itself a distance from the baseline (no
 * baseline_value is stored for them): the value is the change.
 */
const DISTANCES: ReadonlySet<MetricName> = new Set(['score_psi', 'score_ks', 'label_js', 'label_chi2']);

export type RankedFields = Pick<SliceMetricRow, 'value' | 'baseline_value' | 'q_value' | 'degraded'>;

function finite(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** How far the row moved from its baseline in the metric's bad direction (negative: it improved); null when unknown. */
export function badChange(row: RankedFields, metric: MetricName): number | null {
  const value = finite(row.value);
  if (value === null) return null;
  const delta = DISTANCES.has(metric)
    ? value
    : finite(row.baseline_value) === null
      ? null
      : value - row.baseline_value!;
  if (delta === null) return null;
  const dir = badDirection(metric);
  return dir === 'up' ? delta : dir === 'down' ? -delta : Math.abs(delta);
}

/** Larger is worse; null sorts after every number. */
function worseFirst(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return b - a;
}

/** Smaller is worse (q values); null sorts after every number. */
function smallerFirst(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return a - b;
}

/**
 * Rows of one metric, worst first, in a new array: degraded first; then the
 * lowest q value (none last); then the largest change in the metric's bad
 * direction (unknown last); then the value in the bad direction (volume has
 * none); ties keep their input order.
 */
export function rankSlices<T extends RankedFields>(rows: readonly T[], metric: MetricName): T[] {
  const dir = badDirection(metric);
  const keyed = rows.map((row) => {
    const value = finite(row.value);
    return {
      row,
      q: finite(row.q_value),
      change: badChange(row, metric),
      bad: value === null || dir === 'either' ? null : dir === 'up' ? value : -value,
    };
  });
  // Array.prototype.sort is stable (ES2019), which keeps ties in input order
  keyed.sort(
    (a, b) =>
      Number(b.row.degraded) - Number(a.row.degraded) ||
      smallerFirst(a.q, b.q) ||
      worseFirst(a.change, b.change) ||
      worseFirst(a.bad, b.bad),
  );
  return keyed.map((k) => k.row);
}
