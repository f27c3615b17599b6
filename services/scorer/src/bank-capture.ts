import { type BankConfig, QUEUES } from '@livegrade/core';
import type { Jobs, Worker } from '@livegrade/jobs';
import { type CaptureResult, captureBank } from '@livegrade/ops';
import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';

export interface BankCaptureConfig {
  bank: BankConfig;
  /** sampling.slice_by: a case's slice is the sampler's stratum of its decision */
  sliceBy: readonly string[];
}

export interface BankCapture {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** queues a capture pass and resolves with what it wrote */
  capture(opts?: { timeoutMs?: number }): Promise<CaptureResult>;
}

const CAPTURE_SCHEDULER = 'bank-capture';

/**
 * The regression bank's capture (docs/ARCHITECTURE.md §8) as a repeatable `capture`
 * job on queue `bank`: whichever worker takes a run reads the verdicts
 * since the stored watermark, so any number of scorers share it, and a run
 * that overlaps another only writes rows the table collapses.
 */
export function createBankCapture(deps: {
  jobs: Jobs;
  store: Repository;
  logger: Logger;
  config: BankCaptureConfig;
  /** false: only work the queue, leave the repeatable job to other workers (default true) */
  schedule?: boolean;
}): BankCapture {
  const { jobs, store, config } = deps;
  const logger = deps.logger.child({ service: 'scorer', job: 'bank-capture' });
  const queue = jobs.queue(QUEUES.bank);
  let worker: Worker | undefined;
  let requests = 0;

  async function run(): Promise<CaptureResult> {
    const result = await captureBank(store, { sliceBy: config.sliceBy, lookbackMs: config.bank.capture_lookback });
    if (result.captured > 0 || result.skipped_no_input > 0) logger.info(result, 'bank capture');
    else logger.debug(result, 'bank capture');
    return result;
  }

  return {
    async start() {
      worker = queue.process(async (job) => {
        switch (job.name) {
          case 'capture':
            return run();
        }
      });
      if (deps.schedule !== false) await queue.schedule(CAPTURE_SCHEDULER, config.bank.capture_interval, 'capture', {});
    },
    async stop() {
      await worker?.close();
      worker = undefined;
    },
    async capture(opts = {}) {
      const jobId = `capture-now-${Date.now()}-${process.pid}-${++requests}`;
      await queue.add('capture', {}, { jobId, attempts: 1 });
      const done = await queue.waitUntilFinished(jobId, opts.timeoutMs ?? 120_000);
      if (done.state === 'failed') throw new Error(`bank capture ${jobId} failed: ${done.failedReason}`);
      return done.returnValue as CaptureResult;
    },
  };
}
