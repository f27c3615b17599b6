/**
 * What the read endpoints answer (issue 6). The dashboard (services/api/dashboard)
 * reads only these, so a change here is a change to its contract. Times are ISO
 * 8601 strings in UTC; slice keys are canonical (`decision_type=refund,language=hi`, `*`).
 * Row shapes are the store's (packages/store/src/slice-views.ts) with their times as ISO.
 */
import type { AlertState, MetricName, Severity, SliceMetricRow } from '@livegrade/core';
import type { SeriesPoint, StoredFailure, StoredSpan, StoredVerdict } from '@livegrade/store';

/** `T` with its epoch-ms time field `K` as an ISO string */
type Iso<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

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

/** a slice_metrics row of the window, and the rules firing on its slice (any metric), from alert_state */
export type SliceRow = Omit<SliceMetricRow, 'window_start' | 'window_end' | 'metric' | 'baseline'> & {
  firing: string[];
};

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
  points: Array<Iso<SeriesPoint, 'window_end'>>;
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

export type FailureRow = Omit<Iso<StoredFailure, 'ts'>, 'span_id' | 'verdicts'> & { verdicts: VerdictView[] };

export type VerdictView = Omit<Iso<StoredVerdict, 'ts'>, 'decision_id'>;

/** GET /v1/traces/:trace_id : 404 when the trace was not kept in the sample. Spans in time order (ts to the ms). */
export interface TraceResponse {
  trace_id: string;
  spans: Array<Iso<StoredSpan, 'ts'>>;
  verdicts: Array<VerdictView & { decision_id: string }>;
}

/**
 * GET /v1/alerts : the firing and pending alerts, worst first, each with its rule's severity (absent when
 * the rule is no longer configured). Times here are epoch ms, as the store keeps them.
 */
export interface AlertsResponse {
  alerts: AlertView[];
}

export type AlertView = AlertState & { severity?: Severity };

/**
 * What a refused request answers: problem+json (RFC 9457), whose `detail` says why; `error` is the
 * field an older API answered with, still read so the message survives either.
 */
export interface ErrorBody {
  title?: string;
  detail?: string;
  error?: string;
}
