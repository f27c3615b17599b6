import type {
  AlertState,
  DecisionRow,
  FlatSpan,
  MetricName,
  SliceAggregate,
  SliceMetricRow,
  VerdictRow,
} from '@livegrade/core';
import { type Repository, toSpanRow } from '@livegrade/store';

/**
 * A small, fully known store for the read API (issue 6): one scored hour
 * window with slices whose worst-first order is known, a series, an active
 * baseline, decisions of known scores and labels, sampled failures with
 * verdicts and spans, and firing alerts. Times are in November 2026, so
 * "now" defaults never reach them unless a test says so.
 */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
export const WINDOW = { start: T0 - HOUR, end: T0 };
export const BASELINE = 'october';

/** /v1/slices?window=1h&metric=override_rate, worst first. */
export const OVERRIDE_ORDER = [
  'language=hi', // degraded, q 0.001
  'decision_type=refund,language=hi', // degraded, q 0.01
  'decision_type=refund', // q 0.03
  'decision_type=chat', // q 0.5 (an earlier run of the window said degraded)
  '*', // no q, rose by 0.02
  'language=en', // no q, fell
];

/** Slices of the 1,000-slice metric (latency_p95 in the same window). */
export const MANY_SLICES = 1000;

function metricRow(slice: string, metric: MetricName, over: Partial<SliceMetricRow> = {}): SliceMetricRow {
  return {
    window_start: WINDOW.start,
    window_end: WINDOW.end,
    slice,
    metric,
    value: 0.1,
    n: 500,
    baseline: BASELINE,
    baseline_value: 0.1,
    baseline_n: 20_000,
    test: 'two_proportion',
    statistic: 1,
    p_value: 0.2,
    q_value: 0.4,
    effect: 0,
    degraded: false,
    ...over,
  };
}

/** decisions: the distribution and failure fixtures. */
interface DecisionSeed {
  id: string;
  minutesBefore: number;
  type: string;
  language: string;
  label: string;
  score: number | null;
  sampled?: string;
  is_error?: boolean;
}

export const DECISIONS: DecisionSeed[] = [
  // in slice language=hi, in the window
  {
    id: 'd1',
    minutesBefore: 50,
    type: 'refund',
    language: 'hi',
    label: 'approve',
    score: 0.05,
    sampled: 'error',
    is_error: true,
  },
  { id: 'd2', minutesBefore: 40, type: 'refund', language: 'hi', label: 'approve', score: 0.29, sampled: 'stratified' },
  { id: 'd3', minutesBefore: 30, type: 'chat', language: 'hi', label: 'deny', score: 0.95, sampled: 'stratified' },
  { id: 'd4', minutesBefore: 20, type: 'refund', language: 'hi', label: 'approve', score: 0.96, sampled: 'stratified' },
  { id: 'd5', minutesBefore: 10, type: 'refund', language: 'hi', label: 'deny', score: null, sampled: 'low_score' },
  { id: 'd6', minutesBefore: 5, type: 'refund', language: 'hi', label: 'approve', score: 0.5, is_error: true },
  // another slice, and language=hi outside the window
  { id: 'd7', minutesBefore: 1, type: 'refund', language: 'en', label: 'approve', score: 0.1, sampled: 'error' },
  { id: 'd8', minutesBefore: -5, type: 'refund', language: 'hi', label: 'approve', score: 0.1 },
  { id: 'd9', minutesBefore: 65, type: 'refund', language: 'hi', label: 'approve', score: 0.1 },
];

/**
 * The failures of slice language=hi, newest first: d5 (low_score), d3
 * (overridden by a senior review), d2 (thumbs-down), d1 (error). d4 was
 * reviewed in agreement, d6 was not kept, d7 is another slice.
 */
export const HI_FAILURES = ['d5', 'd3', 'd2', 'd1'];

/** Score bins (of 20) of language=hi's decisions in the window: 0.05, 0.29, 0.95, 0.96, 0.5 (and one without). */
export const HI_SCORE_BINS_20 = { 1: 1, 5: 1, 10: 1, 19: 2 } as Record<number, number>;
export const HI_LABELS = { approve: 4, deny: 2 };

export const UNSAMPLED_TRACE = 'trace-d6';

function decisionRow(d: DecisionSeed): DecisionRow {
  return {
    ts: T0 - d.minutesBefore * MIN,
    service: 'support-bot',
    trace_id: `trace-${d.id}`,
    span_id: `span-${d.id}`,
    decision_id: d.id,
    decision_type: d.type,
    label: d.label,
    score: d.score,
    model: 'gpt-x',
    model_version: 'v7',
    slices: { language: d.language },
    is_error: d.is_error ?? false,
    fallback: false,
    retried: false,
    guardrail: false,
    latency_ms: 120,
    input_tokens: 10,
    output_tokens: 20,
    sampled: d.sampled !== undefined,
    sample_reason: d.sampled ?? '',
    sample_weight: d.sampled === undefined ? 0 : 1,
  };
}

function spans(d: DecisionSeed): FlatSpan[] {
  const at = T0 - d.minutesBefore * MIN;
  const base = {
    traceId: `trace-${d.id}`,
    kind: 1,
    serviceName: 'support-bot',
    scopeName: 'test',
    resourceAttributes: { 'service.name': 'support-bot' },
    events: [],
  };
  return [
    {
      ...base,
      spanId: `root-${d.id}`,
      parentSpanId: '',
      name: 'handle ticket',
      startMs: at - 100,
      endMs: at + 400,
      statusCode: 0,
      statusMessage: '',
      attributes: { 'ticket.id': `T-${d.id}` },
    },
    {
      ...base,
      spanId: `span-${d.id}`,
      parentSpanId: `root-${d.id}`,
      name: 'decide',
      startMs: at,
      endMs: at + 120,
      statusCode: d.is_error ? 2 : 1,
      statusMessage: d.is_error ? 'upstream timeout' : '',
      attributes: { 'livegrade.decision.id': d.id, 'livegrade.decision.label': d.label },
    },
  ];
}

export const VERDICTS: VerdictRow[] = [
  verdict('v-d2', 'd2', 35, { kind: 'feedback', value: 'thumbs_down', rationale: 'wrong refund' }),
  verdict('v-d3-junior', 'd3', 25, { kind: 'review', reviewer_id: 'ann', seniority: 'junior', label: 'deny' }),
  verdict('v-d3-senior', 'd3', 24, { kind: 'review', reviewer_id: 'bo', seniority: 'senior', label: 'approve' }),
  verdict('v-d4', 'd4', 15, { kind: 'review', reviewer_id: 'ann', seniority: 'senior', label: 'approve' }),
  verdict('v-d5', 'd5', 8, { kind: 'review', reviewer_id: 'cy', seniority: 'junior', label: 'deny', rationale: 'ok' }),
];

function verdict(id: string, decision: string, minutesBefore: number, over: Partial<VerdictRow>): VerdictRow {
  return {
    ts: T0 - minutesBefore * MIN,
    verdict_id: id,
    decision_id: decision,
    trace_id: `trace-${decision}`,
    kind: 'review',
    value: '',
    reviewer_id: '',
    seniority: '',
    label: '',
    rationale: '',
    ...over,
  };
}

function baselineSlice(slice: string, over: Partial<SliceAggregate> = {}): SliceAggregate {
  return {
    slice,
    volume: 100,
    errors: 1,
    fallbacks: 0,
    retries: 0,
    thumbs_down: 2,
    reviewed: 10,
    overridden: 1,
    senior_pairs: {},
    reviewer_pairs: {},
    multi_reviewed: 0,
    multi_sum_pi: 0,
    multi_label_totals: {},
    max_reviews: 1,
    latency_p50: 100,
    latency_p95: 200,
    latency_p99: 300,
    scored: 0,
    score_hist: new Array(100).fill(0),
    labels: {},
    ...over,
  };
}

/** Baseline of language=hi: 60 scores in fine bin 3, 40 in fine bin 97 (bins 0 and 19 of 20); labels 80/20. */
export const HI_BASELINE = { bins20: { 0: 60, 19: 40 } as Record<number, number>, labels: { approve: 80, deny: 20 } };

function alertState(rule: string, slice: string, state: AlertState['state']): AlertState {
  return {
    rule,
    slice,
    state,
    active_at: T0 - 10 * MIN,
    last_held_at: T0,
    fired_at: state === 'firing' ? T0 - 5 * MIN : null,
    resolved_at: null,
    notified_at: null,
    firing_notification: '',
    last: null,
  };
}

export async function seedSliceViews(store: Repository): Promise<void> {
  const override = (slice: string, over: Partial<SliceMetricRow>) => metricRow(slice, 'override_rate', over);
  // an earlier run of the window, replaced by the later one below (FINAL)
  await store.insertSliceMetrics([override('decision_type=chat', { degraded: true, q_value: 0.0001 })], T0 + MIN);
  await store.insertSliceMetrics(
    [
      override('*', { value: 0.12, baseline_value: 0.1, test: '', p_value: null, q_value: null, effect: 0.02 }),
      override('decision_type=chat', { value: 0.3, q_value: 0.5 }),
      override('language=en', { value: 0.05, test: '', p_value: null, q_value: null, effect: -0.05 }),
      override('decision_type=refund', { value: 0.2, q_value: 0.03, effect: 0.1 }),
      override('decision_type=refund,language=hi', { value: 0.35, q_value: 0.01, effect: 0.25, degraded: true }),
      override('language=hi', { value: 0.4, p_value: 0.0001, q_value: 0.001, effect: 0.3, degraded: true }),
      ...Array.from({ length: MANY_SLICES }, (_, i) =>
        metricRow(`customer=c${String(i).padStart(4, '0')}`, 'latency_p95', {
          value: 100 + i,
          test: '',
          q_value: null,
        }),
      ),
    ],
    T0 + 2 * MIN,
  );
  // older windows of language=hi (the series), written out of order, and a 15 m window that must not mix in
  const series = [30, 10, 20].map((back) =>
    metricRow('language=hi', 'override_rate', {
      window_start: T0 - back * MIN - HOUR,
      window_end: T0 - back * MIN,
      value: { 30: 0.1, 20: 0.2, 10: 0.3 }[back]!,
      degraded: back === 10,
    }),
  );
  series.push(metricRow('language=hi', 'override_rate', { window_start: T0 - 15 * MIN, window_end: T0, value: 0.99 }));
  await store.insertSliceMetrics(series, T0 + MIN);

  const hiHist = new Array(100).fill(0);
  hiHist[3] = 60;
  hiHist[97] = 40;
  await store.insertBaseline(
    {
      name: BASELINE,
      created_at: T0 - 30 * 86_400_000,
      from: T0 - 60 * 86_400_000,
      to: T0 - 30 * 86_400_000,
      model_version: '',
    },
    [
      baselineSlice('*', { volume: 1000 }),
      baselineSlice('language=hi', { scored: 100, score_hist: hiHist, labels: HI_BASELINE.labels }),
    ],
  );
  await store.activateBaseline(BASELINE, T0 - 29 * 86_400_000);

  await store.insertDecisions(DECISIONS.map(decisionRow));
  await store.insertSpans(
    DECISIONS.flatMap((d) =>
      spans(d).map((s) =>
        toSpanRow(s, s.spanId.startsWith('span-') ? { decisionId: d.id, decisionType: d.type } : undefined, {
          reason: d.sampled ?? '',
          weight: d.sampled === undefined ? 0 : 1,
        }),
      ),
    ),
  );
  await store.insertVerdicts(VERDICTS);
  await store.saveAlertStates([
    alertState('override-hi', 'language=hi', 'firing'),
    alertState('any-degraded', 'language=hi', 'firing'),
    alertState('refund-watch', 'decision_type=refund', 'pending'),
  ]);
}
