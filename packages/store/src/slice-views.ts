import type { ClickHouseClient } from '@clickhouse/client';
import {
  type DecisionRow,
  type MetricName,
  SCORE_BINS,
  type SliceAggregate,
  type SliceMetricRow,
} from '@livegrade/core';
import { decisionFactsBetweenParams, OPEN_END_MS } from './decision-facts.ts';
import { type Int64Text, jsonRows } from './json-rows.ts';
import { type RawSliceAggregate, scoreBinSql, toSliceAggregate } from './slice-aggregates.ts';
import { sliceCondition } from './slice-sql.ts';

/**
 * What the read API shows of one slice (issue 6): a scored window's rows,
 * a slice's series over time, its score and label distributions, its
 * recent sampled failures and the spans of a kept trace. Times are epoch
 * ms; every value from a request is a query parameter.
 */

/** A scored window [start, end), epoch ms. */
export interface ScoredWindow {
  start: number;
  end: number;
}

export interface SeriesPoint {
  window_end: number;
  value: number | null;
  baseline_value: number | null;
  n: number;
  degraded: boolean;
}

/** A slice's decisions over a range: the fine score histogram (SCORE_BINS bins) and the model's labels. */
export interface SliceDistribution {
  volume: number;
  scored: number;
  score_hist: number[];
  labels: Record<string, number>;
}

export interface StoredVerdict {
  decision_id: string;
  ts: number;
  kind: string;
  value: string;
  reviewer_id: string;
  seniority: string;
  label: string;
  rationale: string;
}

/** The decision's own columns, as a failure row reads them. */
type FailureFacts = Pick<
  DecisionRow,
  | 'ts'
  | 'trace_id'
  | 'span_id'
  | 'decision_id'
  | 'decision_type'
  | 'label'
  | 'score'
  | 'model_version'
  | 'sample_reason'
>;

export type StoredFailure = FailureFacts & { status_message: string; verdicts: StoredVerdict[] };

export interface StoredSpan {
  span_id: string;
  parent_span_id: string;
  name: string;
  ts: number;
  duration_ms: number;
  status_code: number;
  status_message: string;
  service: string;
  decision_id: string;
  decision_type: string;
  attributes: Record<string, string>;
  sample_reason: string;
  sample_weight: number;
}

/** Sampling reasons that mark a trace as failed (the others, sensitive and stratified, keep healthy traffic too). */
export const FAILURE_REASONS = [
  'error',
  'fallback',
  'retried',
  'guardrail',
  'low_score',
  'late_feedback',
  'late_override',
] as const;

/**
 * How far back a failures search without `from` looks, widening until it
 * has enough rows: decisions is ordered by type then time, so a search of
 * the whole table reads every sampled row, and a busy slice fills its page
 * from the last hour alone.
 */
const FAILURE_LOOKBACKS = [3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, Number.POSITIVE_INFINITY];

/**
 * At most `maxPoints` points in time order: consecutive points are grouped
 * and each group shows its degraded point if it has one (a degradation
 * must stay visible in a long range), else its last.
 */
export function thinSeries(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (points.length <= maxPoints) return [...points];
  const step = Math.ceil(points.length / Math.max(1, maxPoints));
  const out: SeriesPoint[] = [];
  for (let i = 0; i < points.length; i += step) {
    const group = points.slice(i, i + step);
    const degraded = group.filter((p) => p.degraded);
    out.push(degraded.at(-1) ?? group.at(-1)!);
  }
  return out;
}

const METRIC_COLUMNS = `slice, metric, value, n, baseline, baseline_value, baseline_n, test, statistic, p_value, q_value,
  effect, degraded, toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms`;

type MetricRowText = Omit<SliceMetricRow, 'window_start' | 'window_end' | 'n' | 'baseline_n' | 'degraded'> & {
  n: Int64Text;
  baseline_n: Int64Text;
  degraded: boolean | number;
  window_start_ms: Int64Text;
  window_end_ms: Int64Text;
};

function toMetricRow(r: MetricRowText): SliceMetricRow {
  const { window_start_ms, window_end_ms, ...rest } = r;
  return {
    ...rest,
    window_start: Number(window_start_ms),
    window_end: Number(window_end_ms),
    n: Number(r.n),
    baseline_n: Number(r.baseline_n),
    degraded: Boolean(r.degraded),
  };
}

const VERDICT_COLUMNS =
  'decision_id, toUnixTimestamp64Milli(ts) AS ts_ms, kind, value, reviewer_id, seniority, label, rationale';

type VerdictText = Omit<StoredVerdict, 'ts'> & { ts_ms: Int64Text };

function toVerdict(r: VerdictText): StoredVerdict {
  const { ts_ms, ...rest } = r;
  return { ...rest, ts: Number(ts_ms) };
}

/** Reads for the dashboard's API over slice_metrics, baselines, decisions, verdicts and sampled_spans. */
export function createSliceViews(writer: ClickHouseClient) {
  const rows = jsonRows(writer);

  async function verdictsOf(decisionIds: readonly string[]): Promise<StoredVerdict[]> {
    if (decisionIds.length === 0) return [];
    const raw = await rows<VerdictText>(
      `SELECT ${VERDICT_COLUMNS} FROM verdicts FINAL
       WHERE decision_id IN (SELECT arrayJoin({ids:Array(String)}))
       ORDER BY ts, verdict_id`,
      { ids: decisionIds },
    );
    return raw.map(toVerdict);
  }

  /**
   * The sampled failures of a slice in [from, to), newest first, without
   * their verdicts and status messages: a failure reason kept the trace, or
   * the decision facts flag it (failed, a thumbs-down, an override).
   */
  async function failureRows(slice: string, from: number | null, to: number | null, limit: number) {
    const cond = sliceCondition(slice);
    return rows<Omit<FailureFacts, 'ts'> & { ts_ms: Int64Text }>(
      `SELECT toUnixTimestamp64Milli(d.ts) AS ts_ms, d.trace_id AS trace_id, d.span_id AS span_id,
              d.decision_id AS decision_id, d.decision_type AS decision_type, d.label AS label, d.score AS score,
              d.model_version AS model_version, d.sample_reason AS sample_reason
       FROM ${decisionFactsBetweenParams()}
       WHERE d.sampled AND ${cond.sql} AND (d.sample_reason IN {reasons:Array(String)} OR d.flagged)
       ORDER BY d.ts DESC, d.decision_id
       LIMIT {limit:UInt32}`,
      {
        ...cond.params,
        // no lower bound: from the epoch, so every verdict is read
        from: from === null ? 0 : Math.floor(from),
        to: to === null ? OPEN_END_MS : Math.ceil(to),
        reasons: FAILURE_REASONS,
        limit,
      },
    );
  }

  return {
    /**
     * The latest scored window of this length ending at or before `at` (of
     * any slice, or of `slice` only), or null when none is. The table is
     * ordered by window_end, so this reads backwards from `at` and stops at
     * the first match.
     */
    async latestWindow(windowMs: number, at?: number, slice?: string): Promise<ScoredWindow | null> {
      const [r] = await rows<{ end_ms: Int64Text }>(
        `SELECT toUnixTimestamp64Milli(window_end) AS end_ms FROM slice_metrics
         WHERE toUnixTimestamp64Milli(window_end) - toUnixTimestamp64Milli(window_start) = {ms:Int64}
           ${at === undefined ? '' : 'AND window_end <= fromUnixTimestamp64Milli({at:Int64})'}
           ${slice === undefined ? '' : 'AND slice = {slice:String}'}
         ORDER BY window_end DESC LIMIT 1`,
        {
          ms: windowMs,
          ...(at === undefined ? {} : { at: Math.floor(at) }),
          ...(slice === undefined ? {} : { slice }),
        },
      );
      return r ? { start: Number(r.end_ms) - windowMs, end: Number(r.end_ms) } : null;
    },

    /** The latest run's rows of one metric in one window, every slice, ordered by slice. */
    async windowRows(window: ScoredWindow, metric: MetricName): Promise<SliceMetricRow[]> {
      const raw = await rows<MetricRowText>(
        `SELECT ${METRIC_COLUMNS} FROM slice_metrics FINAL
         WHERE window_end = fromUnixTimestamp64Milli({end:Int64}) AND window_start = fromUnixTimestamp64Milli({start:Int64})
           AND metric = {metric:String}
         ORDER BY slice`,
        { start: window.start, end: window.end, metric },
      );
      return raw.map(toMetricRow);
    },

    /**
     * One slice's metric over the windows of this length ending in [from, to],
     * in time order, thinned to at most maxPoints (thinSeries).
     */
    async series(
      slice: string,
      windowMs: number,
      metric: MetricName,
      from: number,
      to: number,
      maxPoints: number,
    ): Promise<SeriesPoint[]> {
      const raw = await rows<{
        end_ms: Int64Text;
        value: number | null;
        baseline_value: number | null;
        n: Int64Text;
        degraded: boolean | number;
      }>(
        // Read through the by_slice projection (migration 0010), which FINAL
        // would skip: a re-scored window's rows are deduplicated here, the
        // latest scored_at winning as ReplacingMergeTree's merge would.
        `SELECT toUnixTimestamp64Milli(window_end) AS end_ms,
                argMax(value, scored_at) AS value, argMax(baseline_value, scored_at) AS baseline_value,
                argMax(n, scored_at) AS n, argMax(degraded, scored_at) AS degraded
         FROM slice_metrics
         WHERE slice = {slice:String} AND metric = {metric:String}
           AND window_end >= fromUnixTimestamp64Milli({from:Int64}) AND window_end <= fromUnixTimestamp64Milli({to:Int64})
           AND toUnixTimestamp64Milli(window_end) - toUnixTimestamp64Milli(window_start) = {ms:Int64}
         GROUP BY window_end, window_start
         ORDER BY window_end`,
        { from: Math.floor(from), to: Math.floor(to), ms: windowMs, slice, metric },
      );
      const points = raw.map((r) => ({
        window_end: Number(r.end_ms),
        value: r.value,
        baseline_value: r.baseline_value,
        n: Number(r.n),
        degraded: Boolean(r.degraded),
      }));
      return thinSeries(points, maxPoints);
    },

    /** The score histogram and label counts of one slice's decisions in [from, to), as the scorer bins them. */
    async sliceDistribution(slice: string, from: number, to: number): Promise<SliceDistribution> {
      const cond = sliceCondition(slice);
      const raw = await rows<{ label: string; n: Int64Text; scored: Int64Text; hist: Int64Text[] }>(
        `SELECT d.label AS label, count() AS n, count(d.score) AS scored,
                countResample(0, ${SCORE_BINS}, 1)(${scoreBinSql('d.score')}) AS hist
         FROM decisions AS d FINAL
         WHERE d.ts >= fromUnixTimestamp64Milli({from:Int64}) AND d.ts < fromUnixTimestamp64Milli({to:Int64})
           AND ${cond.sql}
         GROUP BY label`,
        { ...cond.params, from: Math.floor(from), to: Math.ceil(to) },
      );
      const out: SliceDistribution = { volume: 0, scored: 0, score_hist: new Array(SCORE_BINS).fill(0), labels: {} };
      for (const r of raw) {
        out.volume += Number(r.n);
        out.scored += Number(r.scored);
        out.labels[r.label] = Number(r.n);
        r.hist.forEach((c, i) => {
          out.score_hist[i]! += Number(c);
        });
      }
      return out;
    },

    /** A registered baseline's aggregate of one slice, or null when the baseline has no such slice. */
    async baselineSlice(name: string, slice: string): Promise<SliceAggregate | null> {
      const [r] = await rows<RawSliceAggregate>(
        'SELECT * FROM baselines WHERE name = {name:String} AND slice = {slice:String} LIMIT 1',
        { name, slice },
      );
      return r ? toSliceAggregate(r) : null;
    },

    /**
     * A slice's most recent sampled failures (FAILURE_REASONS, an error,
     * fallback, retry or guardrail flag, a thumbs-down, or an override),
     * newest first, each with its verdicts and its decision span's status
     * message: one search, then one lookup of each by key.
     */
    async failures(slice: string, opts: { from?: number; to?: number; limit: number }): Promise<StoredFailure[]> {
      const to = opts.to ?? null;
      let found: Awaited<ReturnType<typeof failureRows>> = [];
      if (opts.from !== undefined) {
        found = await failureRows(slice, opts.from, to, opts.limit);
      } else {
        const anchor = to ?? Date.now();
        for (const back of FAILURE_LOOKBACKS) {
          found = await failureRows(slice, Number.isFinite(back) ? anchor - back : null, to, opts.limit);
          if (found.length >= opts.limit) break;
        }
      }
      if (found.length === 0) return [];
      const [verdicts, statuses] = await Promise.all([
        verdictsOf(found.map((f) => f.decision_id)),
        rows<{ trace_id: string; span_id: string; status_message: string }>(
          `SELECT trace_id, span_id, status_message FROM sampled_spans FINAL
           WHERE trace_id IN (SELECT arrayJoin({traces:Array(String)}))
             AND span_id IN (SELECT arrayJoin({spans:Array(String)}))`,
          { traces: [...new Set(found.map((f) => f.trace_id))], spans: found.map((f) => f.span_id) },
        ),
      ]);
      const byDecision = new Map<string, StoredVerdict[]>();
      for (const v of verdicts) {
        const list = byDecision.get(v.decision_id);
        if (list) list.push(v);
        else byDecision.set(v.decision_id, [v]);
      }
      const status = new Map(statuses.map((s) => [`${s.trace_id}/${s.span_id}`, s.status_message]));
      return found.map((f) => {
        const { ts_ms, ...rest } = f;
        return {
          ...rest,
          ts: Number(ts_ms),
          status_message: status.get(`${f.trace_id}/${f.span_id}`) ?? '',
          verdicts: byDecision.get(f.decision_id) ?? [],
        };
      });
    },

    /** The kept spans of a trace in time order, and the verdicts on its decisions; null when it was not kept. */
    async trace(traceId: string): Promise<{ spans: StoredSpan[]; verdicts: StoredVerdict[] } | null> {
      const raw = await rows<Omit<StoredSpan, 'ts'> & { ts_ms: Int64Text }>(
        `SELECT span_id, parent_span_id, name, toUnixTimestamp64Milli(ts) AS ts_ms, duration_ms, status_code,
                status_message, service, decision_id, decision_type, attributes, sample_reason, sample_weight
         FROM sampled_spans FINAL
         WHERE trace_id = {trace:String}
         ORDER BY ts, span_id`,
        { trace: traceId },
      );
      if (raw.length === 0) return null;
      const spans = raw.map(({ ts_ms, ...rest }) => ({
        ...rest,
        ts: Number(ts_ms),
        duration_ms: Number(rest.duration_ms),
        status_code: Number(rest.status_code),
        sample_weight: Number(rest.sample_weight),
      }));
      const decisionIds = [...new Set(spans.map((s) => s.decision_id).filter((id) => id !== ''))];
      return { spans, verdicts: await verdictsOf(decisionIds) };
    },
  };
}

export type SliceViews = ReturnType<typeof createSliceViews>;
