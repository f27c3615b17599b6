// Row 3 of the fault suite: Redis restarted while windows are being scored
// and alerts delivered. The pipeline runs in production mode (real Kafka, the
// ClickHouse engine, BullMQ) on a throwaway redis-server of its own, run as
// production runs it (append-only file, everysec, noeviction), under steady
// traffic in compressed time (2 s windows scored every 2 s). Mid-run Redis is
// stopped as `docker restart` stops it (SIGTERM: it flushes its AOF), stays
// down `downMs`, and comes back on the same file.
//
// Two rows from one run (run once per process, whichever row asks first):
//   windows: every window due (both lengths, every tick) is in slice_metrics;
//            duplicates are scoring runs beyond one per window plus rows a
//            user's query (FINAL) would see twice
//   alerts:  a threshold rule on the error rate of the `flap` slice, which
//            flips every `periodMs`, must send one firing at each off→on
//            window and one resolve at each on→off window: the fake Slack
//            receiver counts what arrived, by the notification id in the
//            message
import { type Instance, startInstance } from '@livegrade/cli';
import { DEFAULT_CONFIG, parseConfig, windowsDue } from '@livegrade/core';
import { tempDataDir, testEnv } from '../support/env.ts';
import { type FakeReceiver, startFakeReceiver } from '../support/fake-receiver.ts';
import { requireKafka, uniqueKafkaNames } from '../support/infra.ts';
import { countVisible } from '../support/store.ts';
import { waitFor } from '../support/wait.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { FLAP, flapOn, listeningLogger, startLoad } from './support/redis-scoring-load.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';

export interface RedisRestartOptions {
  /** 'aof': production's Redis; 'none': a Redis that comes back empty */
  persistence: 'aof' | 'none';
  /** SIGTERM: a restart (AOF flushed); SIGKILL: a crash */
  signal: 'SIGTERM' | 'SIGKILL';
  /** how long Redis stays down */
  downMs: number;
  /** traffic before the fault and after it */
  beforeMs: number;
  afterMs: number;
}

export const PRODUCTION: RedisRestartOptions = {
  persistence: 'aof',
  signal: 'SIGTERM',
  downMs: 5000,
  beforeMs: 20_000,
  afterMs: 20_000,
};

const SEC = 1000;
const INTERVAL = 2 * SEC;
const WINDOWS = [2 * SEC, 10 * SEC];
const LAG = 3 * SEC;
const CATCH_UP = 10;
const PERIOD = 6 * SEC;
const RULE = 'flap-errors';

export interface RedisRestartRows {
  windows: FaultRow;
  alerts: FaultRow;
}

export async function runRedisRestart(
  opts: RedisRestartOptions,
  log: (msg: string) => void,
  label = 'redis restarted',
): Promise<RedisRestartRows> {
  const kafka = await requireKafka();
  if (!kafka.ok) throw new Error(kafka.skip);
  const redis: RedisServer = await startRedisServer({ persistence: opts.persistence });
  const slack: FakeReceiver = await startFakeReceiver();
  const data = tempDataDir('livegrade-faults-redis-');
  const prefix = `lgfaults-redis-${process.pid}-${Date.now().toString(36)}`;
  log(`${label}: redis-server on ${redis.url} (${opts.persistence === 'aof' ? 'AOF everysec' : 'no persistence'})`);
  const parsed = parseConfig({
    scoring: {
      interval: `${INTERVAL / SEC}s`,
      windows: WINDOWS.map((w) => `${w / SEC}s`),
      lag: `${LAG / SEC}s`,
      catch_up: CATCH_UP,
      slices: [['decision_type']],
      min_samples: 5,
    },
    alerts: {
      receivers: { slack: { type: 'slack' } },
      rules: [
        {
          name: RULE,
          metric: 'error_rate',
          window: `${WINDOWS[0]! / SEC}s`,
          slices: [['decision_type']],
          condition: { op: '>', threshold: 0.5 },
          min_samples: 5,
          receivers: ['slack'],
        },
      ],
    },
  });
  const config = { ...parsed, sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 } };
  // every scoring run of a window, from the scorer's own log line
  const runs = new Map<string, number>();
  const logger = listeningLogger((line) => {
    if (line.msg === 'window scored') {
      const key = `${line.window_start}-${line.window_end}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
    }
  });
  const env = testEnv({
    LIVEGRADE_DATA_DIR: data.dir,
    LIVEGRADE_KAFKA_BROKERS: kafka.url,
    ...uniqueKafkaNames('faults-redis'),
    LIVEGRADE_REDIS_URL: redis.url,
    LIVEGRADE_REDIS_PREFIX: prefix,
    LIVEGRADE_SLACK_WEBHOOK_URL: slack.url,
  });
  let instance: Instance | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  try {
    instance = await startInstance(env, {
      services: ['sampler', 'scorer', 'alerter'],
      config,
      logger,
      alertDelivery: { backoffMs: 200, maxBackoffMs: 2000 },
    });
    const store = instance.store!;
    load = startLoad(instance, { perSecond: 10, periodMs: PERIOD });
    await waitFor('the first decisions stored', async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) > 0 ? true : undefined,
    );
    const started = Date.now();
    await sleep(opts.beforeMs);

    const downAt = Date.now();
    log(`${label}: stopping redis (${opts.signal}) for ${opts.downMs} ms`);
    await redis.stop(opts.signal);
    await sleep(opts.downMs);
    await redis.start();
    const upAt = Date.now();
    log(`${label}: redis back after ${upAt - downAt} ms`);

    // what was due by the time Redis came back: recovered once it is all in
    const firstEnd = firstFiring(started + WINDOWS.at(-1)!);
    const dueAtUp = dueBetween(firstEnd, latestDue(upAt));
    const expectedAtUp = expectedNotifications(firstEnd, latestDue(upAt));
    const recovery = (async () => {
      const windowsBack = await waitFor(
        'the windows due when redis came back',
        async () => ((await missing(store, dueAtUp)).length === 0 ? Date.now() : undefined),
        { timeoutMs: 60_000, intervalMs: 250 },
      ).catch(() => Number.NaN);
      const alertsBack = await waitFor(
        'the alerts due when redis came back',
        async () => (expectedAtUp.every((id) => deliveredIds(slack).has(id)) ? Date.now() : undefined),
        { timeoutMs: 60_000, intervalMs: 250 },
      ).catch(() => Number.NaN);
      return { windows: windowsBack - upAt, alerts: alertsBack - upAt };
    })();

    await sleep(opts.afterMs);
    await load.stop();
    const loadEnd = Date.now();
    const lastEnd = Math.floor(loadEnd / INTERVAL) * INTERVAL;
    const due = dueBetween(firstEnd, lastEnd);
    const expected = expectedNotifications(firstEnd, lastEnd);
    log(
      `${label}: traffic stopped (${load.sent()} decisions); waiting for ${due.length} windows and ${expected.length} alerts`,
    );
    await waitFor(
      'every window due scored and evaluated',
      async () => {
        if ((await missing(store, due)).length > 0) return undefined;
        const marks = await store.ruleWatermarks();
        return (marks.get(RULE) ?? 0) >= lastEnd ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((err) => log(`${label}: ${(err as Error).message}`));
    await waitFor(
      'every alert due delivered',
      async () => (expected.every((id) => deliveredIds(slack).has(id)) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch((err) => log(`${label}: ${(err as Error).message}`));
    // a second scoring run or a second delivery would come within moments
    await sleep(3000);
    const recovered = await recovery;

    // windows: present, scored how often, and rows a user's query sees twice
    const lost = await missing(store, due);
    const inRange = `window_end >= fromUnixTimestamp64Milli(${firstEnd}) AND window_end <= fromUnixTimestamp64Milli(${lastEnd})`;
    const visibleExtra = await countVisible(
      store,
      `SELECT count() - uniqExact(window_start, window_end, slice, metric) FROM slice_metrics WHERE ${inRange}`,
    );
    let rescored = 0;
    let rescoredWindows = 0;
    for (const w of due) {
      const n = runs.get(`${w.end_ms - w.window_ms}-${w.end_ms}`) ?? 0;
      if (n > 1) {
        rescored += n - 1;
        rescoredWindows++;
      }
    }
    const windows: FaultRow = {
      fault: `${label}: windows`,
      unit: 'windows',
      sent: due.length,
      storedOnce: due.length - lost.length - rescoredWindows,
      duplicates: rescored + visibleExtra,
      lost: lost.length,
      recoverMs: recovered.windows,
      notes: [
        `Redis ${opts.persistence === 'aof' ? 'with AOF (everysec)' : 'without persistence'}, ${opts.signal === 'SIGTERM' ? 'restarted' : 'killed'}, down ${opts.downMs} ms; windows of ${WINDOWS.map((w) => `${w / SEC}s`).join(', ')} every ${INTERVAL / SEC}s, catch_up ${CATCH_UP}`,
        `duplicates: ${rescored} extra scoring runs of ${rescoredWindows} windows (a run replaces the window's rows) + ${visibleExtra} rows a FINAL query sees twice`,
        ...(lost.length ? [`windows never scored: ${lost.map(describe).join(', ')}`] : []),
      ],
    };

    // alerts: every notification due delivered once; nothing delivered twice
    const counts = deliveryCounts(slack);
    const expectedSet = new Set(expected);
    const alertsLost = expected.filter((id) => !counts.has(id));
    const alertDupes = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    const unexpected = [...counts.keys()].filter(
      (id) => !expectedSet.has(id) && endOf(id) >= firstEnd && endOf(id) <= lastEnd,
    );
    const alerts: FaultRow = {
      fault: `${label}: alerts`,
      unit: 'alerts',
      sent: expected.length,
      storedOnce: expected.filter((id) => counts.get(id) === 1).length,
      duplicates: alertDupes,
      lost: alertsLost.length,
      recoverMs: recovered.alerts,
      notes: [
        `rule ${RULE}: error_rate > 0.5 on decision_type=${FLAP}, which flips every ${PERIOD / SEC}s: one firing and one resolve per cycle, to a fake Slack webhook`,
        `Slack received ${slack.delivered().length} messages (${slack.requests().length} requests)`,
        ...(alertsLost.length ? [`never delivered: ${alertsLost.join(', ')}`] : []),
        ...(unexpected.length ? [`delivered but not due: ${unexpected.join(', ')}`] : []),
      ],
    };
    return { windows, alerts };
  } finally {
    await load?.stop().catch(() => {});
    await instance?.stop().catch(() => {});
    await slack.close();
    await redis.close();
    data.cleanup();
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function alignUp(ms: number, step: number) {
  return Math.ceil(ms / step) * step;
}

/** the latest window end a tick at `now` queues */
function latestDue(now: number) {
  return windowsDue(now, { interval: INTERVAL, windows: WINDOWS, lag: LAG, catch_up: 0 })[0]!.end_ms;
}

/** every window (each length) ending on an interval boundary in [from, to] */
function dueBetween(from: number, to: number) {
  const out: Array<{ window_ms: number; end_ms: number }> = [];
  for (let end = from; end <= to; end += INTERVAL)
    for (const window_ms of WINDOWS) out.push({ window_ms, end_ms: end });
  return out;
}

/**
 * The first window end at or after `ms` whose window is the first of an on
 * phase: the window before it is off, so the rule is not firing going in,
 * whatever it made of the first windows (scored while the sampler warmed up).
 */
function firstFiring(ms: number): number {
  const w = WINDOWS[0]!;
  let end = alignUp(ms, INTERVAL);
  while (!(flapOn(end - w, PERIOD) && !flapOn(end - w - INTERVAL, PERIOD))) end += INTERVAL;
  return end;
}

/**
 * The notification ids rule RULE must send for the windows ending in
 * [from, to]: a firing at each window whose phase is on after one off, a
 * resolve at each off after one on. `from` is a firstFiring(): off before it.
 */
function expectedNotifications(from: number, to: number): string[] {
  const ids: string[] = [];
  const w = WINDOWS[0]!;
  let firing = false;
  for (let end = from; end <= to; end += INTERVAL) {
    const on = flapOn(end - w, PERIOD);
    if (on && !firing) ids.push(`${RULE}.firing.${end}`);
    if (!on && firing) ids.push(`${RULE}.resolved.${end}`);
    firing = on;
  }
  return ids;
}

function endOf(id: string): number {
  return Number(id.split('.').at(-1));
}

/** notification id → messages the receiver answered 2xx with it */
function deliveryCounts(slack: FakeReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of slack.delivered()) {
    const id = /notification (\S+) ·/.exec(JSON.stringify(r.body))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function deliveredIds(slack: FakeReceiver): Set<string> {
  return new Set(deliveryCounts(slack).keys());
}

function describe(w: { window_ms: number; end_ms: number }) {
  return `${w.window_ms / SEC}s@${new Date(w.end_ms).toISOString().slice(11, 19)}`;
}

async function missing(
  store: NonNullable<Instance['store']>,
  due: Array<{ window_ms: number; end_ms: number }>,
): Promise<Array<{ window_ms: number; end_ms: number }>> {
  if (due.length === 0) return [];
  const ends = due.map((w) => w.end_ms);
  const rows = await store.select<{ s: string; e: string }>(
    `SELECT DISTINCT toString(toUnixTimestamp64Milli(window_start)) AS s, toString(toUnixTimestamp64Milli(window_end)) AS e
     FROM slice_metrics FINAL
     WHERE window_end >= fromUnixTimestamp64Milli(${Math.min(...ends)}) AND window_end <= fromUnixTimestamp64Milli(${Math.max(...ends)})`,
  );
  const have = new Set(rows.map((r) => `${r.s}-${r.e}`));
  return due.filter((w) => !have.has(`${w.end_ms - w.window_ms}-${w.end_ms}`));
}

let shared: Promise<RedisRestartRows> | undefined;
/** both rows come from one run of the fault, made by whichever row runs first */
function productionRun(log: (msg: string) => void): Promise<RedisRestartRows> {
  shared ??= runRedisRestart(PRODUCTION, log);
  return shared;
}

export const scenario: FaultScenario = {
  name: 'redis restarted: windows',
  run: async ({ log }) => (await productionRun(log)).windows,
};

export const alertsScenario: FaultScenario = {
  name: 'redis restarted: alerts',
  run: async ({ log }) => (await productionRun(log)).alerts,
};
