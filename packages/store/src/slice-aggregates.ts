import { PAIR_SEPARATOR, reviewFields, SCORE_BINS, type SliceAggregate } from '@livegrade/core';
import { verdictFactsFrom, verdictKeysFrom } from './decision-facts.ts';

/**
 * The one ClickHouse query behind scoring (issue 4, docs/ARCHITECTURE.md §6): every
 * slice of every grouping set over one time range, from the window's decisions
 * and the verdict half of the decision facts (decision-facts.ts, 0016). A
 * baseline is registered with the same query, so live windows and baselines
 * are computed alike.
 */

/** Dimensions that are columns of `decisions`; any other is a livegrade.slice.<dim> in the `slices` map. */
const COLUMN_DIMENSIONS = new Set(['decision_type', 'model', 'model_version', 'service']);

/**
 * A slice dimension as an expression on `decisions AS d`: a column, or a key
 * of the `slices` map. Dimension names are validated by the config schema
 * ([A-Za-z_][A-Za-z0-9_.-]*), so they embed safely.
 */
export function dimensionExpr(dim: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(dim)) throw new RangeError(`invalid slice dimension "${dim}"`);
  return COLUMN_DIMENSIONS.has(dim) ? `d.${dim}` : `d.slices['${dim}']`;
}

/**
 * The fine score bin (0..SCORE_BINS-1) of a Nullable(Float32) score column;
 * a NULL score gets SCORE_BINS, outside every countResample range. Scores
 * are stored as Float32: 0.29 comes back as 0.2899999916..., which a plain
 * floor(score * 100) puts in bin 28. A nudge of 1e-4 of a bin puts every
 * score that was written as a bin edge in that bin (scoreBin's rule in core).
 */
export function scoreBinSql(score: string): string {
  return `if(isNull(${score}), ${SCORE_BINS}, least(${SCORE_BINS - 1}, toUInt32(greatest(0, ${score}) * ${SCORE_BINS} + 1e-4)))`;
}

/**
 * Relative accuracy of the latency quantiles: each of p50, p95 and p99 is
 * within 1% of a latency at that rank. They are DDSketch estimates
 * (quantilesDD): log-spaced buckets whose counts add, so merging the fine
 * rows' sketches into slices is exact and cheap, and a slice's figures do
 * not depend on the order the engine's threads merged them in. The
 * t-digest used before issue 18 cost ~1 s of the 10M-decision window in
 * merges alone, and its figures moved by up to 0.6% between runs.
 */
export const LATENCY_ACCURACY = 0.01;

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
  // group_by_use_nulls makes the dimensions outside the current grouping set NULL; real values never are
  // values escaped as core's escapeSliceValue does (`\` → `\\`, `,` → `\,`, `=` → `\=`), so a
  // value holding them keys as the sampler's sliceKeyOf writes it (slice-sql.test.ts compares them)
  const escaped = (v: string) => String.raw`replaceRegexpAll(${v}, '([\\\\,=])', '\\\\\\1')`;
  const parts = dims.map((d) => `if(isNull(${alias.get(d)}), '', concat('${d}=', ${escaped(alias.get(d)!)}))`);
  const sliceExpr =
    dims.length === 0
      ? `'*'`
      : `if(empty(arrayStringConcat(arrayFilter(p -> p != '', [${parts.join(', ')}]), ',') AS key), '*', key)`;
  const groupBy = sets.map((s) => `(${s.map((d) => alias.get(d)).join(', ')})`).join(', ');
  const sep = `char(${PAIR_SEPARATOR.charCodeAt(0)})`;
  const fineKey = `cityHash64(${[...dims.map(dimensionExpr), 'd.label'].join(', ')})`;
  const fineDims = dims.map((d) => `any(${dimensionExpr(d)}) AS f_${alias.get(d)},\n        `).join('');
  const judgedDims = dims.map((d) => `any(f_${alias.get(d)}) AS ${alias.get(d)},\n        `).join('');
  const from = "{from:DateTime64(3, 'UTC')}";
  const to = "{to:DateTime64(3, 'UTC')}";
  const verdictFacts = verdictFactsFrom(from);
  return `
WITH
fine AS (
    -- Stage 1, the one pass over the window's decisions: a row per finest
    -- combination of dimensions and model label, so the grouping sets below
    -- roll up thousands of rows instead of every decision once per set.
    -- Grouped by a 64-bit hash of the combination: on the values themselves
    -- (a String and LowCardinality columns) the engine serialises every
    -- decision's key, which cost ~1 s of CPU at 10M decisions. Two
    -- combinations share a hash with probability ~g²/2⁶⁵ (about 3·10⁻¹²
    -- for g = 10,000 combinations in a window), the risk decision_key (0008)
    -- already takes per decision. The decisions with verdicts are only
    -- listed here, by key; their verdict facts are joined in stage 2, to
    -- those decisions alone (a few percent of them) instead of to all.
    SELECT
        ${fineKey} AS fine_key,
        ${fineDims}any(d.label) AS f_label,
        count() AS f_volume,
        countIf(d.is_error) AS f_errors,
        countIf(d.fallback) AS f_fallbacks,
        countIf(d.retried) AS f_retries,
        quantilesDDState(${LATENCY_ACCURACY}, 0.5, 0.95, 0.99)(d.latency_ms) AS f_latency_state,
        count(d.score) AS f_scored,
        -- a fine histogram of the score; NULL scores fall outside [0, ${SCORE_BINS}) and are not counted
        countResampleState(0, ${SCORE_BINS}, 1)(${scoreBinSql('d.score')}) AS f_score_hist,
        groupArrayIf(d.decision_key, d.decision_key IN (SELECT decision_key FROM ${verdictKeysFrom(from)})) AS f_judged
    FROM decisions AS d FINAL
    WHERE d.ts >= ${from} AND d.ts < ${to}
      AND ({model_version:String} = '' OR d.model_version = {model_version:String})
    GROUP BY fine_key
),
judged AS (
    -- Stage 2: each fine row with the verdict facts of its decisions (0016,
    -- the human side of decision_facts, so the thumbs-down and review rules
    -- are the view's). A decision's reviews come as the review_signature,
    -- their seniorities and labels in order, from which every review metric
    -- follows; the few distinct signatures are decoded once per slice in
    -- TypeScript (reviewFields in core), not once per decision here.
    -- LEFT ARRAY JOIN keeps the fine rows without verdicts (n = 0), and
    -- copies each fine row once per such decision: its histogram and
    -- latency stay aggregate states (a pointer each, where the finished
    -- 100-bin array was 800 bytes a copy) and are taken from one copy.
    SELECT
        fine_key,
        ${judgedDims}any(f_label) AS label,
        any(f_volume) AS j_volume,
        any(f_errors) AS j_errors,
        any(f_fallbacks) AS j_fallbacks,
        any(f_retries) AS j_retries,
        quantilesDDMergeStateIf(${LATENCY_ACCURACY}, 0.5, 0.95, 0.99)(f_latency_state, n <= 1) AS j_latency_state,
        any(f_scored) AS j_scored,
        countResampleMergeStateIf(0, ${SCORE_BINS}, 1)(f_score_hist, n <= 1) AS j_score_hist,
        countIf(n > 0 AND v.thumbs_down) AS j_thumbs_down,
        -- (model label, review signature) pairs, joined here once each rather than once per grouping set
        groupArrayIf(concat(f_label, ${sep}, v.review_signature), n > 0 AND v.review_signature != '') AS j_signatures
    FROM fine
    LEFT ARRAY JOIN f_judged AS judged_key, arrayEnumerate(f_judged) AS n
    LEFT JOIN ${verdictFacts} AS v ON v.decision_key = judged_key
    GROUP BY fine_key
)
SELECT
    ${sliceExpr} AS slice,
    sum(j_volume) AS volume,
    sum(j_errors) AS errors,
    sum(j_fallbacks) AS fallbacks,
    sum(j_retries) AS retries,
    sum(j_thumbs_down) AS thumbs_down,
    -- (model label, review signature) → decisions
    sumMap(j_signatures, arrayMap(x -> toUInt64(1), j_signatures)) AS review_signatures,
    quantilesDDMerge(${LATENCY_ACCURACY}, 0.5, 0.95, 0.99)(j_latency_state) AS latency,
    sum(j_scored) AS scored,
    countResampleMerge(0, ${SCORE_BINS}, 1)(j_score_hist) AS score_hist,
    sumMap([label], [j_volume]) AS labels
FROM judged
GROUP BY GROUPING SETS (${groupBy}${groupBy ? ', ' : ''}())
-- the verdicts since the window are found by 0008's minmax index on ts; under FINAL the engine's default
-- exact mode adds back every granule whose key range overlaps a selected one, which with random verdict ids
-- can be most of the table (bench/bank.ts, ten days: 2.1M verdicts read for one hour's). Skipping is safe
-- here: a verdict's versions share its ts, so no granule left out holds a newer version of one read.
SETTINGS group_by_use_nulls = 1, join_use_nulls = 0, use_skip_indexes_if_final_exact_mode = 0`;
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

/** verdict_facts reads verdicts from `from` less its slack (0016), so only the range is passed. */
export function sliceAggregatesParams(range: AggregateRange) {
  return {
    from: range.from / 1000,
    to: range.to / 1000,
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
  /** from the aggregate query: (model label, review signature) → decisions */
  review_signatures?: Counts;
  /** from table baselines: the review fields themselves */
  reviewed?: string | number;
  overridden?: string | number;
  senior_pairs?: Counts;
  reviewer_pairs?: Counts;
  multi_reviewed?: string | number;
  multi_sum_pi?: number;
  multi_label_totals?: Counts;
  max_reviews?: string | number;
  latency?: number[];
  latency_p50?: number;
  latency_p95?: number;
  latency_p99?: number;
  scored: string | number;
  score_hist: Array<string | number>;
  labels: Counts;
}

/** sumMap gives [keys, values]; a Map column gives an object. */
type Counts = [string[], Array<string | number>] | Record<string, string | number>;

function counts(v: Counts | undefined): Record<string, number> {
  if (v === undefined) return {};
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
    ...(r.review_signatures
      ? reviewFields(counts(r.review_signatures))
      : {
          reviewed: Number(r.reviewed ?? 0),
          overridden: Number(r.overridden ?? 0),
          senior_pairs: counts(r.senior_pairs),
          reviewer_pairs: counts(r.reviewer_pairs),
          multi_reviewed: Number(r.multi_reviewed ?? 0),
          multi_sum_pi: Number(r.multi_sum_pi ?? 0),
          multi_label_totals: counts(r.multi_label_totals),
          max_reviews: Number(r.max_reviews ?? 0),
        }),
    latency_p50: Number(latency[0] ?? 0),
    latency_p95: Number(latency[1] ?? 0),
    latency_p99: Number(latency[2] ?? 0),
    scored: Number(r.scored),
    score_hist: r.score_hist.map(Number),
    labels: counts(r.labels),
  };
}
