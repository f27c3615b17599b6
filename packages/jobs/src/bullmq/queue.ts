import type { Logger } from '@livegrade/runtime';
import {
  type BackoffOptions,
  type JobsOptions as BullJobOptions,
  Worker as BullWorker,
  type MinimalJob,
  Queue,
  UnrecoverableError,
} from 'bullmq';
import {
  type Backoff,
  checkSchedule,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  KEEP_COMPLETED,
  KEEP_FAILED,
  parsePayload,
  resolveAddOptions,
  retryDelay,
} from '../contract.ts';
import { UnrecoverableJobError } from '../errors.ts';
import type {
  AddOptions,
  AddResult,
  AnyJob,
  FinishedJob,
  Handler,
  JobCounts,
  JobQueue,
  JobsContract,
  ProcessOptions,
  Worker,
} from '../types.ts';
import type { Connections } from './connections.ts';

export interface BullQueueContext {
  prefix: string;
  connections: Connections;
  logger: Logger;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** BullMQ's retention options: ages in seconds */
const RETENTION = {
  removeOnComplete: { age: KEEP_COMPLETED.ageMs / 1000, count: KEEP_COMPLETED.count },
  removeOnFail: { age: KEEP_FAILED.ageMs / 1000 },
} satisfies BullJobOptions;

/**
 * Our jobs' backoff type. BullMQ computes its built-in types ('fixed',
 * 'exponential') itself and hands any other type to the worker's
 * backoffStrategy: that is how RetryAfterError, the cap and the jitter reach
 * retries, computed by the same retryDelay as the in-memory mode.
 */
const BACKOFF_TYPE = 'livegrade';

/** our fields ride along in the job's stored backoff options (BullMQ keeps them as JSON) */
interface StoredBackoff extends BackoffOptions {
  type: typeof BACKOFF_TYPE;
  delay: number;
  jitter: number;
  maxDelay?: number;
}

function storedBackoff(b: Backoff): StoredBackoff {
  return {
    type: BACKOFF_TYPE,
    delay: b.backoffMs,
    jitter: b.jitter,
    ...(b.backoffMaxMs !== undefined && { maxDelay: b.backoffMaxMs }),
  };
}

/** reads what storedBackoff wrote; a foreign job's custom type gets the plain doubling of its delay */
function backoffOf(job: MinimalJob | undefined): Backoff {
  const stored = job?.opts.backoff as Partial<StoredBackoff> | number | undefined;
  if (typeof stored !== 'object') return { ...DEFAULT_BACKOFF, backoffMs: stored ?? DEFAULT_BACKOFF.backoffMs };
  const { delay, jitter, maxDelay } = stored;
  return {
    backoffMs: typeof delay === 'number' ? delay : DEFAULT_BACKOFF.backoffMs,
    jitter: typeof jitter === 'number' ? jitter : 0,
    ...(typeof maxDelay === 'number' && { backoffMaxMs: maxDelay }),
  };
}

/** BullMQ passes the handler's error as thrown, so a RetryAfterError is seen here as such */
function backoffStrategy(attemptsMade: number, _type?: string, err?: Error, job?: MinimalJob): number {
  return retryDelay(backoffOf(job), attemptsMade, err);
}

let lastTimestamp = 0;
/** Date.now(), but never the same twice in this process (a burst runs a few ms ahead) */
function uniqueTimestamp(): number {
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  return lastTimestamp;
}

export class BullQueue implements JobQueue<JobsContract> {
  readonly name: string;
  private readonly queue: Queue;
  private readonly workers = new Set<Worker>();
  /** the schedules this process declared, kept asserted (see schedule()) */
  private readonly schedules = new Map<string, { timer: NodeJS.Timeout; inflight: Promise<unknown> }>();
  private closing?: Promise<void>;

  constructor(
    readonly contract: JobsContract,
    private readonly ctx: BullQueueContext,
  ) {
    this.name = contract.name;
    this.queue = new Queue(this.name, {
      connection: ctx.connections.producer(),
      prefix: ctx.prefix,
      defaultJobOptions: RETENTION,
    });
    this.queue.on('error', (err) => ctx.logger.error({ queue: this.name, err: err.message }, 'jobs: queue error'));
  }

  async add(name: string, data: unknown, opts?: AddOptions): Promise<AddResult> {
    this.checkOpen();
    const payload = parsePayload(this.contract, name, data);
    const o = resolveAddOptions(this.name, opts);
    const jobOpts: BullJobOptions = {
      ...RETENTION,
      attempts: o.attempts,
      backoff: storedBackoff(o),
      ...(o.delayMs > 0 && { delay: o.delayMs }),
    };
    if (o.jobId === undefined) {
      const job = await this.queue.add(name, payload, jobOpts);
      return { id: job.id!, added: true };
    }
    // BullMQ does not add a job whose id exists, but answers the same either
    // way. Most re-adds (the scorer's windows) find the job already there:
    // answer those without a write. For the others, compare the stored
    // creation time with ours (unique within this process) to learn whether
    // this call or a concurrent one created the job. Only two processes
    // adding the same id in the same millisecond can both be told `added`;
    // the job itself is still added once.
    const client = this.ctx.connections.producer();
    const key = this.queue.toKey(o.jobId);
    if ((await client.exists(key)) === 1) return { id: o.jobId, added: false };
    const timestamp = uniqueTimestamp();
    await this.queue.add(name, payload, { ...jobOpts, jobId: o.jobId, timestamp });
    const stored = await client.hget(key, 'timestamp');
    return { id: o.jobId, added: stored === null || Number(stored) === timestamp };
  }

  /**
   * The scheduler lives in Redis: a Redis that comes back without its data
   * (no persistence, a failover to an empty replica, a flush) has none, and
   * nothing would ever run it again. So this process declares it again
   * every everyMs (at most every minute) until unschedule() or close(): the
   * upsert of an unchanged scheduler keeps its next run, so this moves
   * nothing while Redis keeps its data.
   */
  async schedule(schedulerId: string, everyMs: number, name: string, data: unknown): Promise<void> {
    this.checkOpen();
    checkSchedule(this.name, schedulerId, everyMs);
    const payload = parsePayload(this.contract, name, data);
    const upsert = () =>
      this.queue.upsertJobScheduler(
        schedulerId,
        { every: everyMs },
        {
          name,
          data: payload,
          opts: { ...RETENTION, attempts: DEFAULT_ATTEMPTS, backoff: storedBackoff(DEFAULT_BACKOFF) },
        },
      );
    await this.stopAsserting(schedulerId);
    await upsert();
    const entry = {
      inflight: Promise.resolve() as Promise<unknown>,
      timer: setInterval(
        () => {
          if (this.closing) return;
          // Redis down: the connection logs it, and the next round tries again
          entry.inflight = upsert().catch(() => {});
        },
        Math.min(Math.max(everyMs, 1000), 60_000),
      ),
    };
    entry.timer.unref();
    this.schedules.set(schedulerId, entry);
  }

  async unschedule(schedulerId: string): Promise<void> {
    this.checkOpen();
    await this.stopAsserting(schedulerId);
    await this.queue.removeJobScheduler(schedulerId);
  }

  /** stops declaring a schedule again, once a declaration under way has landed */
  private async stopAsserting(schedulerId: string): Promise<void> {
    const entry = this.schedules.get(schedulerId);
    if (!entry) return;
    clearInterval(entry.timer);
    this.schedules.delete(schedulerId);
    await entry.inflight;
  }

  process(handler: Handler<JobsContract>, opts: ProcessOptions = {}): Worker {
    this.checkOpen();
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`queue "${this.name}": concurrency must be an integer >= 1, got ${concurrency}`);
    }
    const { logger } = this.ctx;
    const worker = new BullWorker(
      this.name,
      async (job) => {
        try {
          const data = parsePayload(this.contract, job.name, job.data);
          const info = { id: job.id!, name: job.name, data, attemptsMade: job.attemptsMade } as AnyJob<JobsContract>;
          return await handler(info);
        } catch (err) {
          // BullMQ fails a job without retrying only for its own error class
          if (err instanceof UnrecoverableJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.ctx.connections.worker(),
        prefix: this.ctx.prefix,
        concurrency,
        lockDuration: this.ctx.lockDurationMs,
        stalledInterval: this.ctx.stalledIntervalMs,
        maxStalledCount: 1,
        settings: { backoffStrategy },
        ...RETENTION,
      },
    );
    worker.on('failed', (job, err) => {
      const final = job === undefined || job.finishedOn !== undefined;
      logger.warn(
        {
          queue: this.name,
          jobId: job?.id,
          jobName: job?.name,
          attemptsMade: job?.attemptsMade,
          final,
          err: err.message,
        },
        final ? 'job failed' : 'job failed, will retry',
      );
    });
    worker.on('stalled', (jobId) =>
      logger.warn({ queue: this.name, jobId }, 'job stalled: its worker lost the lock; it will run again'),
    );
    worker.on('error', (err) => logger.error({ queue: this.name, err: err.message }, 'jobs: worker error'));
    let closing: Promise<void> | undefined;
    const handle: Worker = {
      close: () => {
        closing ??= worker.close().finally(() => this.workers.delete(handle));
        return closing;
      },
    };
    this.workers.add(handle);
    return handle;
  }

  async waitUntilFinished(jobId: string, timeoutMs: number): Promise<FinishedJob> {
    const deadline = Date.now() + timeoutMs;
    let pause = 25;
    for (;;) {
      const state = await this.queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') {
        const job = await this.queue.getJob(jobId);
        if (job) {
          return state === 'completed'
            ? { state, returnValue: job.returnvalue }
            : { state, failedReason: job.failedReason };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`job ${jobId} on queue "${this.name}" did not finish within ${timeoutMs} ms (state: ${state})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(pause * 2, 250);
    }
  }

  async counts(): Promise<JobCounts> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  /** closes the workers (waiting for their active jobs), then the queue */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.schedules.keys()].map((id) => this.stopAsserting(id)));
      await Promise.all([...this.workers].map((w) => w.close()));
      await this.queue.close();
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing) throw new Error(`queue "${this.name}" is closed`);
  }
}
