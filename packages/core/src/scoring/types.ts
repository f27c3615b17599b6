/**
 * The scoring contract (docs/ARCHITECTURE.md §6, issue 4): what one ClickHouse pass
 * returns per slice, and the metric rows the scorer derives from it.
 */

/** The `scoring:` section of livegrade.config.yaml, after validation (durations in ms). */
export interface ScoringConfig {
  /** window ends are multiples of this; a tick scores the windows ending at it */
  interval: number;
  /** window lengths scored at every tick */
  windows: number[];
  /** delay between a window's end and its scoring, so the sampler has written its decisions */
  lag: number;
  /** earlier ticks re-enqueued by each tick (duplicates are skipped by job id) */
  catch_up: number;
  /** grouping sets besides the whole traffic `*` */
  slices: string[][];
  /** samples needed on both sides before a (slice, metric) is tested */
  min_samples: number;
  /** Benjamini-Hochberg false discovery rate across one window's tests */
  fdr: number;
  min_effect: { rate: number; ks: number; js: number };
}

/** Counts keyed by label (or by a pair of labels joined with PAIR_SEPARATOR). */
export type LabelCounts = Record<string, number>;

/**
 * Separates the two labels of a rater pair in one map key. The unit separator
 * cannot appear in a label typed by a reviewer tool in practice; a label that
 * holds it is refused nowhere, it would only be miscounted as another pair.
 */
export const PAIR_SEPARATOR = '\u001f';

/**
 * Everything scoring needs about one slice over one window, computed in one
 * ClickHouse pass (store: slice-aggregates.ts). A baseline stores the same
 * record per slice, so a window and a baseline compare field by field.
 */
export interface SliceAggregate {
  /** canonical slice key (`decision_type=refund,language=hi`), `*` for all traffic */
  slice: string;
  volume: number;
  errors: number;
  fallbacks: number;
  retries: number;
  /** decisions with at least one thumbs-down */
  thumbs_down: number;
  /** decisions with at least one review */
  reviewed: number;
  /** reviewed decisions whose reference review (latest senior, else latest) differs from the model label */
  overridden: number;
  /** (model label, latest senior review label) counts over decisions with a senior review */
  senior_pairs: LabelCounts;
  /** (first review label, second review label) counts over decisions with exactly two reviews */
  reviewer_pairs: LabelCounts;
  /** Fleiss' terms over decisions with two or more reviews */
  multi_reviewed: number;
  multi_sum_pi: number;
  multi_label_totals: LabelCounts;
  /** most reviews any decision of the slice has */
  max_reviews: number;
  latency_p50: number;
  latency_p95: number;
  latency_p99: number;
  /** decisions with a score */
  scored: number;
  /** score histogram: SCORE_BINS equal bins over [0, 1] */
  score_hist: number[];
  /** the model's labels */
  labels: LabelCounts;
}

export const METRICS = [
  'volume',
  'error_rate',
  'fallback_rate',
  'retry_rate',
  'thumbs_down_rate',
  'override_rate',
  'model_kappa',
  'reviewer_kappa',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'score_psi',
  'score_ks',
  'label_js',
  'label_chi2',
] as const;
export type MetricName = (typeof METRICS)[number];

/** Row of table `slice_metrics`. Times are epoch ms. */
export interface SliceMetricRow {
  window_start: number;
  window_end: number;
  slice: string;
  metric: MetricName;
  value: number | null;
  /** the samples the value is computed on (decisions, reviewed decisions, rater pairs, scored decisions) */
  n: number;
  /** name of the baseline compared against, '' when none is active */
  baseline: string;
  baseline_value: number | null;
  baseline_n: number;
  /** the test or estimator: two_proportion, ks, chi_square, cohen, fleiss, psi, js, or '' */
  test: string;
  statistic: number | null;
  p_value: number | null;
  /** Benjamini-Hochberg adjusted p over every test of the window */
  q_value: number | null;
  /** size of the change on the metric's own scale (rate difference, KS D, JS distance) */
  effect: number | null;
  degraded: boolean;
}

/** A registered baseline's header (one per name; its slices are SliceAggregates). */
export interface BaselineInfo {
  name: string;
  created_at: number;
  from: number;
  to: number;
  /** '' when the baseline covers every model version */
  model_version: string;
  slices: number;
  volume: number;
  active: boolean;
}
