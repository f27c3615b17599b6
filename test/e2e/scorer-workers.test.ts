// Scorer workers on BullMQ and the real Redis (issue 4). One killed mid-job,
// after writing half of a window's rows: BullMQ hands the stalled job to the
// next worker, which scores the window again, whole, once, with the rows a
// clean run gives. Two sharing a queue: each window due is scored once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, KEEP_ALL, QUEUES, toDecisionRow, toVerdictRow, windowJobId } from '@livegrade/core';
import { createJobs, type Jobs } from '@livegrade/jobs';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import { createLogger } from '@livegrade/runtime';
import { createScorer, scorerConfig } from '@livegrade/scorer';
import { openStore, type Store, type StoredSliceMetric } from '@livegrade/store';
import { tempDataDir, testEnv } from '../support/env.ts';
import { redisPrefixCleanup, requireRedis } from '../support/infra.ts';
import { reviewedTraffic } from '../support/reviewed-service.ts';
import { TS_CHILD_ARGS } from '../support/ts-child.ts';
import { waitFor } from '../support/wait.ts';

const redis = await requireRedis();
const MIN = 60_000;

describe('scorer worker killed mid-job', { skip: redis.ok ? false : redis.skip }, () => {
  const data = tempDataDir();
  const prefix = `lgtest-scorer-restart-${process.pid}-${Date.now().toString(36)}`;
  const vars = {
    LIVEGRADE_DATA_DIR: data.dir,
    LIVEGRADE_REDIS_URL: redis.ok ? redis.url : '',
    LIVEGRADE_REDIS_PREFIX: prefix,
  };
  const env = testEnv(vars);
  const logger = createLogger('silent');
  const end = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
  const window = { window_ms: 15 * MIN, end_ms: end };
  const jobId = windowJobId(window);
  let jobs: Jobs | undefined;
  let store: Store | undefined;

  before(async () => {
    const seed = await openStore(env);
    const types = ['refund', 'cancel_order', 'reship'];
    const langs = ['en', 'hi', 'de', 'pt'];
    const baseline = reviewedTraffic(types, langs, {
      from: end - 180 * MIN,
      to: end - 120 * MIN,
      perSlice: 60,
      overrideRate: 0.05,
      seed: 7,
    });
    const current = reviewedTraffic(types, langs, {
      from: end - 15 * MIN,
      to: end,
      perSlice: 60,
      overrideRate: 0.2,
      seed: 8,
    });
    const all = [...baseline, ...current];
    await seed.insertDecisions(all.map((d) => toDecisionRow(d.span, KEEP_ALL)));
    await seed.insertVerdicts(all.map((d) => toVerdictRow(d.review, d.review.ts)));
    await registerBaseline(seed, DEFAULT_CONFIG.scoring, {
      name: 'before',
      from: end - 180 * MIN,
      to: end - 120 * MIN,
    });
    await activateBaseline(seed, 'before');
    await seed.close();
  });
  after(async () => {
    await jobs?.close();
    await store?.close();
    data.cleanup();
    if (redis.ok) await redisPrefixCleanup(redis.url, prefix);
  });

  it('completes the window once, whole, on the next worker', async () => {
    jobs = createJobs({
      redisUrl: env.LIVEGRADE_REDIS_URL,
      prefix,
      logger,
      lockDurationMs: 1000,
      stalledIntervalMs: 1000,
    });
    const queue = jobs.queue(QUEUES.scoring);
    assert.equal((await queue.add('window', window, { jobId })).added, true);

    const child = spawn(process.execPath, [...TS_CHILD_ARGS, 'test/support/scorer-child.ts'], {
      env: { ...process.env, LIVEGRADE_CHILD_ENV: JSON.stringify({ ...vars, LIVEGRADE_LOG_LEVEL: 'silent' }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('hanging')) resolve();
      });
      child.on('exit', () => reject(new Error(`the child exited before hanging (said: ${out.trim()})`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    store = await openStore(env);
    const range = { start: end - window.window_ms, end };
    const partial = (await store.windowMetrics(range)).length;
    assert.ok(partial > 0, 'the killed worker wrote part of the window');

    const scorer = createScorer({ jobs, store, logger, config: scorerConfig(DEFAULT_CONFIG.scoring), schedule: false });
    await scorer.start();
    try {
      const done = await queue.waitUntilFinished(jobId, 60_000);
      assert.equal(done.state, 'completed', done.failedReason);
      const result = done.returnValue as { rows: number; degraded: number };
      const rows = await store.windowMetrics(range);
      assert.equal(rows.length, result.rows);
      assert.ok(rows.length > partial, `${rows.length} rows after recovery, ${partial} before`);
      assert.ok(result.degraded > 0, 'the override rates that rose to 20% are flagged');
      assert.equal(scorer.stats().windows.completed, 1);

      // the same rows a clean run writes
      await scorer.score(window, { rerun: true });
      assert.deepEqual((await store.windowMetrics(range)).map(withoutScoredAt), rows.map(withoutScoredAt));
    } finally {
      await scorer.stop();
    }
  });
});

function withoutScoredAt({ scored_at: _, ...rest }: StoredSliceMetric) {
  return rest;
}

describe('several scorer workers on one queue', { skip: redis.ok ? false : redis.skip }, () => {
  const data = tempDataDir();
  const prefix = `lgtest-scorer-share-${process.pid}-${Date.now().toString(36)}`;
  const env = testEnv({ LIVEGRADE_DATA_DIR: data.dir });
  const logger = createLogger('silent');
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    data.cleanup();
    if (redis.ok) await redisPrefixCleanup(redis.url, prefix);
  });

  it('score every window due exactly once between them', async () => {
    const store = await openStore(env);
    closers.push(() => store.close());
    const now = Math.floor(Date.now() / MIN) * MIN;
    const traffic = reviewedTraffic(['refund', 'reship'], ['en', 'hi'], {
      from: now - 20 * MIN,
      to: now - MIN,
      perSlice: 30,
      overrideRate: 0.1,
      seed: 9,
    });
    await store.insertDecisions(traffic.map((d) => toDecisionRow(d.span, KEEP_ALL)));
    // ten ticks of two window lengths: twenty windows for two workers
    const scoring = { ...DEFAULT_CONFIG.scoring, interval: MIN, windows: [5 * MIN, 15 * MIN], lag: 0, catch_up: 9 };
    const scorers = [1, 2].map(() => {
      const jobs = createJobs({ redisUrl: redis.ok ? redis.url : '', prefix, logger });
      const scorer = createScorer({ jobs, store, logger, config: scorerConfig(scoring), schedule: false });
      closers.push(() => jobs.close());
      closers.push(() => scorer.stop());
      return scorer;
    });
    for (const s of scorers) await s.start();
    // both workers' ticks queue the same windows: each is queued once
    const queued = [...(await scorers[0]!.tick(now)), ...(await scorers[1]!.tick(now))];
    assert.equal(queued.length, 20);
    await waitFor('20 windows scored', async () => {
      const done = scorers.reduce((n, s) => n + s.stats().windows.completed, 0);
      return done >= 20 ? done : undefined;
    });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate run would show up here
    assert.deepEqual(
      scorers.map((s) => s.stats().windows.completed).reduce((a, b) => a + b),
      20,
    );
    const [row] = await store.select<{ windows: string }>(
      'SELECT uniqExact(window_start, window_end) AS windows FROM slice_metrics FINAL',
    );
    assert.equal(Number(row!.windows), 20);
  });
});
