import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import {
  BASELINE,
  HI_FAILURES,
  HI_LABELS,
  HOUR,
  MANY_SLICES,
  MIN,
  seedSliceViews,
  T0,
  UNSAMPLED_TRACE,
  WINDOW,
} from '../../../test/support/slice-fixtures.ts';
import { openStore, type Store } from './index.ts';
import { sliceCondition } from './slice-sql.ts';
import { thinSeries } from './slice-views.ts';

// The read API's store views on the embedded engine, over the seeded fixture
// (test/support/slice-fixtures.ts). One store for the file: chdb locks its directory.

const data = tempDataDir();
let store: Store;

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  await seedSliceViews(store);
});

after(async () => {
  await store?.close();
  data.cleanup();
});

describe('slice views: scored windows', () => {
  it('find the latest window of a length, at or before a time, and of one slice', async () => {
    assert.deepEqual(await store.latestWindow(HOUR), WINDOW);
    assert.deepEqual(await store.latestWindow(HOUR, T0 - 1), { start: T0 - 10 * MIN - HOUR, end: T0 - 10 * MIN });
    assert.deepEqual(await store.latestWindow(15 * MIN), { start: T0 - 15 * MIN, end: T0 });
    assert.deepEqual(await store.latestWindow(HOUR, undefined, 'decision_type=chat'), WINDOW);
    assert.equal(await store.latestWindow(HOUR, T0 - 1, 'decision_type=chat'), null, 'chat has one window');
    assert.equal(await store.latestWindow(2 * HOUR), null, 'no window of that length');
  });

  it('read one metric of a window, the latest run of each slice', async () => {
    const rows = await store.windowRows(WINDOW, 'override_rate');
    assert.equal(rows.length, 6);
    const chat = rows.find((r) => r.slice === 'decision_type=chat')!;
    assert.equal(chat.degraded, false, 'the later run replaced the degraded one');
    assert.equal(chat.q_value, 0.5);
    const hi = rows.find((r) => r.slice === 'language=hi')!;
    assert.deepEqual(
      { value: hi.value, baseline: hi.baseline, baseline_value: hi.baseline_value, n: hi.n, test: hi.test },
      { value: 0.4, baseline: BASELINE, baseline_value: 0.1, n: 500, test: 'two_proportion' },
    );
    assert.equal((await store.windowRows(WINDOW, 'latency_p95')).length, MANY_SLICES);
  });

  it('give a slice series in time order, of one window length only', async () => {
    const points = await store.series('language=hi', HOUR, 'override_rate', T0 - 24 * HOUR, T0, 1440);
    assert.deepEqual(
      points.map((p) => [p.window_end, p.value, p.baseline_value, p.degraded]),
      [
        [T0 - 30 * MIN, 0.1, 0.1, false],
        [T0 - 20 * MIN, 0.2, 0.1, false],
        [T0 - 10 * MIN, 0.3, 0.1, true],
        [T0, 0.4, 0.1, true],
      ],
    );
    // read through the by_slice projection without FINAL: a re-scored window still counts once, as its latest run
    const chat = await store.series('decision_type=chat', HOUR, 'override_rate', T0 - 24 * HOUR, T0, 1440);
    assert.deepEqual(
      chat.map((p) => [p.window_end, p.value, p.degraded]),
      [[T0, 0.3, false]],
    );
    const thinned = await store.series('language=hi', HOUR, 'override_rate', T0 - 24 * HOUR, T0, 2);
    assert.deepEqual(
      thinned.map((p) => p.window_end),
      [T0 - 20 * MIN, T0],
      'two points, each the last of its group',
    );
  });
});

describe('slice views: one slice', () => {
  it('count the scores and labels of its decisions in a range, as the scorer bins them', async () => {
    const d = await store.sliceDistribution('language=hi', WINDOW.start, WINDOW.end);
    assert.equal(d.volume, 6);
    assert.equal(d.scored, 5, 'one decision has no score');
    assert.deepEqual(d.labels, HI_LABELS);
    const nonzero = Object.fromEntries(d.score_hist.flatMap((c, i) => (c > 0 ? [[i, c]] : [])));
    assert.deepEqual(nonzero, { 5: 1, 29: 1, 50: 1, 95: 1, 96: 1 }, '0.29 stored as Float32 stays in bin 29');
    const both = await store.sliceDistribution('decision_type=refund,language=hi', WINDOW.start, WINDOW.end);
    assert.equal(both.volume, 5, 'both pairs filter');
    const all = await store.sliceDistribution('*', WINDOW.start, WINDOW.end);
    assert.equal(all.volume, 7);
  });

  it('take slice values as query parameters, never as SQL', async () => {
    const hostile = "language=hi' OR 1=1 --";
    const d = await store.sliceDistribution(hostile, WINDOW.start, WINDOW.end);
    assert.equal(d.volume, 0);
    assert.deepEqual(sliceCondition('decision_type=refund,language=hi'), {
      sql: "d.decision_type = {slice_v0:String} AND d.slices['language'] = {slice_v1:String}",
      params: { slice_v0: 'refund', slice_v1: 'hi' },
    });
    assert.throws(() => sliceCondition("x'y=1"), /invalid slice dimension/);
  });

  it('read a baseline slice, or null for one the baseline lacks', async () => {
    const b = await store.baselineSlice(BASELINE, 'language=hi');
    assert.equal(b?.score_hist[3], 60);
    assert.deepEqual(b?.labels, { approve: 80, deny: 20 });
    assert.equal(await store.baselineSlice(BASELINE, 'language=fr'), null);
  });

  it('list sampled failures newest first, with their verdicts and status, only of the slice', async () => {
    const failures = await store.failures('language=hi', { limit: 20 });
    assert.deepEqual(
      failures.map((f) => f.decision_id),
      HI_FAILURES,
    );
    const byId = new Map(failures.map((f) => [f.decision_id, f]));
    assert.deepEqual(
      byId.get('d3')!.verdicts.map((v) => [v.reviewer_id, v.label]),
      [
        ['ann', 'deny'],
        ['bo', 'approve'],
      ],
    );
    assert.equal(byId.get('d2')!.verdicts[0]!.value, 'thumbs_down');
    assert.equal(byId.get('d1')!.status_message, 'upstream timeout');
    assert.equal(byId.get('d1')!.sample_reason, 'error');
    assert.equal(byId.get('d5')!.score, null);
    assert.deepEqual(
      (await store.failures('decision_type=refund,language=hi', { limit: 20 })).map((f) => f.decision_id),
      ['d5', 'd2', 'd1'],
    );
    assert.deepEqual(
      (await store.failures('language=hi', { limit: 2 })).map((f) => f.decision_id),
      ['d5', 'd3'],
    );
    assert.deepEqual(
      (await store.failures('language=hi', { from: T0 - 45 * MIN, to: T0 - 20 * MIN, limit: 20 })).map(
        (f) => f.decision_id,
      ),
      ['d3', 'd2'],
    );
  });

  it('give a kept trace with its spans and verdicts, and null for one not kept', async () => {
    const t = await store.trace('trace-d3');
    assert.deepEqual(
      t?.spans.map((s) => [s.name, s.decision_id, s.sample_reason]),
      [
        ['handle ticket', '', 'stratified'],
        ['decide', 'd3', 'stratified'],
      ],
    );
    assert.equal(t?.spans[0]?.attributes['ticket.id'], 'T-d3');
    assert.deepEqual(
      t?.verdicts.map((v) => v.decision_id),
      ['d3', 'd3'],
    );
    assert.equal(await store.trace(UNSAMPLED_TRACE), null);
    assert.equal(await store.trace('no-such-trace'), null);
  });
});

describe('thinSeries', () => {
  const p = (end: number, degraded = false) => ({ window_end: end, value: end, baseline_value: null, n: 1, degraded });
  it('keeps at most maxPoints in order, and a degraded point over its neighbours', () => {
    const points = [p(1), p(2, true), p(3), p(4), p(5), p(6)];
    assert.deepEqual(
      thinSeries(points, 3).map((x) => x.window_end),
      [2, 4, 6],
    );
    assert.equal(thinSeries(points, 10).length, 6);
  });
});
