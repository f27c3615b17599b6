import type { Logger } from '@livegrade/runtime';
import {
  type Backoff,
  checkQueueName,
  checkSchedule,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  KEEP_COMPLETED,
  KEEP_FAILED,
  parsePayload,
  resolveAddOptions,
  retryDelay,
} from './contract.ts';
import { UnrecoverableJobError } from './errors.ts';
import type {
  AddOptions,
  AddResult,
  AnyJob,
  FinishedJob,
  Handler,
  JobCounts,
  JobQueue,
  Jobs,
  JobsContract,
  ProcessOptions,
  Worker,
} from './types.ts';

/**
 * The embedded mode's job queues: the same semantics as the BullMQ adapter
 * (jobId deduplication with the same retention, retries with exponential
 * backoff, per-worker concurrency, schedules, graceful close) in one process.
 * Nothing survives the process, and only this process's workers see its jobs.
 */
export function createMemoryJobs(opts: { logger: Logger }): Jobs {
  const queues = new Map<string, MemoryQueue>();
  let closed = false;
  return {
    mode: 'memory',
    queue<Q extends JobsContract>(contract: Q): JobQueue<Q> {
      if (closed) throw new Error('jobs are closed');
      let q = queues.get(contract.name);
      if (!q) {
        checkQueueName(contract.name);
        q = new MemoryQueue(contract, opts.logger);
        queues.set(contract.name, q);
      } else if (q.contract !== contract) {
        throw new Error(`queue "${contract.name}" is already open with a different contract`);
      }
      return q as unknown as JobQueue<Q>;
    },
    async close() {
      closed = true;
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

type State = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

interface MemJob {
  id: string;
  name: string;
  data: unknown;
  attempts: number;
  backoff: Backoff;
  attemptsMade: number;
  state: State;
  failedReason?: string;
  returnValue?: unknown;
  finishedAt?: number;
  timer?: NodeJS.Timeout;
}

interface Schedule {
  name: string;
  data: unknown;
  timer: NodeJS.Timeout;
  /** the last job this schedule added; no new one is added while it still waits */
  last?: MemJob;
}

interface MemWorker {
  handler: Handler<JobsContract>;
  concurrency: number;
  active: number;
  closing: boolean;
  running: Set<Promise<void>>;
}

class MemoryQueue implements JobQueue<JobsContract> {
  readonly name: string;
  private readonly jobs = new Map<string, MemJob>();
  private readonly waiting: MemJob[] = [];
  /** finished jobs in finishing order, for retention */
  private readonly completed: MemJob[] = [];
  private readonly failed: MemJob[] = [];
  private readonly workers: MemWorker[] = [];
  private readonly schedules = new Map<string, Schedule>();
  private readonly finishWaiters = new Map<string, Set<(job: MemJob | Error) => void>>();
  private nextId = 1;
  private turn = 0;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    readonly contract: JobsContract,
    private readonly logger: Logger,
  ) {
    this.name = contract.name;
  }

  async add(name: string, data: unknown, opts?: AddOptions): Promise<AddResult> {
    this.checkOpen();
    const payload = parsePayload(this.contract, name, data);
    const o = resolveAddOptions(this.name, opts);
    const { id, added } = this.enqueue(name, payload, o.jobId, o.attempts, o, o.delayMs);
    return { id, added };
  }

  private enqueue(
    name: string,
    data: unknown,
    jobId: string | undefined,
    attempts: number,
    backoff: Backoff,
    delayMs: number,
  ): AddResult & { job: MemJob } {
    const existing = jobId === undefined ? undefined : this.jobs.get(jobId);
    if (existing) return { id: existing.id, added: false, job: existing };
    const id = jobId ?? String(this.nextId++);
    const { backoffMs, backoffMaxMs, jitter } = backoff;
    const job: MemJob = {
      id,
      name,
      data,
      attempts,
      backoff: { backoffMs, ...(backoffMaxMs !== undefined && { backoffMaxMs }), jitter },
      attemptsMade: 0,
      state: 'waiting',
    };
    this.jobs.set(id, job);
    if (delayMs > 0) this.delay(job, delayMs);
    else this.makeWaiting(job);
    return { id, added: true, job };
  }

  async schedule(schedulerId: string, everyMs: number, name: string, data: unknown): Promise<void> {
    this.checkOpen();
    checkSchedule(this.name, schedulerId, everyMs);
    const payload = parsePayload(this.contract, name, data);
    const previous = this.schedules.get(schedulerId);
    if (previous) clearInterval(previous.timer);
    const s: Schedule = {
      name,
      data: payload,
      last: previous?.last,
      timer: setInterval(() => this.tick(schedulerId, s), everyMs),
    };
    this.schedules.set(schedulerId, s);
    this.tick(schedulerId, s);
  }

  private tick(schedulerId: string, s: Schedule): void {
    if (s.last?.state === 'waiting') {
      // as BullMQ: at most one iteration waits; an upsert updates the one waiting
      s.last.name = s.name;
      s.last.data = s.data;
      return;
    }
    const id = `repeat:${schedulerId}:${Date.now()}`;
    s.last = this.enqueue(s.name, s.data, id, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, 0).job;
  }

  async unschedule(schedulerId: string): Promise<void> {
    const s = this.schedules.get(schedulerId);
    if (!s) return;
    clearInterval(s.timer);
    this.schedules.delete(schedulerId);
  }

  process(handler: Handler<JobsContract>, opts: ProcessOptions = {}): Worker {
    this.checkOpen();
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`queue "${this.name}": concurrency must be an integer >= 1, got ${concurrency}`);
    }
    const w: MemWorker = { handler, concurrency, active: 0, closing: false, running: new Set() };
    this.workers.push(w);
    this.schedulePump();
    let closing: Promise<void> | undefined;
    return {
      close: () => {
        closing ??= this.closeWorker(w);
        return closing;
      },
    };
  }

  private async closeWorker(w: MemWorker): Promise<void> {
    w.closing = true;
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    while (w.running.size > 0) await Promise.allSettled([...w.running]);
  }

  async waitUntilFinished(jobId: string, timeoutMs: number): Promise<FinishedJob> {
    const job = this.jobs.get(jobId);
    if (job && (job.state === 'completed' || job.state === 'failed')) return finished(job);
    return new Promise((resolve, reject) => {
      let waiters = this.finishWaiters.get(jobId);
      if (!waiters) {
        waiters = new Set();
        this.finishWaiters.set(jobId, waiters);
      }
      const set = waiters;
      const done = (j: MemJob | Error) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.finishWaiters.get(jobId) === set) this.finishWaiters.delete(jobId);
        if (j instanceof Error) reject(j);
        else resolve(finished(j));
      };
      const timer = setTimeout(() => {
        const state = this.jobs.get(jobId)?.state ?? 'unknown';
        done(new Error(`job ${jobId} on queue "${this.name}" did not finish within ${timeoutMs} ms (state: ${state})`));
      }, timeoutMs);
      set.add(done);
    });
  }

  async counts(): Promise<JobCounts> {
    const c: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const job of this.jobs.values()) c[job.state]++;
    return c;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.schedules.values()) clearInterval(s.timer);
    this.schedules.clear();
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
    await Promise.all([...this.workers].map((w) => this.closeWorker(w)));
    for (const [id, waiters] of [...this.finishWaiters]) {
      for (const done of [...waiters]) done(new Error(`queue "${this.name}" closed before job ${id} finished`));
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`queue "${this.name}" is closed`);
  }

  private delay(job: MemJob, ms: number): void {
    job.state = 'delayed';
    job.timer = setTimeout(() => {
      job.timer = undefined;
      this.makeWaiting(job);
    }, ms);
  }

  private makeWaiting(job: MemJob): void {
    job.state = 'waiting';
    this.waiting.push(job);
    this.schedulePump();
  }

  /** handlers start on a later turn of the event loop, never inside add() */
  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const w = this.freeWorker();
      if (!w) return;
      const job = this.waiting.shift()!;
      this.start(w, job);
    }
  }

  /** round robin over workers with a free slot, so several workers share the queue */
  private freeWorker(): MemWorker | undefined {
    for (let k = 0; k < this.workers.length; k++) {
      const w = this.workers[(this.turn + k) % this.workers.length]!;
      if (!w.closing && w.active < w.concurrency) {
        this.turn = (this.turn + k + 1) % this.workers.length;
        return w;
      }
    }
    return undefined;
  }

  private start(w: MemWorker, job: MemJob): void {
    job.state = 'active';
    w.active++;
    const run = (async () => {
      try {
        const data = parsePayload(this.contract, job.name, job.data);
        const info = { id: job.id, name: job.name, data, attemptsMade: job.attemptsMade } as AnyJob<JobsContract>;
        const value = await w.handler(info);
        this.complete(job, value);
      } catch (err) {
        this.fail(job, err);
      } finally {
        w.active--;
        this.schedulePump();
      }
    })();
    w.running.add(run);
    void run.finally(() => w.running.delete(run));
  }

  private complete(job: MemJob, value: unknown): void {
    job.state = 'completed';
    job.returnValue = value;
    job.finishedAt = Date.now();
    this.completed.push(job);
    this.evict(this.completed, KEEP_COMPLETED.ageMs, KEEP_COMPLETED.count);
    this.notifyFinished(job);
  }

  private fail(job: MemJob, err: unknown): void {
    job.attemptsMade++;
    job.failedReason = err instanceof Error ? err.message : String(err);
    const final = err instanceof UnrecoverableJobError || job.attemptsMade >= job.attempts;
    this.logger.warn(
      {
        queue: this.name,
        jobId: job.id,
        jobName: job.name,
        attemptsMade: job.attemptsMade,
        final,
        err: job.failedReason,
      },
      final ? 'job failed' : 'job failed, will retry',
    );
    if (!final) {
      this.delay(job, retryDelay(job.backoff, job.attemptsMade, err));
      return;
    }
    job.state = 'failed';
    job.finishedAt = Date.now();
    this.failed.push(job);
    this.evict(this.failed, KEEP_FAILED.ageMs, Number.POSITIVE_INFINITY);
    this.notifyFinished(job);
  }

  /** as BullMQ: retention is applied when a job finishes, oldest first */
  private evict(list: MemJob[], ageMs: number, count: number): void {
    const oldest = Date.now() - ageMs;
    while (list.length > 0 && (list.length > count || list[0]!.finishedAt! < oldest)) {
      const job = list.shift()!;
      if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    }
  }

  private notifyFinished(job: MemJob): void {
    const waiters = this.finishWaiters.get(job.id);
    if (waiters) for (const done of [...waiters]) done(job);
  }
}

function finished(job: MemJob): FinishedJob {
  return job.state === 'completed'
    ? { state: 'completed', returnValue: job.returnValue }
    : { state: 'failed', failedReason: job.failedReason ?? '' };
}
