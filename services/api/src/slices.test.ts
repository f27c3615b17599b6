import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, METRICS } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import {
  BASELINE,
  HI_BASELINE,
  HI_FAILURES,
  HI_LABELS,
  HI_SCORE_BINS_20,
  HOUR,
  MANY_SLICES,
  MIN,
  OVERRIDE_ORDER,
  seedSliceViews,
  T0,
  UNSAMPLED_TRACE,
} from '../../../test/support/slice-fixtures.ts';
import { type Api, createApi } from './api.ts';
import type {
  DistributionsResponse,
  FailuresResponse,
  SeriesResponse,
  SlicesResponse,
  TraceResponse,
} from './read-models.ts';

// The dashboard's read endpoints over a seeded embedded store
// (test/support/slice-fixtures.ts), through Fastify's inject.

const data = tempDataDir();
let store: Store;
let api: Api;
const iso = (ms: number) => new Date(ms).toISOString();

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  await seedSliceViews(store);
  api = createApi({
    store,
    logger: createLogger('silent'),
    config: { host: '127.0.0.1', port: 0, token: undefined },
    scoring: { ...DEFAULT_CONFIG.scoring, windows: [15 * MIN, HOUR] },
  });
});

after(async () => {
  await api?.stop();
  await store?.close();
  data.cleanup();
});

async function get<T>(url: string, status = 200): Promise<T> {
  const res = await api.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, status, `${url}: ${res.body}`);
  return res.json() as T;
}

const q = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));

describe('GET /v1/slices', () => {
  it('answers the latest window worst first, with baseline, evidence and firing rules', async () => {
    const r = await get<SlicesResponse>('/v1/slices?window=1h&metric=override_rate');
    assert.deepEqual(
      r.slices.map((s) => s.slice),
      OVERRIDE_ORDER,
    );
    assert.equal(r.total, OVERRIDE_ORDER.length);
    assert.deepEqual(
      [r.window, r.metric, r.window_start, r.window_end],
      ['1h', 'override_rate', iso(T0 - HOUR), iso(T0)],
    );
    assert.equal(r.baseline, BASELINE);
    assert.deepEqual(r.windows, ['15m', '1h']);
    assert.deepEqual(r.metrics, [...METRICS]);
    const [worst] = r.slices;
    assert.deepEqual(worst, {
      slice: 'language=hi',
      value: 0.4,
      n: 500,
      baseline_value: 0.1,
      baseline_n: 20_000,
      test: 'two_proportion',
      statistic: 1,
      p_value: 0.0001,
      q_value: 0.001,
      effect: 0.3,
      degraded: true,
      firing: ['any-degraded', 'override-hi'],
    });
    assert.deepEqual(
      r.slices.find((s) => s.slice === 'decision_type=refund')?.firing,
      [],
      'a pending rule is not firing',
    );
    assert.equal(
      r.slices.find((s) => s.slice === 'decision_type=chat')?.degraded,
      false,
      'the latest run of the window',
    );
  });

  it('answers all 1,000 slices by default, limits on request, and ranks latency by its value', async () => {
    const all = await get<SlicesResponse>('/v1/slices?window=1h&metric=latency_p95');
    assert.equal(all.total, MANY_SLICES);
    assert.equal(all.slices.length, MANY_SLICES);
    assert.equal(all.slices[0]?.slice, 'customer=c0999', 'the slowest first');
    const ten = await get<SlicesResponse>('/v1/slices?window=1h&metric=latency_p95&limit=10');
    assert.deepEqual([ten.total, ten.slices.length], [MANY_SLICES, 10]);
  });

  it('goes back in time with at, and answers an empty window without error', async () => {
    const earlier = await get<SlicesResponse>(
      `/v1/slices?${q({ window: '1h', metric: 'override_rate', at: iso(T0 - 1) })}`,
    );
    assert.equal(earlier.window_end, iso(T0 - 10 * MIN));
    assert.deepEqual(
      earlier.slices.map((s) => s.slice),
      ['language=hi'],
    );
    const asMs = await get<SlicesResponse>(`/v1/slices?${q({ window: '1h', at: T0 - 1 })}`);
    assert.equal(asMs.window_end, iso(T0 - 10 * MIN), 'epoch ms too; override_rate by default');
    const none = await get<SlicesResponse>(`/v1/slices?${q({ window: '1h', at: '2020-01-01T00:00:00Z' })}`);
    assert.deepEqual([none.window_start, none.total, none.slices, none.baseline], [null, 0, [], '']);
    const noRows = await get<SlicesResponse>('/v1/slices?window=15m&metric=volume');
    assert.deepEqual([noRows.window_end, noRows.total], [iso(T0), 0]);
  });
});

describe('GET /v1/slices/series, /distributions, /failures', () => {
  it('gives the series in time order against its baseline, of the chosen window length', async () => {
    const r = await get<SeriesResponse>(`/v1/slices/series?${q({ slice: 'language=hi', window: '1h' })}`);
    assert.deepEqual(
      r.points.map((p) => [p.window_end, p.value, p.baseline_value, p.degraded]),
      [
        [iso(T0 - 30 * MIN), 0.1, 0.1, false],
        [iso(T0 - 20 * MIN), 0.2, 0.1, false],
        [iso(T0 - 10 * MIN), 0.3, 0.1, true],
        [iso(T0), 0.4, 0.1, true],
      ],
    );
    assert.equal(r.points[0]?.n, 500);
    const ranged = await get<SeriesResponse>(
      `/v1/slices/series?${q({ slice: 'language=hi', window: '1h', metric: 'override_rate', from: iso(T0 - 25 * MIN), to: iso(T0 - 5 * MIN) })}`,
    );
    assert.equal(ranged.points.length, 2);
    const short = await get<SeriesResponse>(`/v1/slices/series?${q({ slice: 'language=hi', window: '15m' })}`);
    assert.deepEqual(
      short.points.map((p) => p.value),
      [0.99],
    );
  });

  it('gives the score and label distributions of the latest window against the active baseline', async () => {
    const r = await get<DistributionsResponse>(`/v1/slices/distributions?${q({ slice: 'language=hi', window: '1h' })}`);
    assert.deepEqual([r.window_start, r.window_end, r.baseline], [iso(T0 - HOUR), iso(T0), BASELINE]);
    assert.equal(r.score.bins, 20);
    const expected = (counts: Record<number, number>) => Array.from({ length: 20 }, (_, i) => counts[i] ?? 0);
    assert.deepEqual(r.score.current, expected(HI_SCORE_BINS_20));
    assert.deepEqual(r.score.baseline, expected(HI_BASELINE.bins20));
    assert.deepEqual(r.labels, { current: HI_LABELS, baseline: HI_BASELINE.labels });
    const fine = await get<DistributionsResponse>(
      `/v1/slices/distributions?${q({ slice: 'language=hi', window: '1h', bins: 100 })}`,
    );
    assert.equal(fine.score.current.length, 100);
    assert.equal(fine.score.current[29], 1);
    const missing = await get<DistributionsResponse>(
      `/v1/slices/distributions?${q({ slice: 'language=fr', window: '1h' })}`,
    );
    assert.deepEqual([missing.window_end, missing.score.current.every((c) => c === 0)], [null, true]);
    assert.deepEqual(missing.labels.baseline, {}, 'a slice the baseline lacks');
  });

  it('lists the slice failures newest first with their verdicts, from that slice only', async () => {
    const r = await get<FailuresResponse>(`/v1/slices/failures?${q({ slice: 'language=hi' })}`);
    assert.deepEqual(
      r.failures.map((f) => f.decision_id),
      HI_FAILURES,
    );
    const d3 = r.failures.find((f) => f.decision_id === 'd3')!;
    assert.deepEqual(
      d3.verdicts.map((v) => [v.kind, v.reviewer_id, v.seniority, v.label]),
      [
        ['review', 'ann', 'junior', 'deny'],
        ['review', 'bo', 'senior', 'approve'],
      ],
    );
    const d1 = r.failures.find((f) => f.decision_id === 'd1')!;
    assert.deepEqual(
      {
        ts: d1.ts,
        trace: d1.trace_id,
        type: d1.decision_type,
        reason: d1.sample_reason,
        status: d1.status_message,
        mv: d1.model_version,
      },
      {
        ts: iso(T0 - 50 * MIN),
        trace: 'trace-d1',
        type: 'refund',
        reason: 'error',
        status: 'upstream timeout',
        mv: 'v7',
      },
    );
    // pairs in any order name the same slice
    const both = await get<FailuresResponse>(
      `/v1/slices/failures?${q({ slice: 'language=hi,decision_type=refund', limit: 2 })}`,
    );
    assert.equal(both.slice, 'decision_type=refund,language=hi');
    assert.deepEqual(
      both.failures.map((f) => f.decision_id),
      ['d5', 'd2'],
    );
    const en = await get<FailuresResponse>(`/v1/slices/failures?${q({ slice: 'language=en' })}`);
    assert.deepEqual(
      en.failures.map((f) => f.decision_id),
      ['d7'],
    );
  });
});

describe('GET /v1/traces/:trace_id', () => {
  it('gives the spans of a sampled trace with the verdicts on its decisions', async () => {
    const r = await get<TraceResponse>('/v1/traces/trace-d3');
    assert.equal(r.trace_id, 'trace-d3');
    assert.deepEqual(
      r.spans.map((s) => [s.name, s.parent_span_id, s.decision_id]),
      [
        ['handle ticket', '', ''],
        ['decide', 'root-d3', 'd3'],
      ],
    );
    assert.equal(r.spans[1]?.attributes['livegrade.decision.label'], 'deny');
    assert.equal(r.spans[1]?.ts, iso(T0 - 30 * MIN));
    assert.deepEqual(
      r.verdicts.map((v) => [v.decision_id, v.reviewer_id]),
      [
        ['d3', 'ann'],
        ['d3', 'bo'],
      ],
    );
  });

  it('answers 404 for a trace that was not sampled, saying only sampled traces are kept', async () => {
    const r = await get<{ detail: string }>(`/v1/traces/${UNSAMPLED_TRACE}`, 404);
    assert.match(r.detail, /only sampled traces are kept/);
    assert.match(r.detail, new RegExp(UNSAMPLED_TRACE));
  });
});

describe('read endpoints refuse bad query strings', () => {
  const cases: Array<[string, RegExp]> = [
    ['/v1/slices?window=2h', /window: "2h" is not a scored window; scoring\.windows has 15m, 1h/],
    [
      '/v1/slices?window=1h&metric=overide_rate',
      /metric: "overide_rate" is not a metric; metrics are volume, error_rate/,
    ],
    ['/v1/slices?limit=0', /limit: "0" is not a whole number from 1 to 5000/],
    ['/v1/slices?limit=5001', /limit: .*from 1 to 5000/],
    ['/v1/slices?at=yesterday', /at: "yesterday" is not a time; expected an ISO 8601 time with a zone/],
    ['/v1/slices?at=2026-11-20T12:00:00', /at: .* is not a time/],
    ['/v1/slices?metric=volume&metric=error_rate', /metric: give this parameter once/],
    ['/v1/slices?windw=1h', /unknown parameter "windw"; this endpoint takes window, metric, at, limit/],
    ['/v1/slices/series?window=1h', /slice: required: a slice key such as decision_type=refund,language=hi, or \*/],
    ['/v1/slices/series?slice=language', /slice: "language" is not a dim=value pair/],
    [
      `/v1/slices/series?${q({ slice: 'language=hi', from: iso(T0 - 40 * 86_400_000), to: iso(T0) })}`,
      /from, to: 40d apart; at most 31d/,
    ],
    [`/v1/slices/series?${q({ slice: 'language=hi', from: iso(T0), to: iso(T0 - 1) })}`, /from: .* is after to/],
    [
      '/v1/slices/distributions?slice=*&bins=3',
      /bins: "3" does not divide the 100 stored bins; expected one of 1, 2, 4, 5, 10, 20, 25, 50, 100/,
    ],
    ['/v1/slices/failures?slice=*&limit=201', /limit: .*from 1 to 200/],
  ];
  for (const [url, message] of cases) {
    it(`400 for ${decodeURIComponent(url)}`, async () => {
      const r = await get<{ detail: string }>(url, 400);
      assert.match(r.detail, message);
    });
  }
});
