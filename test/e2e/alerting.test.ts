// Alerting (issue 5) end to end, in both modes with the same scenario:
//   kafka:    simulated service → real Kafka → sampler → ClickHouse engine;
//             scorer, evaluation and delivery jobs on BullMQ on the real Redis
//   embedded: the same through the in-process bus and scheduler
// Local HTTP servers on 127.0.0.1 stand in for Slack's incoming webhook and
// for a generic JSON webhook.
//
// Windows of 15 min, against a baseline where every slice overrides 5%:
//   W1, W2  refund/hi overrides 30%        W3  back to 5%
//   W4      reship/en overrides 30%
// Rule `overrides` (for: 15m → Slack): pending at W1, firing at W2, resolved
// at W3: one firing message, one resolve. Rule `overrides-now` (for: 0 →
// the flaky webhook) fires at W1 while the webhook answers 500 three times
// and then 429; it fires again at W4 while the webhook is down and the
// whole instance restarts. The scenario (config, traffic, windows) is in
// test/faults/support/slack-alerting.ts, shared with the fault row `slack down`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Instance, type StartOptions, startInstance } from '@livegrade/cli';
import {
  alertingConfig,
  alertingWindows,
  notificationOf,
  REFUND_HI,
  RESHIP_EN,
  scoreAndEvaluate as scoreAndEvaluateOn,
  seedAlerting,
} from '../faults/support/slack-alerting.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { type FakeReceiver, startFakeReceiver } from '../support/fake-receiver.ts';
import { redisPrefixCleanup, requireKafka, requireRedis, uniqueKafkaNames } from '../support/infra.ts';
import type { Mode } from '../support/instance.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const redis = await requireRedis();

for (const mode of ['kafka', 'embedded'] as Mode[]) {
  const missing = mode === 'kafka' ? [kafka, redis].find((r) => !r.ok) : undefined;
  const skip = missing && !missing.ok ? missing.skip : false;

  describe(`alerting end to end (${mode})`, { skip }, () => {
    const windows = alertingWindows();
    const [W1, W2, W3, W4] = windows.windows as [Window, Window, Window, Window];
    const data = tempDataDir();
    const prefix = `lgtest-alerting-${process.pid}-${Date.now().toString(36)}`;
    const config = alertingConfig();
    let slack: FakeReceiver;
    let flaky: FakeReceiver;
    let instance: Instance;
    let env: ReturnType<typeof testEnv>;
    let options: StartOptions;

    before(async () => {
      slack = await startFakeReceiver();
      flaky = await startFakeReceiver('/hooks/flaky-secret');
      env = testEnv({
        LIVEGRADE_DATA_DIR: data.dir,
        LIVEGRADE_SLACK_WEBHOOK_URL: slack.url,
        ...(mode === 'kafka' && kafka.ok && redis.ok
          ? {
              LIVEGRADE_KAFKA_BROKERS: kafka.url,
              ...uniqueKafkaNames('alerting'),
              LIVEGRADE_REDIS_URL: redis.url,
              LIVEGRADE_REDIS_PREFIX: prefix,
            }
          : {}),
      });
      options = {
        services: ['sampler', 'scorer', 'alerter'],
        config,
        processEnv: { FLAKY_WEBHOOK_URL: flaky.url },
        alertDelivery: { backoffMs: 200, maxBackoffMs: 2000 },
      };
      instance = await startInstance(env, options);
      await seedAlerting(instance, config, windows);
    });

    after(async () => {
      await instance?.stop();
      await slack?.close();
      await flaky?.close();
      if (mode === 'kafka' && redis.ok) await redisPrefixCleanup(redis.url, prefix);
      data.cleanup();
    });

    /** scores a window and waits until both rules have evaluated it */
    const scoreAndEvaluate = (window: Window) => scoreAndEvaluateOn(instance, window);

    it('a degraded slice reaches Slack once, with its figures; its recovery once', async () => {
      // the flaky webhook of overrides-now (which fires at W1) fails first
      flaky.script(
        [
          { status: 500 },
          { status: 500 },
          { status: 500 },
          { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' },
        ],
        (body) => notificationOf(body) === `overrides-now.firing.${W1.end_ms}`,
      );
      await scoreAndEvaluate(W1);
      const pending = await instance.store!.alertsList();
      assert.deepEqual(
        pending.filter((a) => a.rule === 'overrides').map((a) => `${a.state} ${a.slice}`),
        [`pending ${REFUND_HI}`],
        'W1: pending, `for` has not passed',
      );
      assert.equal(slack.requests().length, 0);

      await scoreAndEvaluate(W2);
      const firing = await waitFor('the firing message', async () => slack.delivered()[0]);
      const text = JSON.stringify(firing.body);
      assert.match(text, /FIRING/);
      assert.match(text, /overrides/);
      assert.ok(text.includes(REFUND_HI), 'names the slice');
      assert.ok(!text.includes(RESHIP_EN), 'names only the degraded slice');
      const row = (await instance.store!.windowMetrics({ start: W2.end_ms - W2.window_ms, end: W2.end_ms })).find(
        (r) => r.slice === REFUND_HI && r.metric === 'override_rate',
      )!;
      assert.ok(row.degraded);
      assert.ok(text.includes(`${(row.value! * 100).toFixed(1)}%`), `current value ${row.value} in ${text}`);
      assert.ok(text.includes(`${(row.baseline_value! * 100).toFixed(1)}%`), 'baseline value');
      assert.ok(text.includes(String(row.n)), 'n');
      assert.match(text, /SELECT[\s\S]*FROM decision_facts\(/, 'the SQL listing the sampled failures');

      await scoreAndEvaluate(W3);
      const resolved = await waitFor('the resolve message', async () => slack.delivered()[1]);
      assert.match(JSON.stringify(resolved.body), /RESOLVED/);
      assert.ok(JSON.stringify(resolved.body).includes(REFUND_HI));
      // a duplicate would be a second delivery of a job: give it a few polls to show up
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(slack.requests().length, 2, 'exactly one firing and one resolve message');
    });

    it('retries 500s with backoff, waits out a 429 Retry-After, and delivers once', async () => {
      const id = `overrides-now.firing.${W1.end_ms}`;
      const isFiring = (r: { body: unknown }) => notificationOf(r.body) === id;
      await waitFor('the W1 firing notification on the flaky webhook', async () => flaky.delivered().find(isFiring));
      const attempts = flaky.requests().filter(isFiring);
      assert.deepEqual(
        attempts.map((r) => r.status),
        [500, 500, 500, 429, 200],
      );
      const events = await instance.store!.alertEvents({ notification: id, kind: 'delivery' });
      const firing = events.sort((a, b) => a.attempt - b.attempt);
      assert.deepEqual(
        firing.map((e) => `${e.attempt} ${e.outcome} ${e.status}`),
        ['1 retry 500', '2 retry 500', '3 retry 500', '4 rate_limited 429', '5 delivered 200'],
      );
      const waited = attempts[4]!.at - attempts[3]!.at;
      assert.ok(waited >= 2000, `the 200 came ${waited} ms after the 429 that asked for 2 s`);
      for (const e of events) assert.ok(!`${e.detail}${e.ref}`.includes('flaky-secret'), 'no webhook URL stored');
    });

    it('loses nothing while the receiver is down and the alerter restarts', async () => {
      const downFor = mode === 'kafka' ? 60_000 : 10_000;
      const downAt = Date.now();
      await flaky.down();
      await scoreAndEvaluate(W4);
      const id = `overrides-now.firing.${W4.end_ms}`;
      await waitFor('a failed attempt while the receiver is down', async () =>
        (await instance.store!.alertEvents({ notification: id, kind: 'delivery' })).find((e) => e.outcome === 'retry'),
      );
      await instance.stop();
      instance = await startInstance(env, options);
      await new Promise((r) => setTimeout(r, Math.max(0, downAt + downFor - Date.now())));
      await flaky.up();
      const delivered = await waitFor(
        'the W4 alert after the receiver is back',
        async () => flaky.delivered().find((r) => JSON.stringify(r.body).includes(RESHIP_EN)),
        { timeoutMs: 30_000 },
      );
      assert.ok(delivered.at - downAt >= downFor);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(flaky.delivered().filter((r) => JSON.stringify(r.body).includes(RESHIP_EN)).length, 1);
      const outcomes = (await instance.store!.alertEvents({ notification: id, kind: 'delivery' })).map(
        (e) => e.outcome,
      );
      assert.equal(outcomes.filter((o) => o === 'delivered').length, 1);
    });
  });
}

type Window = { window_ms: number; end_ms: number };
