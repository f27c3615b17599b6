import {
  formatDuration,
  METRICS,
  type MetricName,
  parseDuration,
  parseSliceMatcher,
  RequestError,
  rankSlices,
  SCORE_BINS,
  type ScoringConfig,
  slicePairs,
} from '@livegrade/core';
import { parseInput } from '@livegrade/ops';
import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository, StoredVerdict } from '@livegrade/store';
import { z } from 'zod';
import type {
  DistributionsResponse,
  FailuresResponse,
  SeriesResponse,
  SliceRow,
  SlicesResponse,
  VerdictView,
} from './read-models.ts';
import type { RouteDoc } from './routes/docs.ts';

/**
 * The dashboard's reads (issue 6, read-models.ts is the contract): a scored
 * window's slices worst first, and per slice its series, distributions and
 * sampled failures. Query strings are validated here; a mistake is a 400
 * naming the parameter and what it accepts.
 */

type SlicesStore = Pick<
  Repository,
  | 'latestWindow'
  | 'windowRows'
  | 'series'
  | 'sliceDistribution'
  | 'baselineSlice'
  | 'failures'
  | 'activeBaseline'
  | 'alertsList'
>;

export const SLICES_LIMIT = { default: 1000, max: 5000 } as const;
export const FAILURES_LIMIT = { default: 20, max: 200 } as const;
/** The series' default range, and the most points it answers unless asked (a day of one-minute windows). */
export const SERIES_RANGE_MS = 24 * 3_600_000;
export const SERIES_POINTS = { default: 1440, max: 10_000 } as const;
/** The longest series range: slice_metrics keeps 90 days, and a dashboard needs far less. */
export const SERIES_MAX_RANGE_MS = 31 * 86_400_000;
/** Bin counts the stored 100 score bins divide into. */
export const SCORE_BIN_CHOICES = [1, 2, 4, 5, 10, 20, 25, 50, 100] as const;
const DEFAULT_SCORE_BINS = 20;
const DEFAULT_METRIC: MetricName = 'override_rate';

const SLICE_EXAMPLE = 'a slice key such as decision_type=refund,language=hi, or * for all traffic';
const TIME_EXAMPLE = 'an ISO 8601 time with a zone (2026-11-20T12:00:00Z) or epoch milliseconds';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function verdictView(v: StoredVerdict): VerdictView {
  return {
    ts: iso(v.ts),
    kind: v.kind,
    value: v.value,
    reviewer_id: v.reviewer_id,
    seniority: v.seniority,
    label: v.label,
    rationale: v.rationale,
  };
}

/**
 * A slice key in its canonical form: pairs sorted by dimension (what the
 * scorer writes), `*` for all traffic. Keys and matchers go through the
 * silences' matcher, which sorts the pairs and reads escaped values (`\,`);
 * a key written before values were escaped, whose values may hold ',', is
 * taken whole. Throws RangeError.
 */
export function canonicalSlice(text: string): string {
  try {
    return parseSliceMatcher(text);
  } catch (err) {
    let dims: string[] = [];
    try {
      dims = slicePairs(text).map((p) => p.dim);
    } catch {
      // not a key either: the matcher's error says what is wrong
    }
    const stored =
      dims.length > 0 && dims.every((d, i) => i === 0 || dims[i - 1]! < d) && dims.every((d) => isDimension(d));
    if (stored) return text;
    throw err;
  }
}

function isDimension(dim: string): boolean {
  try {
    parseSliceMatcher(`${dim}=x`);
    return true;
  } catch {
    return false;
  }
}

/** One query-string value: absent → the message's "required", repeated → refused. */
function text(required: string) {
  return z.string({
    error: (iss) => (iss.input === undefined ? `required: ${required}` : 'give this parameter once'),
  });
}

function windowParam(windows: readonly number[]) {
  const allowed = windows.map(formatDuration);
  return text(`one of ${allowed.join(', ')}`).transform((s, ctx) => {
    let ms: number | undefined;
    try {
      ms = parseDuration(s.trim());
    } catch {}
    if (ms === undefined || !windows.includes(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${s}" is not a scored window; scoring.windows has ${allowed.join(', ')}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

const metricParam = text(`one of ${METRICS.join(', ')}`).refine(
  (s): s is MetricName => (METRICS as readonly string[]).includes(s),
  { error: (iss) => `"${String(iss.input)}" is not a metric; metrics are ${METRICS.join(', ')}` },
);

const sliceParam = text(SLICE_EXAMPLE).transform((s, ctx) => {
  try {
    return canonicalSlice(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${(err as Error).message} (expected ${SLICE_EXAMPLE})` });
    return z.NEVER;
  }
});

const timeParam = text(TIME_EXAMPLE).transform((s, ctx) => {
  const ms = /^\d{1,15}$/.test(s)
    ? Number(s)
    : z.iso.datetime({ offset: true }).safeParse(s).success
      ? Date.parse(s)
      : Number.NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a time; expected ${TIME_EXAMPLE}` });
    return z.NEVER;
  }
  return ms;
});

function intParam(bounds: { min: number; max: number }) {
  const what = `a whole number from ${bounds.min} to ${bounds.max}`;
  return text(what).transform((s, ctx) => {
    const n = /^\d{1,9}$/.test(s) ? Number(s) : Number.NaN;
    if (!(n >= bounds.min && n <= bounds.max)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not ${what}` });
      return z.NEVER;
    }
    return n;
  });
}

const binsParam = text(`one of ${SCORE_BIN_CHOICES.join(', ')}`).transform((s, ctx) => {
  const n = Number(s);
  if (!(SCORE_BIN_CHOICES as readonly number[]).includes(n) || !/^\d+$/.test(s)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${s}" does not divide the ${SCORE_BINS} stored bins; expected one of ${SCORE_BIN_CHOICES.join(', ')}`,
    });
    return z.NEVER;
  }
  return n;
});

/** A query-string schema that names unknown parameters and the ones it takes. */
function query<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown parameter ${iss.keys.map((k) => `"${k}"`).join(', ')}; this endpoint takes ${allowed}`
        : undefined,
  });
}

/** What /v1/slices answers; exported for callers outside HTTP (the CLI, the demo). */
export async function slicesResponse(
  store: SlicesStore,
  windows: readonly number[],
  req: { window: number; metric: MetricName; at?: number | undefined; limit: number },
): Promise<SlicesResponse> {
  const head = {
    window: formatDuration(req.window),
    metric: req.metric,
    windows: windows.map(formatDuration),
    metrics: [...METRICS],
  };
  const scored = await store.latestWindow(req.window, req.at);
  if (!scored) return { ...head, window_start: null, window_end: null, baseline: '', total: 0, slices: [] };
  const [rows, alerts] = await Promise.all([store.windowRows(scored, req.metric), store.alertsList()]);
  const firing = new Map<string, string[]>();
  for (const a of alerts) {
    if (a.state !== 'firing') continue;
    const rules = firing.get(a.slice);
    if (rules) rules.push(a.rule);
    else firing.set(a.slice, [a.rule]);
  }
  const slices: SliceRow[] = rankSlices(rows, req.metric)
    .slice(0, req.limit)
    .map((r) => ({
      slice: r.slice,
      value: r.value,
      n: r.n,
      baseline_value: r.baseline_value,
      baseline_n: r.baseline_n,
      test: r.test,
      statistic: r.statistic,
      p_value: r.p_value,
      q_value: r.q_value,
      effect: r.effect,
      degraded: r.degraded,
      firing: [...new Set(firing.get(r.slice) ?? [])].sort(),
    }));
  return {
    ...head,
    window_start: iso(scored.start),
    window_end: iso(scored.end),
    // a slice missing from the baseline is scored against none, so any row naming one names the window's
    baseline: rows.find((r) => r.baseline !== '')?.baseline ?? '',
    total: rows.length,
    slices,
  };
}

/** The stored bins summed in groups of SCORE_BINS / bins. */
function coarsen(hist: readonly number[], bins: number): number[] {
  const width = SCORE_BINS / bins;
  const out = new Array<number>(bins).fill(0);
  hist.forEach((c, i) => {
    const bin = Math.min(bins - 1, Math.floor(i / width));
    out[bin]! += c;
  });
  return out;
}

export function registerSlices(
  app: FastifyInstance,
  store: SlicesStore,
  scoring: Pick<ScoringConfig, 'windows'>,
): RouteDoc[] {
  const windows = [...scoring.windows];
  const windowField = windowParam(windows).default(windows[0]!);

  const SlicesQuery = query({
    window: windowField,
    metric: metricParam.default(DEFAULT_METRIC),
    at: timeParam.optional(),
    limit: intParam({ min: 1, max: SLICES_LIMIT.max }).default(SLICES_LIMIT.default),
  });
  const SeriesQuery = query({
    slice: sliceParam,
    window: windowField,
    metric: metricParam.default(DEFAULT_METRIC),
    from: timeParam.optional(),
    to: timeParam.optional(),
    max_points: intParam({ min: 1, max: SERIES_POINTS.max }).default(SERIES_POINTS.default),
  });
  const DistributionsQuery = query({
    slice: sliceParam,
    window: windowField,
    at: timeParam.optional(),
    bins: binsParam.default(DEFAULT_SCORE_BINS),
  });
  const FailuresQuery = query({
    slice: sliceParam,
    limit: intParam({ min: 1, max: FAILURES_LIMIT.max }).default(FAILURES_LIMIT.default),
    from: timeParam.optional(),
    to: timeParam.optional(),
  });

  app.get('/v1/slices', async (request) => {
    const q = parseInput(SlicesQuery, request.query ?? {}, 'query');
    return slicesResponse(store, windows, q);
  });

  app.get('/v1/slices/series', async (request) => {
    const q = parseInput(SeriesQuery, request.query ?? {}, 'query');
    const { slice, window, metric, max_points } = q;
    // by default the day up to the slice's latest scored window, which in an accelerated demo is not now
    const to = q.to ?? (await store.latestWindow(window, undefined, slice))?.end ?? Date.now();
    const from = q.from ?? to - SERIES_RANGE_MS;
    if (from > to) throw fromAfterTo(from, to);
    if (to - from > SERIES_MAX_RANGE_MS) {
      const apart = `${formatDuration(to - from)} apart; at most ${formatDuration(SERIES_MAX_RANGE_MS)}`;
      throw new RequestError(`invalid query: from, to: ${apart}`, 'invalid', [
        { name: 'from', reason: apart },
        { name: 'to', reason: apart },
      ]);
    }
    const points = await store.series(slice, window, metric, from, to, max_points);
    return {
      slice,
      window: formatDuration(window),
      metric,
      points: points.map((p) => ({ ...p, window_end: iso(p.window_end) })),
    } satisfies SeriesResponse;
  });

  app.get('/v1/slices/distributions', async (request) => {
    const q = parseInput(DistributionsQuery, request.query ?? {}, 'query');
    const { slice, window, at, bins } = q;
    const [scored, baseline] = await Promise.all([store.latestWindow(window, at, slice), store.activeBaseline()]);
    const [current, reference] = await Promise.all([
      scored ? store.sliceDistribution(slice, scored.start, scored.end) : null,
      baseline ? store.baselineSlice(baseline, slice) : null,
    ]);
    return {
      slice,
      window_start: scored ? iso(scored.start) : null,
      window_end: scored ? iso(scored.end) : null,
      baseline: baseline ?? '',
      score: {
        bins,
        current: coarsen(current?.score_hist ?? [], bins),
        baseline: coarsen(reference?.score_hist ?? [], bins),
      },
      labels: { current: current?.labels ?? {}, baseline: reference?.labels ?? {} },
    } satisfies DistributionsResponse;
  });

  app.get('/v1/slices/failures', async (request) => {
    const q = parseInput(FailuresQuery, request.query ?? {}, 'query');
    const { slice, limit, from, to } = q;
    if (from !== undefined && to !== undefined && from > to) throw fromAfterTo(from, to);
    const found = await store.failures(slice, {
      limit,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
    return {
      slice,
      failures: found.map((f) => ({
        ts: iso(f.ts),
        trace_id: f.trace_id,
        decision_id: f.decision_id,
        decision_type: f.decision_type,
        label: f.label,
        score: f.score,
        model_version: f.model_version,
        sample_reason: f.sample_reason,
        status_message: f.status_message,
        verdicts: f.verdicts.map(verdictView),
      })),
    } satisfies FailuresResponse;
  });

  const doc = (path: string, operationId: string, summary: string, input: z.ZodType): RouteDoc => ({
    method: 'GET',
    path,
    operationId,
    summary,
    input,
    status: 200,
  });
  return [
    doc('/v1/slices', 'slices', "A scored window's slices, worst first", SlicesQuery),
    doc('/v1/slices/series', 'sliceSeries', 'One metric of a slice over time', SeriesQuery),
    doc(
      '/v1/slices/distributions',
      'sliceDistributions',
      'Score and label distributions of a slice against the baseline',
      DistributionsQuery,
    ),
    doc(
      '/v1/slices/failures',
      'sliceFailures',
      'The sampled failures of a slice, newest first, with their verdicts',
      FailuresQuery,
    ),
  ];
}

function fromAfterTo(from: number, to: number): RequestError {
  const reason = `${iso(from)} is after to (${iso(to)})`;
  return new RequestError(`invalid query: from: ${reason}`, 'invalid', [{ name: 'from', reason }]);
}
