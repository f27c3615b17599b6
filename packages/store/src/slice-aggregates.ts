import { PAIR_SEPARATOR, SCORE_BINS, type SliceAggregate } from '@livegrade/core';

/**
 * The one ClickHouse pass behind scoring (issue 4, DESIGN.md §6): every
 * slice of every grouping set over one time range, from `decisions` joined
 * to each decision's verdicts. A baseline is registered with the same query,
 * so live windows and baselines are computed alike.
 */

/** Dimensions that are columns of `decisions`; any other is a livegrade.slice.<dim> in the `slices` map. */
const COLUMN_DIMENSIONS = new Set(['decision_type', 'model', 'model_version', 'service']);

/** Dimension names are validated by the config schema ([A-Za-z_][A-Za-z0-9_.-]*), so they embed safely. */
function dimensionExpr(dim: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(dim)) throw new RangeError(`invalid slice dimension "${dim}"`);
  return COLUMN_DIMENSIONS.has(dim) ? `d.${dim}` : `d.slices['${dim}']`;
}

export interface AggregateRange {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  /** only decisions of this model version ('' or undefined: all) */
  modelVersion?: string | undefined;
}

/**
 * Grouping sets → SQL. Each set is sorted, so the slice key lists its
 * dimensions in the canonical order (`decision_type=refund,language=hi`);
 * the empty set, the whole traffic, is always included and keyed `*`.
 */
export function sliceAggregatesSql(groupingSets: readonly (readonly string[])[]): string {
  const sets = normalise(groupingSets);
  const dims = [...new Set(sets.flat())].sort();
  const alias = new Map(dims.map((d, i) => [d, `dim_${i}`]));
  const dimColumns = dims.map((d) => `${dimensionExpr(d)} AS ${alias.get(d)}`).join(',\n        ');
  // group_by_use_nulls makes the dimensions outside the current grouping set NULL; real values never are
  const parts = dims.map((d) => `if(isNull(${alias.get(d)}), '', concat('${d}=', ${alias.get(d)}))`);
  const sliceExpr =
    dims.length === 0
      ? `'*'`
      : `if(empty(arrayStringConcat(arrayFilter(p -> p != '', [${parts.join(', ')}]), ',') AS key), '*', key)`;
  const groupBy = sets.map((s) => `(${s.map((d) => alias.get(d)).join(', ')})`).join(', ');
  const sep = `char(${PAIR_SEPARATOR.charCodeAt(0)})`;
  const fineKeys = dims.map((d) => alias.get(d)).join(', ');
  const keyList = fineKeys ? `${fineKeys}, ` : '';
  const EMPTY_COUNTS = `(CAST([], 'Array(String)'), CAST([], 'Array(UInt64)'))`;
  // scores are stored as Float32: 0.29 comes back as 0.2899999916..., which a plain
  // floor(score * 100) puts in bin 28. A nudge of 1e-4 of a bin puts every
  // score that was written as a bin edge in that bin (scoreBin's rule in core).
  const bin = `if(isNull(score), ${SCORE_BINS}, least(${SCORE_BINS - 1}, toUInt32(greatest(0, score) * ${SCORE_BINS} + 1e-4)))`;
  return `
WITH
verdict_facts AS (
    -- One row per decision with verdicts. Verdicts come after their decision,
    -- so only those since the range's start (less a clock-skew slack) can
    -- belong to it. The per-decision review terms are computed here, on the
    -- few reviewed decisions, not on every decision of the window.
    SELECT
        decision_id,
        thumbs_down,
        review_n,
        senior_n,
        -- the reference review: the latest senior one, else the latest one
        if(senior_n > 0, senior_label, last_label) AS reference_label,
        senior_label,
        if(review_n = 2, concat(review_labels[1], ${sep}, review_labels[2]), '') AS pair_key,
        review_labels,
        -- Fleiss' P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1)); countEqual over each label gives sum_j n_ij^2
        if(review_n >= 2, (arraySum(arrayMap(l -> countEqual(review_labels, l), review_labels)) - review_n) / (review_n * (review_n - 1)), 0) AS pi
    FROM
    (
        SELECT
            decision_id,
            max(kind = 'feedback' AND value = 'thumbs_down') AS thumbs_down,
            countIf(kind = 'review') AS review_n,
            countIf(kind = 'review' AND seniority = 'senior') AS senior_n,
            argMaxIf(label, (ts, verdict_id), kind = 'review' AND seniority = 'senior') AS senior_label,
            argMaxIf(label, (ts, verdict_id), kind = 'review') AS last_label,
            arrayMap(x -> x.3, arraySort(groupArrayIf((ts, verdict_id, label), kind = 'review'))) AS review_labels
        FROM verdicts FINAL
        WHERE ts >= {verdicts_from:DateTime64(3, 'UTC')}
        GROUP BY decision_id
    )
),
in_range AS (
    SELECT
        ${dimColumns}${dims.length ? ',' : ''}
        d.decision_id AS decision_id,
        d.label AS label,
        d.is_error AS is_error,
        d.fallback AS fallback,
        d.retried AS retried,
        d.latency_ms AS latency_ms,
        d.score AS score
    FROM decisions AS d FINAL
    WHERE d.ts >= {from:DateTime64(3, 'UTC')} AND d.ts < {to:DateTime64(3, 'UTC')}
      AND ({model_version:String} = '' OR d.model_version = {model_version:String})
),
fine AS (
    -- Stage 1: one row per finest combination of dimensions and model label,
    -- so the grouping sets below aggregate thousands of rows instead of every
    -- decision once per set. Decision facts and verdict facts are two
    -- branches: the join only carries the reviewed few.
    SELECT
        ${keyList}label,
        count() AS f_volume,
        countIf(is_error) AS f_errors,
        countIf(fallback) AS f_fallbacks,
        countIf(retried) AS f_retries,
        toUInt64(0) AS f_thumbs_down,
        toUInt64(0) AS f_reviewed,
        toUInt64(0) AS f_overridden,
        ${EMPTY_COUNTS} AS f_senior_pairs,
        ${EMPTY_COUNTS} AS f_reviewer_pairs,
        toUInt64(0) AS f_multi_reviewed,
        toFloat64(0) AS f_multi_sum_pi,
        ${EMPTY_COUNTS} AS f_multi_label_totals,
        toUInt64(0) AS f_max_reviews,
        quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS f_latency_state,
        count(score) AS f_scored,
        -- a fine histogram of the score; NULL scores fall outside [0, ${SCORE_BINS}) and are not counted
        countResample(0, ${SCORE_BINS}, 1)(${bin}) AS f_score_hist
    FROM in_range
    GROUP BY ${keyList}label
    UNION ALL
    SELECT
        ${keyList}label,
        toUInt64(0) AS f_volume,
        toUInt64(0) AS f_errors,
        toUInt64(0) AS f_fallbacks,
        toUInt64(0) AS f_retries,
        countIf(v.thumbs_down) AS f_thumbs_down,
        countIf(v.review_n > 0) AS f_reviewed,
        countIf(v.review_n > 0 AND v.reference_label != label) AS f_overridden,
        sumMapIf([concat(label, ${sep}, v.senior_label)], [toUInt64(1)], v.senior_n > 0) AS f_senior_pairs,
        sumMapIf([v.pair_key], [toUInt64(1)], v.review_n = 2) AS f_reviewer_pairs,
        countIf(v.review_n >= 2) AS f_multi_reviewed,
        sum(v.pi) AS f_multi_sum_pi,
        sumMapIf(v.review_labels, arrayMap(l -> toUInt64(1), v.review_labels), v.review_n >= 2) AS f_multi_label_totals,
        toUInt64(max(v.review_n)) AS f_max_reviews,
        quantilesTDigestStateIf(0.5, 0.95, 0.99)(latency_ms, false) AS f_latency_state,
        toUInt64(0) AS f_scored,
        arrayWithConstant(${SCORE_BINS}, toUInt64(0)) AS f_score_hist
    FROM in_range
    INNER JOIN verdict_facts AS v ON v.decision_id = in_range.decision_id
    GROUP BY ${keyList}label
)
SELECT
    ${sliceExpr} AS slice,
    sum(f_volume) AS volume,
    sum(f_errors) AS errors,
    sum(f_fallbacks) AS fallbacks,
    sum(f_retries) AS retries,
    sum(f_thumbs_down) AS thumbs_down,
    sum(f_reviewed) AS reviewed,
    sum(f_overridden) AS overridden,
    sumMap(f_senior_pairs) AS senior_pairs,
    sumMap(f_reviewer_pairs) AS reviewer_pairs,
    sum(f_multi_reviewed) AS multi_reviewed,
    sum(f_multi_sum_pi) AS multi_sum_pi,
    sumMap(f_multi_label_totals) AS multi_label_totals,
    max(f_max_reviews) AS max_reviews,
    quantilesTDigestMerge(0.5, 0.95, 0.99)(f_latency_state) AS latency,
    sum(f_scored) AS scored,
    sumForEach(f_score_hist) AS score_hist,
    sumMapIf([label], [f_volume], f_volume > 0) AS labels
FROM fine
GROUP BY GROUPING SETS (${groupBy}${groupBy ? ', ' : ''}())
SETTINGS group_by_use_nulls = 1, join_use_nulls = 0`;
}

/** Sorted dimensions per set, duplicates and the empty set dropped (it is always added). */
export function normalise(groupingSets: readonly (readonly string[])[]): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const set of groupingSets) {
    const dims = [...new Set(set)].sort();
    const key = dims.join(',');
    if (dims.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(dims);
  }
  return out;
}

export function sliceAggregatesParams(range: AggregateRange, verdictSlackMs = 5 * 60_000) {
  return {
    from: range.from / 1000,
    to: range.to / 1000,
    // a reviewer's clock may run a little behind the service's
    verdicts_from: (range.from - verdictSlackMs) / 1000,
    model_version: range.modelVersion ?? '',
  };
}

/** One row as ClickHouse's JSONEachRow gives it: 64-bit counts are strings, sumMap is [keys, values]. */
export interface RawSliceAggregate {
  slice: string;
  volume: string | number;
  errors: string | number;
  fallbacks: string | number;
  retries: string | number;
  thumbs_down: string | number;
  reviewed: string | number;
  overridden: string | number;
  senior_pairs: [string[], Array<string | number>] | Record<string, string | number>;
  reviewer_pairs: [string[], Array<string | number>] | Record<string, string | number>;
  multi_reviewed: string | number;
  multi_sum_pi: number;
  multi_label_totals: [string[], Array<string | number>] | Record<string, string | number>;
  max_reviews: string | number;
  latency?: number[];
  latency_p50?: number;
  latency_p95?: number;
  latency_p99?: number;
  scored: string | number;
  score_hist: Array<string | number>;
  labels: [string[], Array<string | number>] | Record<string, string | number>;
}

function counts(v: RawSliceAggregate['labels']): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(v)) {
    const [keys, values] = v;
    keys.forEach((k, i) => {
      out[k] = Number(values[i]);
    });
  } else {
    for (const [k, n] of Object.entries(v)) out[k] = Number(n);
  }
  return out;
}

/** Converts a row of the aggregate query, or of table `baselines`, to a SliceAggregate. */
export function toSliceAggregate(r: RawSliceAggregate): SliceAggregate {
  const latency = r.latency ?? [r.latency_p50 ?? 0, r.latency_p95 ?? 0, r.latency_p99 ?? 0];
  return {
    slice: r.slice,
    volume: Number(r.volume),
    errors: Number(r.errors),
    fallbacks: Number(r.fallbacks),
    retries: Number(r.retries),
    thumbs_down: Number(r.thumbs_down),
    reviewed: Number(r.reviewed),
    overridden: Number(r.overridden),
    senior_pairs: counts(r.senior_pairs),
    reviewer_pairs: counts(r.reviewer_pairs),
    multi_reviewed: Number(r.multi_reviewed),
    multi_sum_pi: Number(r.multi_sum_pi),
    multi_label_totals: counts(r.multi_label_totals),
    max_reviews: Number(r.max_reviews),
    latency_p50: Number(latency[0] ?? 0),
    latency_p95: Number(latency[1] ?? 0),
    latency_p99: Number(latency[2] ?? 0),
    scored: Number(r.scored),
    score_hist: r.score_hist.map(Number),
    labels: counts(r.labels),
  };
}
