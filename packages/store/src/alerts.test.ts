import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AlertEvent, AlertState, Notification, Observation, Silence, SliceMetricRow } from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { openStore, type Store } from './index.ts';

// Alerting's tables on the embedded engine. One store for the file (chdb
// locks its directory), so each test uses rule names of its own.

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const data = tempDataDir();
let store: Store;

function observation(over: Partial<Observation> = {}): Observation {
  return {
    slice: '*',
    window_start: T0 - 15 * MIN,
    window_end: T0,
    value: 0.25,
    n: 1200,
    baseline: 'nov',
    baseline_value: 0.1,
    baseline_n: 50_000,
    p_value: 0.0001,
    q_value: 0.002,
    effect: 0.15,
    degraded: true,
    ...over,
  };
}

function state(over: Partial<AlertState> = {}): AlertState {
  return {
    rule: 'r',
    slice: '*',
    state: 'firing',
    active_at: T0 - 10 * MIN,
    last_held_at: T0,
    fired_at: T0 - 5 * MIN,
    resolved_at: null,
    notified_at: T0 - 5 * MIN,
    firing_notification: 'r:firing:1',
    last: observation(),
    ...over,
  };
}

function notification(id: string, receivers: string[], over: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'firing',
    rule: 'deliveries',
    metric: 'override_rate',
    severity: 'critical',
    condition: { kind: 'threshold', op: '>', fire: 0.2, clear: 0.15 },
    window_ms: 15 * MIN,
    at: T0,
    receivers,
    alerts: [
      {
        slice: 'language=hi',
        state: 'firing',
        fired_at: T0,
        resolved_at: null,
        firing_notification: '',
        last: observation({ slice: 'language=hi' }),
      },
    ],
    ...over,
  };
}

function delivery(notificationId: string, receiver: string, attempt: number, over: Partial<AlertEvent>): AlertEvent {
  return {
    at: T0 + attempt * 1000,
    kind: 'delivery',
    rule: 'deliveries',
    slice: '',
    notification: notificationId,
    receiver,
    attempt,
    outcome: 'retry',
    status: 503,
    detail: '',
    ref: '',
    ...over,
  };
}

function metricRow(
  window: { start: number; end: number },
  metric: SliceMetricRow['metric'],
  slice: string,
  value: number,
) {
  return {
    window_start: window.start,
    window_end: window.end,
    slice,
    metric,
    value,
    n: 500,
    baseline: 'nov',
    baseline_value: 0.1,
    baseline_n: 9000,
    test: 'two_proportion',
    statistic: 2.5,
    p_value: 0.01,
    q_value: null,
    effect: value - 0.1,
    degraded: false,
  } satisfies SliceMetricRow;
}

function silence(id: string, over: Partial<Silence> = {}): Silence {
  return {
    id,
    rule: 'override-rate',
    slice: 'language=hi',
    starts_at: T0,
    ends_at: T0 + 60 * MIN,
    comment: 'known incident',
    created_by: 'ana',
    created_at: T0 - MIN,
    ...over,
  };
}

describe('alerting tables', () => {
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  it('reads back an alert state field for field, with and without its observation', async () => {
    const withLast = state({
      rule: 'roundtrip',
      slice: 'decision_type=refund,language=hi',
      last: observation({
        slice: 'decision_type=refund,language=hi',
        value: null,
        baseline: '',
        baseline_value: null,
        p_value: null,
        q_value: null,
        effect: null,
        degraded: false,
      }),
    });
    const withoutLast = state({
      rule: 'roundtrip',
      slice: '*',
      state: 'inactive',
      active_at: null,
      last_held_at: null,
      fired_at: null,
      notified_at: null,
      firing_notification: '',
      last: null,
    });
    const resolved = state({ rule: 'roundtrip', slice: 'language=en', state: 'resolved', resolved_at: T0 + MIN });
    resolved.last = observation({ slice: 'language=en', n: 2 ** 40 + 3 });
    await store.saveAlertStates([withLast, withoutLast, resolved]);
    assert.deepEqual(await store.alertStates(['roundtrip']), [withoutLast, withLast, resolved]);
  });

  it('keeps the latest state of a (rule, slice): higher version, then later write', async () => {
    await store.saveAlertStates([state({ rule: 'replace', state: 'pending', fired_at: null })], 10);
    await store.saveAlertStates([state({ rule: 'replace', state: 'firing' })], 20);
    await store.saveAlertStates([state({ rule: 'replace', slice: 'language=hi' })], 20);
    // an older version written afterwards (a slow retry) loses
    await store.saveAlertStates([state({ rule: 'replace', state: 'inactive' })], 15);
    let states = await store.alertStates(['replace']);
    assert.deepEqual(
      states.map((s) => [s.slice, s.state]),
      [
        ['*', 'firing'],
        ['language=hi', 'firing'],
      ],
    );
    // same version: the later write wins
    await store.saveAlertStates([state({ rule: 'replace', state: 'resolved', resolved_at: T0 })], 20);
    states = await store.alertStates(['replace']);
    assert.equal(states.find((s) => s.slice === '*')?.state, 'resolved');
    assert.equal(states.length, 2);
  });

  it('filters states by rule, and reads none for no rule', async () => {
    await store.saveAlertStates([state({ rule: 'filter-a' }), state({ rule: 'filter-b' })]);
    assert.deepEqual(
      (await store.alertStates(['filter-a', 'missing'])).map((s) => s.rule),
      ['filter-a'],
    );
    assert.deepEqual(await store.alertStates([]), []);
    const all = (await store.alertStates()).map((s) => s.rule);
    assert.ok(all.includes('filter-a') && all.includes('filter-b'));
  });

  it('keeps each rule its furthest watermark', async () => {
    await store.saveRuleWatermarks([
      { rule: 'wm-a', evaluated_at: T0 },
      { rule: 'wm-b', evaluated_at: T0 + MIN },
    ]);
    await store.saveRuleWatermarks([{ rule: 'wm-a', evaluated_at: T0 + 5 * MIN }]);
    await store.saveRuleWatermarks([{ rule: 'wm-a', evaluated_at: T0 + 2 * MIN }]);
    const marks = await store.ruleWatermarks();
    assert.equal(marks.get('wm-a'), T0 + 5 * MIN);
    assert.equal(marks.get('wm-b'), T0 + MIN);
    assert.equal(marks.has('wm-c'), false);
  });

  it('reads the observations of exactly one window length and end, of the metrics asked, latest run', async () => {
    const w15 = { start: T0 - 15 * MIN, end: T0 };
    const w5 = { start: T0 - 5 * MIN, end: T0 }; // same end, other length
    const earlier = { start: T0 - 30 * MIN, end: T0 - 15 * MIN };
    await store.insertSliceMetrics(
      [
        metricRow(w15, 'override_rate', '*', 0.2),
        metricRow(w15, 'override_rate', 'language=hi', 0.3),
        metricRow(w15, 'error_rate', '*', 0.05),
        metricRow(w5, 'override_rate', '*', 0.9),
        metricRow(earlier, 'override_rate', '*', 0.8),
      ],
      T0 + 1000,
    );
    // a re-run of the window replaces its rows
    await store.insertSliceMetrics([metricRow(w15, 'override_rate', 'language=hi', 0.35)], T0 + 2000);

    const got = await store.ruleObservations({ window_ms: 15 * MIN, end_ms: T0 }, ['override_rate', 'fallback_rate']);
    assert.deepEqual([...got.keys()].sort(), ['fallback_rate', 'override_rate']);
    assert.deepEqual(got.get('fallback_rate'), []);
    const overrides = got.get('override_rate')!;
    assert.deepEqual(
      overrides.map((o) => [o.slice, o.value]),
      [
        ['*', 0.2],
        ['language=hi', 0.35],
      ],
    );
    assert.deepEqual(overrides[0], {
      slice: '*',
      window_start: w15.start,
      window_end: w15.end,
      value: 0.2,
      n: 500,
      baseline: 'nov',
      baseline_value: 0.1,
      baseline_n: 9000,
      p_value: 0.01,
      q_value: null,
      effect: 0.2 - 0.1,
      degraded: false,
    } satisfies Observation);

    const errors = await store.ruleObservations({ window_ms: 15 * MIN, end_ms: T0 }, ['error_rate']);
    assert.deepEqual(
      errors.get('error_rate')?.map((o) => o.value),
      [0.05],
    );
    const short = await store.ruleObservations({ window_ms: 5 * MIN, end_ms: T0 }, ['override_rate']);
    assert.deepEqual(
      short.get('override_rate')?.map((o) => o.value),
      [0.9],
    );
  });

  it('keeps notifications in the outbox, one row per id', async () => {
    const n = notification('out:firing:1', ['slack']);
    await store.insertNotifications([n], T0);
    await store.insertNotifications([n], T0 + 1); // a re-run evaluation writes the same id
    assert.deepEqual(await store.notification('out:firing:1'), n);
    assert.equal(await store.notification('out:firing:missing'), null);
    const [row] = await store.select<{ n: string }>(
      "SELECT count() AS n FROM alert_notifications FINAL WHERE id = 'out:firing:1'",
    );
    assert.equal(Number(row?.n), 1);
  });

  it('replays the deliveries that have no final outcome, since a time', async () => {
    const since = T0 + 10 * MIN;
    await store.insertNotifications([notification('old:firing:1', ['slack'])], since - 1);
    await store.insertNotifications(
      [
        notification('pd:firing:1', ['slack', 'oncall']),
        notification('pd:firing:2', ['slack', 'oncall']),
        notification('pd:firing:3', ['slack']),
      ],
      since,
    );
    await store.insertAlertEvents([
      // 1: slack delivered after a retry; oncall only retried and was rate limited
      delivery('pd:firing:1', 'slack', 1, { outcome: 'retry', status: 503 }),
      delivery('pd:firing:1', 'slack', 2, { outcome: 'delivered', status: 200, ref: 'C1/1700.1' }),
      delivery('pd:firing:1', 'oncall', 1, { outcome: 'retry', status: 0 }),
      delivery('pd:firing:1', 'oncall', 2, { outcome: 'rate_limited', status: 429 }),
      // 2: slack rejected, oncall gave up
      delivery('pd:firing:2', 'slack', 1, { outcome: 'rejected', status: 404 }),
      delivery('pd:firing:2', 'oncall', 5, { outcome: 'gave_up', status: 502 }),
      // a delivered event of another receiver does not close 3's slack
      delivery('pd:firing:3', 'oncall', 1, { outcome: 'delivered', status: 200 }),
      // a non-delivery event that happens to carry an outcome-like detail
      { ...delivery('pd:firing:3', 'slack', 0, {}), kind: 'notification', outcome: '', status: 0, detail: 'queued' },
    ]);
    assert.deepEqual(await store.pendingDeliveries(since), [
      { notification: 'pd:firing:1', receiver: 'oncall' },
      { notification: 'pd:firing:3', receiver: 'slack' },
    ]);
    assert.deepEqual(
      (await store.pendingDeliveries(since - 1)).map((p) => p.notification),
      ['old:firing:1', 'pd:firing:1', 'pd:firing:3'],
    );
    assert.equal(await store.deliveredRef('pd:firing:1', 'slack'), 'C1/1700.1');
    assert.equal(await store.deliveredRef('pd:firing:1', 'oncall'), null);
    assert.equal(await store.deliveredRef('pd:firing:2', 'slack'), null);
  });

  it('lists alert events by rule, notification and kind, newest first', async () => {
    const base = { rule: 'ev', slice: '*', receiver: '', attempt: 0, outcome: '' as const, status: 0, ref: '' };
    const events: AlertEvent[] = [
      { ...base, at: T0, kind: 'transition', notification: '', detail: 'pending->firing' },
      { ...base, at: T0 + 1, kind: 'notification', notification: 'ev:firing:1', detail: 'queued to slack' },
      {
        ...base,
        at: T0 + 2,
        kind: 'delivery',
        notification: 'ev:firing:1',
        receiver: 'slack',
        attempt: 1,
        outcome: 'delivered',
        status: 200,
        detail: '',
        ref: 'C/1',
      },
      { ...base, at: T0 + 3, kind: 'transition', notification: '', detail: 'firing->resolved' },
      { ...base, rule: 'ev-other', at: T0 + 4, kind: 'transition', notification: '', detail: 'inactive->pending' },
    ];
    await store.insertAlertEvents(events);
    assert.deepEqual(await store.alertEvents({ rule: 'ev' }), [events[3], events[2], events[1], events[0]]);
    assert.deepEqual(await store.alertEvents({ notification: 'ev:firing:1' }), [events[2], events[1]]);
    assert.deepEqual(await store.alertEvents({ rule: 'ev', kind: 'transition', limit: 1 }), [events[3]]);
    assert.deepEqual(await store.alertEvents({ rule: 'nothing' }), []);
  });

  it('lists active silences on wall time, keeps expired ones, and expires one', async () => {
    const now = T0 + 30 * MIN;
    const active = silence('s-active');
    const future = silence('s-future', { starts_at: now + MIN, ends_at: now + 60 * MIN, created_at: T0 });
    const over = silence('s-over', { starts_at: T0 - 60 * MIN, ends_at: now, created_at: T0 + MIN });
    for (const s of [active, future, over]) await store.insertSilence(s);

    assert.deepEqual(await store.silences({ now }), [active]);
    assert.deepEqual(await store.silences({ now, includeExpired: true }), [active, future, over]);
    assert.deepEqual(await store.silence('s-future'), future);
    assert.equal(await store.silence('s-missing'), null);

    const expired = await store.expireSilence('s-active', now);
    assert.deepEqual(expired, { ...active, ends_at: now });
    assert.deepEqual(await store.silence('s-active'), { ...active, ends_at: now });
    assert.deepEqual(await store.silences({ now }), []);
    // expiring one already over keeps its end
    assert.deepEqual(await store.expireSilence('s-over', now + 5 * MIN), over);
    assert.equal(await store.expireSilence('s-missing', now), null);
    assert.equal((await store.silences({ now, includeExpired: true })).length, 3);
  });

  it('lists firing then pending alerts, worst first', async () => {
    const at = (rule: string, slice: string, name: AlertState['state'], q: number | null, effect: number | null) =>
      state({ rule, slice, state: name, last: observation({ slice, q_value: q, effect }) });
    const noLast = { ...at('list-b', 'x=none', 'firing', null, null), last: null };
    await store.saveAlertStates([
      at('list-a', 'x=pending', 'pending', 0.0001, 0.9),
      at('list-a', 'x=weak', 'firing', 0.04, 0.5),
      at('list-a', 'x=strong', 'firing', 0.001, 0.1),
      at('list-a', 'x=big-drop', 'firing', 0.04, -0.8),
      at('list-b', 'x=no-q', 'firing', null, 0.9),
      at('list-a', 'x=tie', 'firing', 0.04, 0.5),
      noLast,
      at('list-a', 'x=resolved', 'resolved', 0.0001, 0.9),
      at('list-a', 'x=inactive', 'inactive', 0.0001, 0.9),
    ]);
    const listed = (await store.alertsList()).filter((s) => s.rule.startsWith('list-'));
    assert.deepEqual(
      listed.map((s) => `${s.rule}/${s.slice}`),
      [
        'list-a/x=strong',
        'list-a/x=big-drop',
        'list-a/x=tie',
        'list-a/x=weak',
        'list-b/x=no-q',
        'list-b/x=none',
        'list-a/x=pending',
      ],
    );
  });
});
