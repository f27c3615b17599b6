import { QUEUES, type ScoreWindowJob, windowJobId, windowsDue } from '@livegrade/core';
import type { Jobs, Worker } from '@livegrade/jobs';
import type { CaptureResult } from '@livegrade/ops';
import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import { type BankCapture, createBankCapture } from './bank-capture.ts';
import type { ScorerConfig } from './config.ts';
import { baselineCache, scoreWindow, type WindowScore } from './score-window.ts';

export interface ScorerStats {
  windows: { completed: number; failed: number };
  lastDurationMs: number;
}

export interface Scorer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** queues the windows due now (what each tick does) */
  tick(now?: number): Promise<ScoreWindowJob[]>;
  /** queues one window and resolves once it is scored; a re-run replaces the window's rows */
  score(window: ScoreWindowJob, opts?: { rerun?: boolean; timeoutMs?: number }): Promise<WindowScore>;
  stats(): ScorerStats;
  /** queues a regression bank capture pass and resolves with what it wrote (config.bank must be set) */
  captureBank(opts?: { timeoutMs?: number }): Promise<CaptureResult>;
  /** Calls `listener` after each window this process scores or fails to score; returns what stops it. */
  onWindow(listener: WindowListener): () => void;
}

export type WindowListener = (run: { seconds: number; ok: boolean }) => void;

const TICK_SCHEDULER = 'scoring-tick';

/**
 * The scorer (docs/ARCHITECTURE.md §6): a repeatable tick job queues the windows due,
 * each window is a job of its own, deduplicated by its aligned end, so
 * several workers share the queue, a restarted worker retries what it was
 * doing, and no window is scored twice by the schedule. The same code runs on
 * BullMQ and on the in-process scheduler.
 */
export function createScorer(deps: {
  jobs: Jobs;
  store: Repository;
  logger: Logger;
  config: ScorerConfig;
  /** false: only work the queue, leave the repeatable tick to other workers (default true) */
  schedule?: boolean;
}): Scorer {
  const { jobs, store, config } = deps;
  const logger = deps.logger.child({ service: 'scorer' });
  const queue = jobs.queue(QUEUES.scoring);
  const alerting = jobs.queue(QUEUES.alerting);
  const baselines = baselineCache(store);
  const stats: ScorerStats = { windows: { completed: 0, failed: 0 }, lastDurationMs: 0 };
  let worker: Worker | undefined;
  const bank: BankCapture | undefined = config.bank
    ? createBankCapture({ jobs, store, logger: deps.logger, config: config.bank, schedule: deps.schedule })
    : undefined;
  const listeners = new Set<WindowListener>();
  const told = (run: { seconds: number; ok: boolean }) => {
    for (const listener of listeners) {
      try {
        listener(run);
      } catch (err) {
        logger.warn({ err }, 'window listener failed');
      }
    }
  };

  async function enqueueDue(now: number): Promise<ScoreWindowJob[]> {
    const due = windowsDue(now, config.scoring);
    const added: ScoreWindowJob[] = [];
    for (const w of due) {
      const r = await queue.add('window', w, { jobId: windowJobId(w), attempts: config.attempts });
      if (r.added) added.push(w);
    }
    return added;
  }

  async function runWindow(w: ScoreWindowJob): Promise<WindowScore> {
    const started = performance.now();
    try {
      const result = await scoreWindow({ store, baselines }, config.scoring, w);
      // the alerter evaluates each window once; a re-scored window is not evaluated again
      if (config.alerting) await alerting.add('evaluate', w, { jobId: `evaluate-${w.window_ms}-${w.end_ms}` });
      stats.windows.completed++;
      stats.lastDurationMs = performance.now() - started;
      told({ seconds: stats.lastDurationMs / 1000, ok: true });
      logger.info({ ...result, ms: Math.round(stats.lastDurationMs) }, 'window scored');
      return result;
    } catch (err) {
      stats.windows.failed++;
      told({ seconds: (performance.now() - started) / 1000, ok: false });
      throw err;
    }
  }

  return {
    async start() {
      worker = queue.process(
        async (job) => {
          switch (job.name) {
            case 'tick':
              return enqueueDue(Date.now());
            case 'window':
              return runWindow(job.data);
          }
        },
        { concurrency: config.concurrency },
      );
      if (deps.schedule !== false) await queue.schedule(TICK_SCHEDULER, config.scoring.interval, 'tick', {});
      await bank?.start();
    },
    async stop() {
      await bank?.stop();
      await worker?.close();
      worker = undefined;
    },
    tick: (now = Date.now()) => enqueueDue(now),
    async score(window, opts = {}) {
      const jobId = opts.rerun ? `${windowJobId(window)}-rerun-${Date.now()}` : windowJobId(window);
      await queue.add('window', window, { jobId, attempts: config.attempts });
      const done = await queue.waitUntilFinished(jobId, opts.timeoutMs ?? 120_000);
      if (done.state === 'failed') throw new Error(`scoring window ${jobId} failed: ${done.failedReason}`);
      return done.returnValue as WindowScore;
    },
    captureBank(opts) {
      if (!bank) return Promise.reject(new Error('this scorer does not run the bank capture (no bank config)'));
      return bank.capture(opts);
    },
    stats: () => stats,
    onWindow(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
