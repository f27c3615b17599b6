import type { Logger } from '@livegrade/runtime';
import type { z } from 'zod';

/**
 * The job queues as the rest of livegrade sees them. Two implementations with
 * the same semantics: BullMQ on Redis (bullmq/) and an in-process scheduler
 * (memory.ts) for the embedded mode. Queues are declared once as contracts
 * (QUEUES in @livegrade/core): a name and a zod schema per job name.
 */

/**
 * The shape of a queue contract. Every `QueueContract` of @livegrade/core is
 * one; tests may declare their own.
 */
export interface JobsContract {
  readonly name: string;
  readonly jobs: { readonly [job: string]: z.ZodType };
}

/** The job names of queue `Q`. */
export type JobName<Q extends JobsContract> = keyof Q['jobs'] & string;

/** The payload of job `J` on queue `Q`, as the handler receives it (after parsing). */
export type JobData<Q extends JobsContract, J extends JobName<Q>> = z.output<Q['jobs'][J]>;

/** The payload of job `J` on queue `Q`, as `add` accepts it (before parsing). */
export type JobInput<Q extends JobsContract, J extends JobName<Q>> = z.input<Q['jobs'][J]>;

export interface JobInfo<T> {
  id: string;
  name: string;
  data: T;
  /** attempts that failed before this one: 0 on the first run */
  attemptsMade: number;
}

/** A job of queue `Q`: a union discriminated by `name`, so `switch (job.name)` narrows `data`. */
export type AnyJob<Q extends JobsContract> = {
  [J in JobName<Q>]: JobInfo<JobData<Q, J>> & { name: J };
}[JobName<Q>];

export type Handler<Q extends JobsContract> = (job: AnyJob<Q>) => Promise<unknown>;

export interface AddOptions {
  /**
   * Deduplication key: while a job with this id exists (waiting, delayed,
   * active, or kept after it completed or failed), adding it again is a no-op.
   * Must not contain ':' nor be an integer (BullMQ reserves both), nor be
   * one of the names of the queue's own keys ('delayed', 'meta', 'wait', ...:
   * RESERVED_JOB_IDS in contract.ts).
   */
  jobId?: string;
  /** total runs before the job is failed (default 5) */
  attempts?: number;
  /** first retry delay; doubles on each further retry (default 1000) */
  backoffMs?: number;
  /** cap of that doubling delay (default: no cap) */
  backoffMaxMs?: number;
  /**
   * in [0, 1] (default 0): each retry delay d is drawn uniformly from
   * [d × (1 − jitter), d], so jobs that failed together spread out
   */
  jitter?: number;
  /** run no earlier than this many ms from now */
  delayMs?: number;
}

export interface AddResult {
  id: string;
  /** false when a job with this jobId already existed (nothing was added) */
  added: boolean;
}

export interface ProcessOptions {
  /** handlers of this worker running at once (default 1) */
  concurrency?: number;
}

export interface FinishedJob {
  state: 'completed' | 'failed';
  failedReason?: string;
  returnValue?: unknown;
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface JobQueue<Q extends JobsContract> {
  readonly name: string;
  /**
   * Validates `data` with the contract's schema for `name` and enqueues it.
   * With a jobId, a job with that id that is waiting, delayed, active or kept
   * after completion (24 h / 10,000 jobs) or failure (7 days) is not added
   * again: `{ id, added: false }`.
   */
  add<J extends JobName<Q>>(name: J, data: JobInput<Q, J>, opts?: AddOptions): Promise<AddResult>;
  /**
   * Adds job `name` with `data` now and then every `everyMs`. Idempotent by
   * `schedulerId`: calling it again replaces the interval and the payload.
   * At most one iteration waits at a time: a queue without workers does not
   * pile up ticks.
   */
  schedule<J extends JobName<Q>>(schedulerId: string, everyMs: number, name: J, data: JobInput<Q, J>): Promise<void>;
  /** stops a schedule (no-op when there is none) */
  unschedule(schedulerId: string): Promise<void>;
  /**
   * Starts a worker on this queue. Payloads are validated again before the
   * handler runs: an invalid payload or unknown job name fails the job at once,
   * without retries, with an error naming the bad field. A handler that throws
   * UnrecoverableJobError fails its job without retries too; one that throws
   * RetryAfterError has its next attempt after exactly that error's delay.
   */
  process(handler: Handler<Q>, opts?: ProcessOptions): Worker;
  /** resolves once the job is completed or failed (for good); rejects after `timeoutMs` */
  waitUntilFinished(jobId: string, timeoutMs: number): Promise<FinishedJob>;
  counts(): Promise<JobCounts>;
}

export interface Worker {
  /** stops taking jobs and resolves once the active ones have finished */
  close(): Promise<void>;
}

export interface Jobs {
  readonly mode: 'bullmq' | 'memory';
  /** the queue of this contract; the same contract always gives the same object */
  queue<Q extends JobsContract>(contract: Q): JobQueue<Q>;
  /** closes every worker (waiting for active jobs), queue, schedule and connection it opened */
  close(): Promise<void>;
}

export interface JobsOptions {
  /** set: BullMQ on this Redis; unset: the in-process scheduler */
  redisUrl?: string;
  /** Redis key prefix (default 'livegrade') */
  prefix?: string;
  /** job failures are logged with queue, job id and name, never the payload */
  logger: Logger;
  /** BullMQ: how long a worker's lock on an active job lasts unless renewed (default 30000) */
  lockDurationMs?: number;
  /** BullMQ: how often workers look for jobs whose lock expired (default 30000) */
  stalledIntervalMs?: number;
}
