// Row 5 of the fault suite: Slack down and answering 500/429 while the
// alerter restarts. The alerting scenario of test/e2e/alerting.test.ts
// (support/slack-alerting.ts) in production mode: real Kafka, the ClickHouse
// engine, BullMQ on a throwaway redis-server (AOF, as production runs it).
// Both receivers, the Slack webhook and a generic one, answer 500 three times
// and then 429 (Retry-After 2 s) to their first message; then both are
// unreachable while W4 fires and the whole instance (alerter included)
// restarts, and come back `downMs` later.
//
// Units are deliveries due: (notification, receiver) pairs the rules must
// send, each to arrive exactly once.
import { type Instance, type StartOptions, startInstance } from '@livegrade/cli';
import { tempDataDir, testEnv } from '../support/env.ts';
import { type FakeReceiver, startFakeReceiver } from '../support/fake-receiver.ts';
import { requireKafka, uniqueKafkaNames } from '../support/infra.ts';
import { waitFor } from '../support/wait.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { startRedisServer } from './support/redis-server.ts';
import {
  alertingConfig,
  alertingWindows,
  notificationOf,
  scoreAndEvaluate,
  seedAlerting,
} from './support/slack-alerting.ts';

const DOWN_MS = 20_000;

export const scenario: FaultScenario = {
  name: 'slack down',
  async run({ log }) {
    const kafka = await requireKafka();
    if (!kafka.ok) throw new Error(kafka.skip);
    const redis = await startRedisServer({ persistence: 'aof' });
    const slack = await startFakeReceiver();
    const flaky = await startFakeReceiver('/hooks/flaky-secret');
    const data = tempDataDir('livegrade-faults-slack-');
    const windows = alertingWindows();
    const [W1, W2, W3, W4] = windows.windows as [Win, Win, Win, Win];
    const config = alertingConfig();
    const env = testEnv({
      LIVEGRADE_DATA_DIR: data.dir,
      LIVEGRADE_SLACK_WEBHOOK_URL: slack.url,
      LIVEGRADE_KAFKA_BROKERS: kafka.url,
      ...uniqueKafkaNames('faults-slack'),
      LIVEGRADE_REDIS_URL: redis.url,
      LIVEGRADE_REDIS_PREFIX: `lgfaults-slack-${process.pid}`,
    });
    const options: StartOptions = {
      services: ['sampler', 'scorer', 'alerter'],
      config,
      processEnv: { FLAKY_WEBHOOK_URL: flaky.url },
      alertDelivery: { backoffMs: 200, maxBackoffMs: 2000 },
    };
    // what the rules must send, and where
    const due = [
      { id: `overrides-now.firing.${W1.end_ms}`, to: flaky },
      { id: `overrides.firing.${W2.end_ms}`, to: slack },
      // at W2 a wider slice degrades too: overrides-now fires for it (for: 0)
      { id: `overrides-now.firing.${W2.end_ms}`, to: flaky },
      { id: `overrides.resolved.${W3.end_ms}`, to: slack },
      { id: `overrides-now.resolved.${W3.end_ms}`, to: flaky },
      { id: `overrides-now.firing.${W4.end_ms}`, to: flaky },
    ];
    const failing = [
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' },
    ];
    let instance: Instance | undefined;
    try {
      instance = await startInstance(env, options);
      const decisions = await seedAlerting(instance, config, windows);
      log(`slack down: ${decisions} reviewed decisions stored; scoring W1..W3 while the receivers answer 500/429`);
      flaky.script(failing, (b) => notificationOf(b) === due[0]!.id);
      slack.script(failing, (b) => notificationOf(b) === due[1]!.id);
      for (const w of [W1, W2, W3]) await scoreAndEvaluate(instance, w);
      await waitFor('W1..W3 delivered', async () =>
        due.slice(0, 5).every((d) => count(d.to, d.id) > 0) ? true : undefined,
      );

      log(`slack down: receivers unreachable for ${DOWN_MS} ms; W4 fires and the instance restarts`);
      const downAt = Date.now();
      await Promise.all([slack.down(), flaky.down()]);
      await scoreAndEvaluate(instance, W4);
      const w4 = due[5]!.id;
      await waitFor('a failed attempt while the receivers are down', async () =>
        (await instance!.store!.alertEvents({ notification: w4, kind: 'delivery' })).find((e) => e.outcome === 'retry'),
      );
      await instance.stop();
      instance = await startInstance(env, options);
      await sleep(Math.max(0, downAt + DOWN_MS - Date.now()));
      await Promise.all([slack.up(), flaky.up()]);
      const upAt = Date.now();
      const caughtUp = await waitFor(
        'every alert delivered',
        async () => (due.every((d) => count(d.to, d.id) > 0) ? Date.now() : undefined),
        { timeoutMs: 60_000 },
      ).catch(() => Number.NaN);
      await sleep(3000); // a second delivery would come within moments
      const requests = [...slack.requests(), ...flaky.requests()];
      const counts = due.map((d) => count(d.to, d.id));
      const ids = new Set(due.map((d) => d.id));
      const unexpected = [...slack.delivered(), ...flaky.delivered()]
        .map((r) => notificationOf(r.body))
        .filter((id) => !ids.has(id ?? ''));
      const row: FaultRow = {
        fault: 'slack down (500/429, alerter restarted)',
        unit: 'alerts',
        sent: due.length,
        storedOnce: counts.filter((c) => c === 1).length,
        duplicates: counts.reduce((n, c) => n + Math.max(0, c - 1), 0),
        lost: counts.filter((c) => c === 0).length,
        recoverMs: caughtUp - upAt,
        notes: [
          `receivers answered 500, 500, 500, 429 to their first message, then were unreachable ${DOWN_MS / 1000} s across an instance restart; ${requests.length} requests for ${due.length} deliveries`,
          ...(unexpected.length ? [`delivered but not due: ${unexpected.join(', ')}`] : []),
        ],
      };
      return row;
    } finally {
      await instance?.stop().catch(() => {});
      await slack.close();
      await flaky.close();
      await redis.close();
      data.cleanup();
    }
  },
};

type Win = { window_ms: number; end_ms: number };

function count(receiver: FakeReceiver, id: string): number {
  return receiver.delivered().filter((r) => notificationOf(r.body) === id).length;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
