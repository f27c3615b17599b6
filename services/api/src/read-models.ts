/**
 * What the read endpoints answer (issue 6). The dashboard (services/api/dashboard)
 * reads only these, so a change here is a change to its contract. Times are ISO
 * 8601 strings in UTC; slice keys are canonical (`decision_type=refund,language=hi`, `*`).
 */
import type { MetricName } from '@livegrade/core';

/**
 * Every endpoint answers 400 {error} naming the bad parameter and what it
 * takes (unknown parameters too). `window` is one of the configured
 * scoring.windows (default: the first); `metric` one of METRICS (default
 * override_rate); `slice` a slice key, its pairs in any order (answered
 * canonical); times are ISO 8601 with a zone, or epoch ms.
 */

/** GET /v1/slices?window=1h&metric=override_rate[&at=<window end>][&limit=N (default 1000, at most 5000)] */
export interface SlicesResponse {
  window: string;
  metric: MetricName;
  /** the latest scored window of that length ending at or before `at`; null when none is scored yet */
  window_start: string | null;
  window_end: string | null;
  /** active baseline the rows were compared against, '' when none */
  baseline: string;
  /** choices for the dashboard's pickers: the configured window lengths and every metric */
  windows: string[];
  metrics: MetricName[];
  /** slices scored in the window before `limit` applied */
  total: number;
  /** worst first (core rankSlices) */
  slices: SliceRow[];
}

export interface SliceRow {
  slice: string;
  value: number | null;
  n: number;
  baseline_value: number | null;
  baseline_n: number;
  test: string;
  statistic: number | null;
  p_value: number | null;
  q_value: number | null;
  effect: number | null;
  degraded: boolean;
  /** rules firing on this slice (any metric), from alert_state */
  firing: string[];
}

/**
 * GET /v1/slices/series?slice=&window=&metric=[&from=&to=][&max_points=] (default: the 24 h up to the
 * slice's latest scored window of that length, at most max_points, default 1,440, at most 10,000; a
 * longer series is thinned, each kept point the last of its group, or its last degraded one); from..to
 * at most 31 days.
 */
export interface SeriesResponse {
  slice: string;
  window: string;
  metric: MetricName;
  points: Array<{
    window_end: string;
    value: number | null;
    baseline_value: number | null;
    n: number;
    degraded: boolean;
  }>;
}

/**
 * GET /v1/slices/distributions?slice=&window=[&at=][&bins=20] : the latest scored window of the slice
 * (ending at or before `at`) against the active baseline; bins one of 1, 2, 4, 5, 10, 20, 25, 50, 100.
 * With no scored window the current side is all zeros; a slice the baseline lacks has a zero baseline.
 */
export interface DistributionsResponse {
  slice: string;
  window_start: string | null;
  window_end: string | null;
  baseline: string;
  /** score histogram in `bins` equal bins over [0, 1] (the 100 stored bins summed in groups), counts */
  score: { bins: number; current: number[]; baseline: number[] };
  /** the model's labels, counts */
  labels: { current: Record<string, number>; baseline: Record<string, number> };
}

/**
 * GET /v1/slices/failures?slice=[&limit=20 (at most 200)][&from=&to=] : the slice's most recent sampled
 * decisions that failed (kept for error / fallback / retried / guardrail / low_score /
 * late_feedback / late_override, flagged error / fallback / retried / guardrail, or with an
 * override or a thumbs-down), newest first. Verdicts in time order.
 */
export interface FailuresResponse {
  slice: string;
  failures: FailureRow[];
}

export interface FailureRow {
  ts: string;
  trace_id: string;
  decision_id: string;
  decision_type: string;
  label: string;
  score: number | null;
  model_version: string;
  sample_reason: string;
  status_message: string;
  verdicts: VerdictView[];
}

export interface VerdictView {
  ts: string;
  kind: string;
  value: string;
  reviewer_id: string;
  seniority: string;
  label: string;
  rationale: string;
}

/** GET /v1/traces/:trace_id : 404 when the trace was not kept in the sample. Spans in time order (ts to the ms). */
export interface TraceResponse {
  trace_id: string;
  spans: Array<{
    span_id: string;
    parent_span_id: string;
    name: string;
    ts: string;
    duration_ms: number;
    status_code: number;
    status_message: string;
    service: string;
    decision_id: string;
    decision_type: string;
    attributes: Record<string, string>;
    sample_reason: string;
    sample_weight: number;
  }>;
  verdicts: Array<VerdictView & { decision_id: string }>;
}
