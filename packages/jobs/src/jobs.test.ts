// The job queues' semantics, one test body for both modes: the in-process
// scheduler always, BullMQ on a real Redis when one is reachable (under
// CI=true it must be). Each test runs on its own key prefix and deletes it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { QUEUES } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { Queue, QueueKeys } from 'bullmq';
import { Redis } from 'ioredis';
import { requireRedis } from '../../../test/support/infra.ts';
import { rng } from '../../../test/support/traffic.ts';
import { TS_CHILD_ARGS } from '../../../test/support/ts-child.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { RESERVED_JOB_IDS, resolveAddOptions, retryDelay } from './contract.ts';
import { schemaVersion, TEST_QUEUE } from './fixtures/contract.ts';
import { createJobs, type Jobs, type JobsOptions, RetryAfterError, UnrecoverableJobError } from './index.ts';

const redis = await requireRedis();
const logger = createLogger('silent');
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let prefixes = 0;
const newPrefix = () => `lgtest-jobs-${process.pid}-${Date.now().toString(36)}-${++prefixes}`;

/** A gate handlers wait on, so a test decides when they finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('retry delay', () => {
  it('doubles from backoffMs, up to backoffMaxMs when one is set', () => {
    const delays = (backoffMaxMs?: number) =>
      [1, 2, 3, 4, 5].map((k) =>
        retryDelay({ backoffMs: 100, jitter: 0, ...(backoffMaxMs !== undefined && { backoffMaxMs }) }, k),
      );
    assert.deepEqual(delays(), [100, 200, 400, 800, 1600]);
    assert.deepEqual(delays(500), [100, 200, 400, 500, 500]);
    assert.deepEqual(delays(0), [0, 0, 0, 0, 0]);
  });

  it('draws a jittered delay uniformly from [delay × (1 − jitter), delay]', () => {
    const backoff = { backoffMs: 1000, backoffMaxMs: 3000, jitter: 0.25 };
    assert.equal(
      retryDelay(backoff, 2, undefined, () => 0),
      2000,
      'the top of the range',
    );
    assert.equal(
      retryDelay(backoff, 2, undefined, () => 0.999_999),
      1500,
      'the bottom of the range',
    );
    // seeded, so the jitter checks draw the same numbers on every run
    const random = rng(42);
    for (const [k, top] of [
      [1, 1000],
      [2, 2000],
      [3, 3000],
      [6, 3000],
    ] as const) {
      const draws = Array.from({ length: 2000 }, () => retryDelay(backoff, k, undefined, random));
      const bottom = top * 0.75;
      assert.ok(
        draws.every((d) => d >= bottom && d <= top),
        `retry ${k}: every delay in [${bottom}, ${top}]: ${Math.min(...draws)}..${Math.max(...draws)}`,
      );
      // spread over the whole range, not stuck at one end
      assert.ok(Math.min(...draws) < bottom + top * 0.02, `retry ${k}: lowest ${Math.min(...draws)}`);
      assert.ok(Math.max(...draws) > top * 0.98, `retry ${k}: highest ${Math.max(...draws)}`);
      const below = draws.filter((d) => d < (bottom + top) / 2).length;
      assert.ok(below > 800 && below < 1200, `retry ${k}: ${below} of 2000 draws in the lower half`);
    }
    assert.equal(retryDelay({ backoffMs: 1000, jitter: 0 }, 3, undefined, random), 4000, 'no jitter, no draw');
  });

  it("takes a RetryAfterError's delay over backoff, cap and jitter", () => {
    const backoff = { backoffMs: 100, backoffMaxMs: 150, jitter: 1 };
    assert.equal(
      retryDelay(backoff, 3, new RetryAfterError('429', 300), () => 0.5),
      300,
    );
    assert.equal(
      retryDelay(backoff, 1, new RetryAfterError('429', 0), () => 0.5),
      0,
    );
    assert.equal(retryDelay(backoff, 1, new RetryAfterError('429', 12.2)), 13, 'never earlier than asked');
    assert.equal(retryDelay(backoff, 1, new RetryAfterError('429', -5)), 0);
    assert.equal(
      retryDelay(backoff, 2, new RetryAfterError('429', Number.NaN), () => 0),
      150,
      'an unusable Retry-After falls back to the backoff',
    );
    assert.equal(
      retryDelay(backoff, 2, new Error('500'), () => 0),
      150,
      'other errors back off',
    );
  });

  it('refuses a jitter outside [0, 1] and a negative backoffMaxMs, naming the queue and the option', () => {
    assert.throws(
      () => resolveAddOptions('alert-delivery', { jitter: 1.5 }),
      /^Error: queue "alert-delivery": jitter must be between 0 and 1, got 1.5$/,
    );
    assert.throws(() => resolveAddOptions('alert-delivery', { jitter: -0.1 }), /jitter must be between 0 and 1/);
    assert.throws(() => resolveAddOptions('alert-delivery', { jitter: Number.NaN }), /jitter/);
    assert.throws(
      () => resolveAddOptions('alert-delivery', { backoffMaxMs: -1 }),
      /^Error: queue "alert-delivery": backoffMaxMs must be a finite number >= 0 .*got -1$/,
    );
    assert.throws(
      () => resolveAddOptions('alert-delivery', { backoffMaxMs: Number.POSITIVE_INFINITY }),
      /backoffMaxMs/,
    );
    const defaults = resolveAddOptions('q');
    assert.equal(defaults.jitter, 0);
    assert.equal('backoffMaxMs' in defaults, false, 'no cap unless asked');
    assert.deepEqual(
      [resolveAddOptions('q', { jitter: 1, backoffMaxMs: 0 })].map((o) => [o.jitter, o.backoffMaxMs]),
      [[1, 0]],
    );
  });
});

async function deleteKeys(prefix: string): Promise<void> {
  if (!redis.ok) return;
  const client = new Redis(redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}

for (const mode of ['memory', 'bullmq'] as const) {
  const skip = mode === 'bullmq' && !redis.ok ? redis.skip : false;

  describe(`jobs (${mode})`, { skip }, () => {
    const opened: Jobs[] = [];
    const usedPrefixes = new Set<string>();
    /** a Jobs instance on `prefix` (a new one unless given), closed and wiped after the test */
    const open = (prefix = newPrefix(), extra: Partial<JobsOptions> = {}) => {
      usedPrefixes.add(prefix);
      const jobs = createJobs({
        redisUrl: mode === 'bullmq' && redis.ok ? redis.url : undefined,
        prefix,
        logger,
        ...extra,
      });
      opened.push(jobs);
      return { jobs, prefix };
    };
    afterEach(async () => {
      schemaVersion.strict = false;
      await Promise.all(opened.splice(0).map((j) => j.close()));
      for (const p of usedPrefixes) await deleteKeys(p);
      usedPrefixes.clear();
    });

    it('runs in the mode asked for and gives one queue object per contract', () => {
      const { jobs } = open();
      assert.equal(jobs.mode, mode);
      assert.equal(jobs.queue(TEST_QUEUE), jobs.queue(TEST_QUEUE));
      assert.notEqual(jobs.queue(TEST_QUEUE), jobs.queue(QUEUES.scoring));
      assert.throws(() => jobs.queue({ ...TEST_QUEUE }), /already open with a different contract/);
    });

    it('refuses a bad payload, an unknown job name or a bad jobId, and adds nothing', async () => {
      const { jobs } = open();
      const scoring = jobs.queue(QUEUES.scoring);
      await assert.rejects(
        // @ts-expect-error end_ms must be a number
        scoring.add('window', { window_ms: 60_000, end_ms: 'soon' }),
        (err: Error) =>
          /queue "scoring"/.test(err.message) && /"window"/.test(err.message) && /end_ms/.test(err.message),
      );
      await assert.rejects(
        // @ts-expect-error unknown key
        scoring.add('tick', { extra: 1 }),
        (err: Error) => err.name === 'JobPayloadError' && /"tick"/.test(err.message) && /extra/.test(err.message),
      );
      await assert.rejects(
        // @ts-expect-error unknown job name
        scoring.add('windw', {}),
        /unknown job "windw" on queue "scoring"; known jobs: tick, window/,
      );
      await assert.rejects(scoring.add('tick', {}, { jobId: 'a:b:c' }), /must not contain ':'/);
      await assert.rejects(scoring.add('tick', {}, { jobId: '42' }), /must not be an integer/);
      await assert.rejects(scoring.add('tick', {}, { jobId: 'delayed' }), /jobId "delayed" is reserved/);
      await assert.rejects(scoring.add('tick', {}, { attempts: 0 }), /attempts/);
      await assert.rejects(scoring.add('tick', {}, { jitter: 1.5 }), /queue "scoring": jitter must be between 0 and 1/);
      await assert.rejects(
        scoring.add('tick', {}, { backoffMaxMs: -1 }),
        /queue "scoring": backoffMaxMs must be a finite number >= 0/,
      );
      await assert.rejects(scoring.schedule('s', 100, 'window', { window_ms: -1, end_ms: 0 }), /window_ms/);
      assert.deepEqual(await scoring.counts(), { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    });

    it('does not add a jobId again while it waits, runs, or is kept after completing or failing', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      assert.deepEqual(await q.add('work', { n: 1 }, { jobId: 'w-1' }), { id: 'w-1', added: true });
      assert.deepEqual(await q.add('work', { n: 2 }, { jobId: 'w-1' }), { id: 'w-1', added: false }, 'waiting');
      const a = await q.add('work', { n: 3 });
      const b = await q.add('work', { n: 3 });
      assert.ok(a.added && b.added && a.id !== b.id, 'without a jobId every add is a new job');

      const release = gate();
      const ran: Array<{ id: string; n: number }> = [];
      q.process(async (job) => {
        if (job.name !== 'work') return;
        ran.push({ id: job.id, n: job.data.n });
        if (job.data.n === 4) throw new Error('four is not allowed');
        if (job.id === 'w-1') await release.opened;
        return job.data.n * 10;
      });
      await waitFor('w-1 active', async () => (ran.some((r) => r.id === 'w-1') ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      assert.deepEqual(await q.add('work', { n: 5 }, { jobId: 'w-1' }), { id: 'w-1', added: false }, 'active');
      release.open();
      assert.deepEqual(await q.waitUntilFinished('w-1', 10_000), { state: 'completed', returnValue: 10 });
      assert.deepEqual(await q.add('work', { n: 6 }, { jobId: 'w-1' }), { id: 'w-1', added: false }, 'completed');

      await q.add('work', { n: 4 }, { jobId: 'w-4', attempts: 1 });
      const failed = await q.waitUntilFinished('w-4', 10_000);
      assert.deepEqual(failed, { state: 'failed', failedReason: 'four is not allowed' });
      assert.deepEqual(await q.add('work', { n: 4 }, { jobId: 'w-4' }), { id: 'w-4', added: false }, 'failed');

      await q.waitUntilFinished(b.id, 10_000);
      await sleep(100);
      assert.deepEqual(
        ran.filter((r) => r.id === 'w-1'),
        [{ id: 'w-1', n: 1 }],
        'the job ran once, with the data it was first added with',
      );
      assert.equal(ran.length, 4);
      assert.deepEqual(await q.counts(), { waiting: 0, active: 0, delayed: 0, completed: 3, failed: 1 });
    });

    it('tells exactly one of many concurrent adds of one jobId that it added the job', async () => {
      const { jobs, prefix } = open();
      const queues = [jobs.queue(TEST_QUEUE)];
      if (mode === 'bullmq') queues.push(open(prefix).jobs.queue(TEST_QUEUE));
      // warmed up, so the burst's adds run within the same millisecond or two
      for (const q of queues) await q.add('ping', {});
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) => queues[n % queues.length]!.add('work', { n }, { jobId: 'once' })),
      );
      assert.equal(results.filter((r) => r.added).length, 1);
      assert.ok(results.every((r) => r.id === 'once'));
      assert.equal((await queues[0]!.counts()).waiting, 1 + queues.length);
    });

    it('retries a failing handler with exponential backoff, then fails the job keeping its reason', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const runs = new Map<string, Array<{ at: number; attemptsMade: number }>>();
      q.process(async (job) => {
        const list = runs.get(job.id) ?? [];
        list.push({ at: Date.now(), attemptsMade: job.attemptsMade });
        runs.set(job.id, list);
        if (job.id === 'flaky' && job.attemptsMade < 2) throw new Error(`flaky ${job.attemptsMade}`);
        if (job.id === 'broken') throw new Error(`broken ${job.attemptsMade}`);
        return 'ok';
      });
      await q.add('work', { n: 1 }, { jobId: 'flaky', attempts: 3, backoffMs: 100 });
      await q.add('work', { n: 2 }, { jobId: 'broken', attempts: 3, backoffMs: 50 });
      assert.deepEqual(await q.waitUntilFinished('flaky', 10_000), { state: 'completed', returnValue: 'ok' });
      assert.deepEqual(await q.waitUntilFinished('broken', 10_000), { state: 'failed', failedReason: 'broken 2' });

      const flaky = runs.get('flaky')!;
      assert.deepEqual(
        flaky.map((r) => r.attemptsMade),
        [0, 1, 2],
      );
      // lower bounds only: a retry never runs before its backoff (100 ms, then 200 ms)
      assert.ok(flaky[1]!.at - flaky[0]!.at >= 90, `first retry after ${flaky[1]!.at - flaky[0]!.at} ms`);
      assert.ok(flaky[2]!.at - flaky[1]!.at >= 190, `second retry after ${flaky[2]!.at - flaky[1]!.at} ms`);
      assert.equal(runs.get('broken')!.length, 3, 'attempts bounds the runs');
      assert.deepEqual(await q.counts(), { waiting: 0, active: 0, delayed: 0, completed: 1, failed: 1 });
    });

    it('runs the next attempt after the delay a RetryAfterError asks for, instead of the backoff', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const runs = new Map<string, Array<{ at: number; attemptsMade: number }>>();
      q.process(async (job) => {
        const list = runs.get(job.id) ?? [];
        list.push({ at: Date.now(), attemptsMade: job.attemptsMade });
        runs.set(job.id, list);
        if (job.attemptsMade === 0) {
          // 'later' would otherwise be retried after 10 ms, 'sooner' after a minute
          throw new RetryAfterError('429 Too Many Requests', job.id === 'later' ? 300 : 50);
        }
        return `ok after ${job.attemptsMade}`;
      });
      await q.add('work', { n: 1 }, { jobId: 'later', attempts: 3, backoffMs: 10 });
      await q.add('work', { n: 2 }, { jobId: 'sooner', attempts: 3, backoffMs: 60_000 });
      assert.deepEqual(await q.waitUntilFinished('later', 10_000), { state: 'completed', returnValue: 'ok after 1' });
      assert.deepEqual(await q.waitUntilFinished('sooner', 10_000), { state: 'completed', returnValue: 'ok after 1' });
      const later = runs.get('later')!;
      assert.deepEqual(
        later.map((r) => r.attemptsMade),
        [0, 1],
        'the postponed run counted as an attempt',
      );
      assert.ok(later[1]!.at - later[0]!.at >= 280, `retried after ${later[1]!.at - later[0]!.at} ms, asked 300`);
    });

    it('fails a job whose attempts all ended in RetryAfterError', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const attempts: number[] = [];
      q.process(async (job) => {
        attempts.push(job.attemptsMade);
        throw new RetryAfterError('429 Too Many Requests', 20);
      });
      await q.add('work', { n: 1 }, { jobId: 'throttled', attempts: 3, backoffMs: 10 });
      assert.deepEqual(await q.waitUntilFinished('throttled', 10_000), {
        state: 'failed',
        failedReason: '429 Too Many Requests',
      });
      await sleep(100);
      assert.deepEqual(attempts, [0, 1, 2], 'no run beyond attempts');
      assert.deepEqual(await q.counts(), { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 1 });
    });

    it('caps the exponential backoff at backoffMaxMs', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const attempts: number[] = [];
      q.process(async (job) => {
        attempts.push(job.attemptsMade);
        if (job.attemptsMade < 2) throw new Error('503');
        return 'ok';
      });
      // uncapped, the retries would wait a minute, then two
      await q.add('work', { n: 1 }, { jobId: 'capped', attempts: 3, backoffMs: 60_000, backoffMaxMs: 50, jitter: 0.5 });
      assert.deepEqual(await q.waitUntilFinished('capped', 10_000), { state: 'completed', returnValue: 'ok' });
      assert.deepEqual(attempts, [0, 1, 2]);
    });

    it('fails a job at once, without retries, on UnrecoverableJobError or a payload its worker rejects', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      let runs = 0;
      await q.add('work', { n: 1, label: 'v2' }, { jobId: 'give-up', attempts: 5, backoffMs: 10 });
      // written by an "older producer": valid then, invalid for the worker below
      await q.add('work', { n: 2 }, { jobId: 'old-payload', attempts: 5, backoffMs: 10 });
      schemaVersion.strict = true;
      q.process(async (job) => {
        runs++;
        if (job.id === 'give-up') throw new UnrecoverableJobError('slack said 404: channel not found');
      });
      assert.deepEqual(await q.waitUntilFinished('give-up', 10_000), {
        state: 'failed',
        failedReason: 'slack said 404: channel not found',
      });
      const old = await q.waitUntilFinished('old-payload', 10_000);
      assert.equal(old.state, 'failed');
      assert.match(old.failedReason!, /invalid payload for job "work" on queue "jobs-test": label: required since v2/);
      assert.equal(runs, 1, 'the handler never saw the invalid payload, and give-up ran once');
    });

    it('runs up to `concurrency` handlers at once', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const release = gate();
      let active = 0;
      let max = 0;
      q.process(
        async () => {
          active++;
          max = Math.max(max, active);
          await release.opened;
          active--;
        },
        { concurrency: 3 },
      );
      const ids = [];
      for (let n = 0; n < 7; n++) ids.push((await q.add('work', { n })).id);
      await waitFor('3 active handlers', async () => (active === 3 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      await sleep(300);
      assert.equal(active, 3, 'no fourth handler starts while three run');
      assert.equal((await q.counts()).waiting, 4);
      release.open();
      for (const id of ids) assert.equal((await q.waitUntilFinished(id, 10_000)).state, 'completed');
      assert.equal(max, 3);
    });

    it('shares a queue between workers, each job running once', async () => {
      const { jobs, prefix } = open();
      const q = jobs.queue(TEST_QUEUE);
      const ranBy = new Map<string, string[]>();
      const worker = (name: string) => async (job: { id: string }) => {
        ranBy.set(job.id, [...(ranBy.get(job.id) ?? []), name]);
        await sleep(20);
      };
      q.process(worker('a'));
      q.process(worker('b'));
      if (mode === 'bullmq') {
        // another process on the same Redis and prefix
        open(prefix).jobs.queue(TEST_QUEUE).process(worker('c'), { concurrency: 2 });
      }
      const ids = [];
      for (let n = 0; n < 30; n++) ids.push((await q.add('work', { n })).id);
      for (const id of ids) assert.equal((await q.waitUntilFinished(id, 15_000)).state, 'completed');
      await sleep(100);
      assert.equal(ranBy.size, 30);
      for (const [id, by] of ranBy) assert.equal(by.length, 1, `job ${id} ran by ${by.join(', ')}`);
      const workers = new Set([...ranBy.values()].flat());
      assert.ok(workers.size >= 2, `jobs spread over workers ${[...workers].join(', ')}`);
    });

    it('runs a schedule about every everyMs, replaces it by id, and stops it', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const seen: number[] = [];
      q.process(async (job) => {
        if (job.name === 'work') seen.push(job.data.n);
      });
      await q.schedule('every-200', 200, 'work', { n: 1 });
      await waitFor('2 scheduled runs', async () => (seen.length >= 2 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      await q.schedule('every-200', 250, 'work', { n: 2 });
      await waitFor(
        '2 runs with the new payload',
        async () => (seen.filter((n) => n === 2).length >= 2 ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 20,
        },
      );
      await q.unschedule('every-200');
      await q.unschedule('never-scheduled');
      await sleep(400); // an iteration already taken may still finish
      const stopped = seen.length;
      await sleep(800);
      assert.equal(seen.length, stopped, 'no run after unschedule');
      assert.equal(seen.lastIndexOf(1) < seen.indexOf(2), true, 'the new payload replaced the old one');
    });

    it('closes a worker only after its active job finishes', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const release = gate();
      let started = false;
      const worker = q.process(async () => {
        started = true;
        await release.opened;
        return 'done';
      });
      const { id } = await q.add('work', { n: 1 });
      await waitFor('the job active', async () => (started ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      let closed = false;
      const closing = worker.close().then(() => {
        closed = true;
      });
      await sleep(200);
      assert.equal(closed, false, 'close waits for the active job');
      release.open();
      await closing;
      assert.deepEqual(await q.waitUntilFinished(id, 5_000), { state: 'completed', returnValue: 'done' });
    });

    it('rejects waitUntilFinished after its timeout, naming the state', async () => {
      const { jobs } = open();
      const q = jobs.queue(TEST_QUEUE);
      const { id } = await q.add('work', { n: 1 }, { delayMs: 60_000 });
      await assert.rejects(q.waitUntilFinished(id, 150), /did not finish within 150 ms \(state: delayed\)/);
      assert.equal((await q.counts()).delayed, 1);
    });

    it('leaves nothing open after close(): a process using it exits by itself', async () => {
      const prefix = newPrefix();
      usedPrefixes.add(prefix);
      const child = spawn(process.execPath, [...TS_CHILD_ARGS, fixture('open-close.ts')], {
        env: {
          ...process.env,
          LIVEGRADE_TEST_REDIS_URL: mode === 'bullmq' && redis.ok ? redis.url : '',
          LIVEGRADE_TEST_JOBS_PREFIX: prefix,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
      });
      child.stderr.on('data', (c) => {
        out += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );
      clearTimeout(timer);
      assert.equal(signal, null, `the child had to be killed: still open after close (said: ${out.trim()})`);
      assert.equal(code, 0, out);
      assert.match(out, /closed after \d+ runs/);
    });

    if (mode === 'bullmq') {
      it('keeps a schedule running after Redis lost its data (a restart without persistence)', async () => {
        const { jobs, prefix } = open();
        const q = jobs.queue(TEST_QUEUE);
        let runs = 0;
        q.process(async (job) => {
          if (job.name === 'work') runs++;
        });
        await q.schedule('tick', 1000, 'work', { n: 1 });
        await waitFor('a scheduled run', async () => (runs >= 1 ? true : undefined), { timeoutMs: 10_000 });
        // what a Redis restarted without an AOF holds: nothing of this queue, its scheduler included
        await deleteKeys(prefix);
        const before = runs;
        await waitFor('scheduled runs again', async () => (runs >= before + 2 ? true : undefined), {
          timeoutMs: 10_000,
        });
      });

      it('runs a job again, exactly once, after its worker was killed mid-job', async () => {
        const { jobs, prefix } = open(newPrefix(), { lockDurationMs: 1000, stalledIntervalMs: 1000 });
        const q = jobs.queue(TEST_QUEUE);
        const { id } = await q.add('work', { n: 7 }, { jobId: 'survivor' });
        const child = spawn(process.execPath, [...TS_CHILD_ARGS, fixture('hanging-worker.ts')], {
          env: {
            ...process.env,
            LIVEGRADE_TEST_REDIS_URL: redis.ok ? redis.url : '',
            LIVEGRADE_TEST_JOBS_PREFIX: prefix,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
        try {
          const lines = createInterface({ input: child.stdout });
          for await (const line of lines) if (line === `active ${id}`) break;
          assert.equal((await q.counts()).active, 1);
        } finally {
          child.kill('SIGKILL');
        }
        assert.equal(await exited, 'SIGKILL');

        const runs: Array<{ attemptsMade: number }> = [];
        q.process(async (job) => {
          runs.push({ attemptsMade: job.attemptsMade });
          return 'recovered';
        });
        assert.deepEqual(await q.waitUntilFinished(id, 20_000), { state: 'completed', returnValue: 'recovered' });
        await sleep(2500); // two more stalled checks: nothing runs it again
        assert.deepEqual(runs, [{ attemptsMade: 0 }], 'a stall is not a failed attempt, and the job ran once more');
        assert.deepEqual(await q.counts(), { waiting: 0, active: 0, delayed: 0, completed: 1, failed: 0 });
      });

      it("refuses as a jobId every name of the queue's own keys", () => {
        const names = Object.keys(new QueueKeys().getKeys(TEST_QUEUE.name)).filter((n) => n !== '');
        assert.deepEqual(
          names.filter((n) => !RESERVED_JOB_IDS.has(n)),
          [],
          'RESERVED_JOB_IDS is behind this BullMQ',
        );
      });

      it('validates payloads a foreign producer wrote straight to Redis', async () => {
        const { jobs, prefix } = open();
        const q = jobs.queue(TEST_QUEUE);
        const connection = new Redis(redis.ok ? redis.url : '');
        const raw = new Queue(TEST_QUEUE.name, { connection, prefix });
        try {
          await raw.add('work', { n: 'one' }, { jobId: 'foreign', attempts: 5 });
          await raw.add('nope', {}, { jobId: 'unknown-name', attempts: 5 });
        } finally {
          await raw.close();
          await connection.quit();
        }
        let runs = 0;
        q.process(async () => {
          runs++;
        });
        const foreign = await q.waitUntilFinished('foreign', 10_000);
        assert.equal(foreign.state, 'failed');
        assert.match(foreign.failedReason!, /job "work" on queue "jobs-test": n: /);
        const unknown = await q.waitUntilFinished('unknown-name', 10_000);
        assert.match(unknown.failedReason!, /unknown job "nope" on queue "jobs-test"; known jobs: work, ping/);
        assert.equal(runs, 0);
      });
    }
  });
}
