// The alerter over a real (embedded) ClickHouse engine and the in-process
// queues, fed slice_metrics rows directly: what survives a restart, what a
// silence does, windows out of order, and a receiver that refuses.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type AlertsConfig, parseConfig, QUEUES, type SliceMetricRow } from '@livegrade/core';
import { createJobs, type Jobs } from '@livegrade/jobs';
import { createLogger } from '@livegrade/runtime';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { type FakeReceiver, startFakeReceiver } from '../../../test/support/fake-receiver.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { type Alerter, createAlerter } from './alerter.ts';
import { alerterConfig } from './config.ts';

const MIN = 60_000;
const WINDOW = 15 * MIN;
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const HI = 'decision_type=refund,language=hi';

function alertsConfig(rule: Record<string, unknown> = {}): AlertsConfig {
  return parseConfig({
    scoring: { windows: ['15m'], slices: [['decision_type'], ['decision_type', 'language']] },
    alerts: {
      receivers: { hook: { type: 'webhook', url_env: 'HOOK_URL' } },
      rules: [{ name: 'overrides', metric: 'override_rate', condition: 'degraded', for: '30m', ...rule }],
    },
  }).alerts;
}

/** one window's override_rate rows: `degraded` lists the slices flagged */
function rows(k: number, degraded: string[]): SliceMetricRow[] {
  const end = T0 + k * WINDOW;
  return ['*', 'decision_type=refund', HI, 'decision_type=refund,language=en'].map((slice) => ({
    window_start: end - WINDOW,
    window_end: end,
    slice,
    metric: 'override_rate',
    value: degraded.includes(slice) ? 0.3 : 0.05,
    n: 200,
    baseline: 'v1',
    baseline_value: 0.05,
    baseline_n: 400,
    test: 'two_proportion',
    statistic: 1,
    p_value: degraded.includes(slice) ? 1e-6 : 0.5,
    q_value: degraded.includes(slice) ? 1e-5 : 0.6,
    effect: degraded.includes(slice) ? 0.25 : 0,
    degraded: degraded.includes(slice),
  }));
}

const windowOf = (k: number) => ({ window_ms: WINDOW, end_ms: T0 + k * WINDOW });

describe('alerter on the embedded store', () => {
  const data = tempDataDir();
  let store: Store;
  let receiver: FakeReceiver;
  let jobs: Jobs | undefined;
  let alerter: Alerter | undefined;
  let wall = T0;

  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    receiver = await startFakeReceiver();
  });
  after(async () => {
    await receiver.close();
    await store.close();
    data.cleanup();
  });
  afterEach(stop);

  /** a fresh alerter process: new queues, the same store */
  async function start(alerts: AlertsConfig, extra: { replayEveryMs?: number } = {}) {
    await stop();
    jobs = createJobs({ logger: createLogger('silent') });
    alerter = createAlerter({
      jobs,
      store,
      logger: createLogger('silent'),
      config: { ...alerterConfig(alerts, { backoffMs: 50, maxBackoffMs: 200 }), ...extra },
      env: { HOOK_URL: receiver.url },
      now: () => wall,
    });
    await alerter.start();
    return alerter;
  }
  async function stop() {
    await alerter?.stop();
    await jobs?.close();
    alerter = undefined;
    jobs = undefined;
  }
  async function evaluate(k: number, degraded: string[]) {
    await store.insertSliceMetrics(rows(k, degraded));
    return alerter!.evaluate(windowOf(k));
  }
  const kinds = () =>
    receiver.delivered().map((r) => (r.body as { notification: { id: string } }).notification.id.replace(/\.\d+$/, ''));

  it('keeps a pending alert across a restart, and does not fire a firing one again after it', async () => {
    const alerts = alertsConfig();
    await start(alerts);
    await evaluate(1, [HI]); // pending since W1
    assert.deepEqual(
      (await store.alertsList()).map((a) => `${a.state} ${a.slice}`),
      [`pending ${HI}`],
    );

    await start(alerts); // restart: `for` still counts from W1
    await evaluate(2, [HI]);
    assert.equal((await store.alertsList())[0]!.state, 'pending', '15 min of 30');
    await evaluate(3, [HI]);
    await waitFor('the firing message', async () => (kinds().length === 1 ? true : undefined));
    assert.deepEqual(kinds(), ['overrides.firing']);

    await start(alerts); // restart while firing
    await evaluate(4, [HI]);
    await evaluate(5, [HI]);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(kinds(), ['overrides.firing'], 'no second firing message after the restart');
    await evaluate(6, []);
    await waitFor('the resolve', async () => (kinds().length === 2 ? true : undefined));
    assert.deepEqual(kinds(), ['overrides.firing', 'overrides.resolved']);
  });

  it('skips a window older than the last one a rule evaluated', async () => {
    await start(alertsConfig());
    const late = await alerter!.evaluate(windowOf(3));
    assert.equal(late.rules, 0, 'W3 comes after W6: not evaluated again');
    assert.equal(late.transitions, 0);
  });

  it('holds back a silenced alert and sends it once the silence expires', async () => {
    const alerts = alertsConfig({ name: 'silenced', for: '0s' });
    await start(alerts);
    wall = T0 + 10 * WINDOW;
    await store.insertSilence({
      id: 'quiet-hi',
      rule: 'silenced',
      slice: 'language=hi',
      starts_at: wall - MIN,
      ends_at: wall + 30 * MIN,
      comment: 'hi reviewers on leave',
      created_by: 'test',
      created_at: wall - MIN,
    });
    const before = receiver.delivered().length;
    await evaluate(10, [HI]);
    const suppressed = await store.alertEvents({ rule: 'silenced', kind: 'suppressed' });
    assert.equal(suppressed.length, 1);
    assert.match(suppressed[0]!.detail, /silenced by quiet-hi/);
    assert.equal((await store.alertsList()).find((a) => a.rule === 'silenced')?.state, 'firing');

    wall += 31 * MIN; // the silence has ended
    await evaluate(11, [HI]);
    const sent = await waitFor('the firing message after the silence', async () =>
      receiver.delivered().length > before ? receiver.delivered().at(-1) : undefined,
    );
    assert.match(JSON.stringify(sent.body), /silenced\.firing/);
    assert.ok(JSON.stringify(sent.body).includes(HI));
  });

  it('records a 4xx as rejected and does not retry it', async () => {
    await start(alertsConfig({ name: 'refused', for: '0s' }));
    receiver.script([{ status: 404, body: 'no_service' }]);
    await evaluate(20, [HI]);
    const id = `refused.firing.${T0 + 20 * WINDOW}`;
    const events = await waitFor('the rejected delivery', async () => {
      const e = await store.alertEvents({ notification: id, kind: 'delivery' });
      return e.length > 0 ? e : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    const all = await store.alertEvents({ notification: id, kind: 'delivery' });
    assert.deepEqual(
      all.map((e) => `${e.attempt} ${e.outcome} ${e.status}`),
      ['1 rejected 404'],
    );
    assert.match(events[0]!.detail, /no_service/);
    assert.deepEqual(await store.pendingDeliveries(0), [], 'a rejected delivery is final: not replayed');
  });

  it('delivers, once and without a restart, an alert whose delivery job could not be queued', async () => {
    await start(alertsConfig({ name: 'unqueued', for: '0s' }), { replayEveryMs: 200 });
    // Redis down at the moment the evaluation queues the delivery: the notification is
    // in the outbox and the watermark has moved, so a retry of the evaluation queues nothing
    const queue = jobs!.queue(QUEUES.alertDelivery);
    const add = queue.add.bind(queue);
    let refused = 0;
    queue.add = (async (...args: Parameters<typeof add>) => {
      if (refused++ === 0) throw new Error('Redis is down (test)');
      return add(...args);
    }) as typeof queue.add;
    await assert.rejects(evaluate(30, [HI]), /Redis is down/);
    const id = `unqueued.firing.${T0 + 30 * WINDOW}`;
    const mine = () => receiver.delivered().filter((r) => JSON.stringify(r.body).includes(id));
    await waitFor('the alert delivered by the replay', async () => (mine().length > 0 ? true : undefined), {
      timeoutMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 600)); // three more replays: none sends it again
    assert.equal(mine().length, 1);
  });
});
