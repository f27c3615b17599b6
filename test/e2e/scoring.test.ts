// Live scoring per slice (issue 4) end to end, in both modes with the same
// scenario:
//   kafka:    simulated service → real Kafka → sampler → ClickHouse engine;
//             scorer jobs on BullMQ on the real Redis
//   embedded: the same through the in-process bus and scheduler
// One slice's override rate rises from 5% to 30% after a baseline is
// registered: that slice, and only that slice, is flagged. A no-change
// window over the same many slices flags nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type LivegradeConfig } from '@livegrade/core';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import type { StoredSliceMetric } from '@livegrade/store';
import { redisPrefixCleanup, requireKafka, requireRedis } from '../support/infra.ts';
import { type Mode, startTestInstance } from '../support/instance.ts';
import { reviewedTraffic, sendReviewed } from '../support/reviewed-service.ts';

const kafka = await requireKafka();
const redis = await requireRedis();

const MIN = 60_000;
const TYPES = ['refund', 'change_address', 'cancel_order', 'reship', 'upgrade', 'close_account'];
const LANGS = ['en', 'hi', 'de', 'pt', 'fr', 'es', 'ja', 'ar'];
const PER_SLICE = 150;
const CHANGED = 'decision_type=refund,language=hi';

const config: LivegradeConfig = {
  ...DEFAULT_CONFIG,
  sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 },
  // This test queues its own windows. The scheduled tick at start-up queues
  // the windows ending at the last whole hour before now − lag; with lag 1h
  // that is always older than the test's windows (ending now and 15 min ago).
  // With a short lag, a test started at minute 15 of an hour found its
  // "changed" window already scored by the tick, empty, before any traffic.
  scoring: { ...DEFAULT_CONFIG.scoring, interval: 3_600_000, lag: 3_600_000, catch_up: 0, min_samples: 100 },
};

for (const mode of ['kafka', 'embedded'] as Mode[]) {
  const missing = mode === 'kafka' ? [kafka, redis].find((r) => !r.ok) : undefined;
  const skip = missing && !missing.ok ? missing.skip : false;

  describe(`scoring per slice against a baseline (${mode})`, { skip }, () => {
    let instance: Awaited<ReturnType<typeof startTestInstance>>;
    let cleanupRedis = async () => {};
    const end = Math.floor(Date.now() / MIN) * MIN;
    const baselineRange = { from: end - 180 * MIN, to: end - 120 * MIN };
    const changed = { window_ms: 15 * MIN, end_ms: end - 15 * MIN };
    const control = { window_ms: 15 * MIN, end_ms: end };

    before(async () => {
      const prefix = `lgtest-scoring-${process.pid}-${Date.now().toString(36)}`;
      instance = await startTestInstance(mode, {
        brokers: kafka.ok ? kafka.url : '',
        label: 'scoring',
        services: ['sampler', 'scorer'],
        config,
        env: mode === 'kafka' && redis.ok ? { LIVEGRADE_REDIS_URL: redis.url, LIVEGRADE_REDIS_PREFIX: prefix } : {},
      });
      if (mode === 'kafka' && redis.ok) cleanupRedis = () => redisPrefixCleanup(redis.url, prefix);
      const traffic = [
        ...reviewedTraffic(TYPES, LANGS, { ...baselineRange, perSlice: PER_SLICE, overrideRate: 0.05, seed: 1 }),
        ...reviewedTraffic(TYPES, LANGS, {
          from: changed.end_ms - changed.window_ms,
          to: changed.end_ms,
          perSlice: PER_SLICE,
          overrideRate: 0.05,
          overrideRateOf: (type, lang) => (type === 'refund' && lang === 'hi' ? 0.3 : 0.05),
          seed: 2,
        }),
        ...reviewedTraffic(TYPES, LANGS, {
          from: control.end_ms - control.window_ms,
          to: control.end_ms,
          perSlice: PER_SLICE,
          overrideRate: 0.05,
          seed: 3,
        }),
      ];
      await sendReviewed(instance, traffic);
    });
    after(async () => {
      await instance?.stop();
      await cleanupRedis();
    });

    it('refuses to register a baseline over a window with no decisions', async () => {
      await assert.rejects(
        registerBaseline(instance.store!, config.scoring, {
          name: 'empty',
          from: end - 600 * MIN,
          to: end - 599 * MIN,
        }),
        /no decisions between .* nothing to register as baseline "empty"/,
      );
    });

    it('flags the slice whose override rate rose from 5% to 30%, and only that slice', async () => {
      const store = instance.store!;
      const info = await registerBaseline(store, config.scoring, { name: 'v1-launch', ...baselineRange });
      assert.equal(info.volume, TYPES.length * LANGS.length * PER_SLICE);
      assert.equal(info.slices, TYPES.length * LANGS.length + TYPES.length + 2, 'fine slices, types, model, *');
      await activateBaseline(store, 'v1-launch');

      const result = await instance.scorer!.score(changed);
      assert.equal(result.baseline, 'v1-launch');
      const rows = await store.windowMetrics({ start: changed.end_ms - changed.window_ms, end: changed.end_ms });
      assert.deepEqual(degradedOf(rows), [`${CHANGED} override_rate`]);

      const flagged = rows.find((r) => r.slice === CHANGED && r.metric === 'override_rate')!;
      assert.equal(flagged.n, PER_SLICE);
      assert.ok(flagged.value! > 0.2 && flagged.value! < 0.4, `override rate ${flagged.value}`);
      assert.ok(flagged.baseline_value! < 0.1, `baseline override rate ${flagged.baseline_value}`);
      assert.equal(flagged.baseline, 'v1-launch');
      assert.equal(flagged.test, 'two_proportion');
      assert.ok(flagged.q_value! <= config.scoring.fdr && flagged.p_value! <= flagged.q_value!);

      // the change is diluted in the refund slice and in all traffic: below min_effect, not flagged
      const parent = rows.find((r) => r.slice === 'decision_type=refund' && r.metric === 'override_rate')!;
      assert.ok(parent.effect! < config.scoring.min_effect.rate, `refund effect ${parent.effect}`);
      assert.equal(parent.degraded, false);
      const all = rows.find((r) => r.slice === '*' && r.metric === 'volume')!;
      assert.equal(all.value, TYPES.length * LANGS.length * PER_SLICE);
    });

    it('flags nothing in a window without a change, over many slices and metrics', async () => {
      const store = instance.store!;
      await instance.scorer!.score(control);
      const rows = await store.windowMetrics({ start: control.end_ms - control.window_ms, end: control.end_ms });
      const tested = rows.filter((r) => r.q_value !== null);
      // every slice tests its error rate, override rate, score distribution and label mix
      const slices = TYPES.length * LANGS.length + TYPES.length + 2;
      assert.equal(new Set(tested.map((r) => r.slice)).size, slices);
      assert.deepEqual([...new Set(tested.map((r) => r.metric))].sort(), [
        'error_rate',
        'label_chi2',
        'override_rate',
        'score_ks',
      ]);
      assert.equal(tested.length, 4 * slices);
      assert.deepEqual(degradedOf(rows), []);
      // the check has teeth: without FDR control, some raw p-values fall below 0.05 by chance
      assert.ok(
        tested.some((r) => r.p_value! < 0.05),
        'no raw p-value below 0.05: the traffic has no noise',
      );
    });

    it('replaces a window with identical rows when it is scored again', async () => {
      const store = instance.store!;
      const window = { start: changed.end_ms - changed.window_ms, end: changed.end_ms };
      const first = await store.windowMetrics(window);
      await instance.scorer!.score(changed, { rerun: true });
      const second = await store.windowMetrics(window);
      assert.ok(second[0]!.scored_at > first[0]!.scored_at, 'the window was scored again');
      assert.deepEqual(second.map(withoutScoredAt), first.map(withoutScoredAt));
    });
  });
}

function degradedOf(rows: StoredSliceMetric[]): string[] {
  return rows
    .filter((r) => r.degraded)
    .map((r) => `${r.slice} ${r.metric}`)
    .sort();
}

function withoutScoredAt({ scored_at: _, ...rest }: StoredSliceMetric) {
  return rest;
}
