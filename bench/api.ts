// The read API (issue 6), each figure next to a baseline from the same store
// and run: GET /v1/slices (one metric of the latest window, ranked, with
// firing rules) and GET /v1/slices/series (a day of one slice) through
// Fastify's inject, over 1,000 slices × 15 metrics × 24 h of windows (the
// default scoring: 15m and 1h windows every minute), next to bare count()s
// of the rows each reads, and of the whole table.
import { DEFAULT_CONFIG, METRICS, parseEnv } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { openStore, type Store } from '@livegrade/store';
import { createApi } from '../services/api/src/api.ts';
import { tempDataDir } from '../test/support/env.ts';
import { median } from './table.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SLICES = 1000;
const WINDOW_ENDS = 24 * 60;
const T_END = Date.UTC(2026, 10, 20, 12, 0, 0);

export interface ApiBenchResult {
  slices: number;
  metrics: number;
  windowEnds: number;
  windowLengths: number;
  rows: number;
  seedMs: number;
  runs: number;
  /** GET /v1/slices?window=1h&metric=override_rate, median ms */
  slicesMs: number;
  /** the rows it reads: count() of the window's rows of the metric, no FINAL */
  windowCountMs: number;
  /** count() over the whole table */
  tableCountMs: number;
  /** GET /v1/slices/series for one slice over the default day */
  seriesMs: number;
  seriesPoints: number;
  /** count() of the same rows (one slice, metric and window length over the day) by the same filter, no FINAL */
  seriesCountMs: number;
  /** that count() with the by_slice projection turned off: what the series cost before migration 0010 */
  seriesNoProjectionCountMs: number;
  answered: number;
}

async function timedRuns(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn(); // warm-up: caches, JIT
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Every (window, slice, metric) row of the day, generated in the engine an hour of window ends at a time. */
async function seed(store: Store, windows: readonly number[]): Promise<number> {
  const perEnd = windows.length * SLICES * METRICS.length;
  const metrics = `[${METRICS.map((m) => `'${m}'`).join(', ')}]`;
  const lengths = `[${windows.join(', ')}]`;
  for (let hour = 0; hour < WINDOW_ENDS / 60; hour++) {
    const first = hour * 60 * perEnd;
    // number → metric (fastest), slice, window length, window end (counting back from T_END)
    await store.clients.writer.command({
      query: `INSERT INTO slice_metrics (window_start, window_end, slice, metric, value, n, baseline, baseline_value,
          baseline_n, test, statistic, p_value, q_value, effect, degraded, scored_at)
        SELECT we - toIntervalMillisecond(wl) AS window_start, we AS window_end,
          concat('decision_type=type', toString(s % 10), ',language=lang', toString(intDiv(s, 10))) AS slice,
          ${metrics}[m + 1] AS metric, h / 1000 AS value, 100 + h % 5000 AS n, 'bench' AS baseline,
          (h % 997) / 1000 AS baseline_value, 20000 AS baseline_n, 'two_proportion' AS test, h / 300 AS statistic,
          if(h % 3 = 0, NULL, (h % 10000) / 10000) AS p_value, if(h % 3 = 0, NULL, (h % 10007) / 10007) AS q_value,
          (h % 201 - 100) / 1000 AS effect, h % 3 != 0 AND h % 10007 < 10 AS degraded, we AS scored_at
        FROM (
          SELECT number % ${METRICS.length} AS m, intDiv(number, ${METRICS.length}) % ${SLICES} AS s,
            ${lengths}[intDiv(number, ${METRICS.length * SLICES}) % ${windows.length} + 1] AS wl,
            fromUnixTimestamp64Milli(toInt64(${T_END} - intDiv(number, ${perEnd}) * ${MIN})) AS we,
            cityHash64(number) % 1000 AS h
          FROM numbers(${first}, ${60 * perEnd}))`,
    });
  }
  return WINDOW_ENDS * perEnd;
}

export async function benchApi(runs = 9): Promise<ApiBenchResult> {
  const data = tempDataDir('livegrade-bench-api-');
  const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
  const scoring = DEFAULT_CONFIG.scoring;
  const api = createApi({
    store,
    logger: createLogger('silent'),
    config: { host: '127.0.0.1', port: 0, token: undefined },
    scoring,
  });
  try {
    const t = performance.now();
    const rows = await seed(store, scoring.windows);
    const seedMs = performance.now() - t;
    // a few firing rules, as a live instance has
    await store.saveAlertStates(
      ['decision_type=type1,language=lang3', 'decision_type=type2,language=lang7'].map((slice) => ({
        rule: 'override-up',
        slice,
        state: 'firing' as const,
        active_at: T_END - 10 * MIN,
        last_held_at: T_END,
        fired_at: T_END - 5 * MIN,
        resolved_at: null,
        notified_at: null,
        firing_notification: '',
        last: null,
      })),
    );
    const w = store.clients.writer;
    const count = async (query: string) => {
      const rs = await w.query({ query, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    };

    let answered = 0;
    const slicesMs = await timedRuns(runs, async () => {
      const res = await api.app.inject({ url: '/v1/slices?window=1h&metric=override_rate' });
      if (res.statusCode !== 200) throw new Error(`GET /v1/slices: ${res.statusCode} ${res.body}`);
      answered = (res.json() as { slices: unknown[] }).slices.length;
    });
    const windowCountMs = await timedRuns(runs, () =>
      count(`SELECT count() AS n FROM slice_metrics
             WHERE window_end = fromUnixTimestamp64Milli(${T_END}) AND window_start = fromUnixTimestamp64Milli(${T_END - HOUR})
               AND metric = 'override_rate'`),
    );
    const tableCountMs = await timedRuns(runs, () => count('SELECT count() AS n FROM slice_metrics'));

    const slice = encodeURIComponent('decision_type=type1,language=lang3');
    let seriesPoints = 0;
    const seriesMs = await timedRuns(runs, async () => {
      const res = await api.app.inject({ url: `/v1/slices/series?slice=${slice}&window=1h&metric=override_rate` });
      if (res.statusCode !== 200) throw new Error(`GET /v1/slices/series: ${res.statusCode} ${res.body}`);
      seriesPoints = (res.json() as { points: unknown[] }).points.length;
    });
    const day = `window_end >= fromUnixTimestamp64Milli(${T_END - 24 * HOUR}) AND window_end <= fromUnixTimestamp64Milli(${T_END})`;
    const ofSlice = `slice = 'decision_type=type1,language=lang3' AND metric = 'override_rate'`;
    const seriesRows = `SELECT count() AS n FROM slice_metrics
             WHERE ${ofSlice} AND ${day} AND window_start = window_end - toIntervalMillisecond(${HOUR})`;
    const seriesCountMs = await timedRuns(runs, () => count(seriesRows));
    const seriesNoProjectionCountMs = await timedRuns(runs, () =>
      count(`${seriesRows} SETTINGS optimize_use_projections = 0`),
    );
    return {
      slices: SLICES,
      metrics: METRICS.length,
      windowEnds: WINDOW_ENDS,
      windowLengths: scoring.windows.length,
      rows,
      seedMs,
      runs,
      slicesMs,
      windowCountMs,
      tableCountMs,
      seriesMs,
      seriesPoints,
      seriesCountMs,
      seriesNoProjectionCountMs,
      answered,
    };
  } finally {
    await api.stop();
    await store.close();
    data.cleanup();
  }
}
