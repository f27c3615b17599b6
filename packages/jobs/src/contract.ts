import type { z } from 'zod';
import { JobPayloadError, RetryAfterError } from './errors.ts';
import type { AddOptions, JobsContract } from './types.ts';

/** Defaults and retention, the same in both modes. */
export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;
/** completed jobs are kept (and so deduplicate their jobId) this long, at most this many per queue */
export const KEEP_COMPLETED = { ageMs: 24 * 3600_000, count: 10_000 };
/** failed jobs are kept this long (with their failedReason) */
export const KEEP_FAILED = { ageMs: 7 * 24 * 3600_000 };

/** Parses `data` as job `name` of `contract`; throws JobPayloadError naming the queue, job and fields. */
export function parsePayload(contract: JobsContract, name: string, data: unknown): unknown {
  const schema = schemaOf(contract, name);
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new JobPayloadError(
    contract.name,
    name,
    `invalid payload for job "${name}" on queue "${contract.name}": ${describeIssues(r.error)}`,
  );
}

function schemaOf(contract: JobsContract, name: string): z.ZodType {
  const schema = Object.hasOwn(contract.jobs, name) ? contract.jobs[name] : undefined;
  if (!schema) {
    const known = Object.keys(contract.jobs).join(', ');
    throw new JobPayloadError(
      contract.name,
      name,
      `unknown job "${name}" on queue "${contract.name}"; known jobs: ${known}`,
    );
  }
  return schema;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** How a job's retries are spaced, fixed when it is added; see retryDelay. */
export interface Backoff {
  backoffMs: number;
  /** absent: no cap */
  backoffMaxMs?: number;
  /** in [0, 1] */
  jitter: number;
}

export interface ResolvedAddOptions extends Backoff {
  jobId?: string;
  attempts: number;
  delayMs: number;
}

/** Checks AddOptions the same way in both modes, so a jobId BullMQ would refuse is refused in memory too. */
export function resolveAddOptions(queue: string, opts: AddOptions = {}): ResolvedAddOptions {
  const {
    jobId,
    attempts = DEFAULT_ATTEMPTS,
    backoffMs = DEFAULT_BACKOFF_MS,
    backoffMaxMs,
    jitter = 0,
    delayMs = 0,
  } = opts;
  if (jobId !== undefined) checkJobId(queue, jobId);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error(`queue "${queue}": attempts must be an integer >= 1, got ${attempts}`);
  }
  if (!Number.isFinite(backoffMs) || backoffMs < 0) {
    throw new Error(`queue "${queue}": backoffMs must be >= 0, got ${backoffMs}`);
  }
  if (backoffMaxMs !== undefined && (!Number.isFinite(backoffMaxMs) || backoffMaxMs < 0)) {
    throw new Error(
      `queue "${queue}": backoffMaxMs must be a finite number >= 0 (omit it for no cap), got ${backoffMaxMs}`,
    );
  }
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) {
    throw new Error(`queue "${queue}": jitter must be between 0 and 1, got ${jitter}`);
  }
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new Error(`queue "${queue}": delayMs must be >= 0, got ${delayMs}`);
  }
  return {
    ...(jobId !== undefined && { jobId }),
    attempts,
    backoffMs,
    ...(backoffMaxMs !== undefined && { backoffMaxMs }),
    jitter,
    delayMs,
  };
}

/** the backoff of jobs added without options (schedules, among others) */
export const DEFAULT_BACKOFF: Backoff = { backoffMs: DEFAULT_BACKOFF_MS, jitter: 0 };

/**
 * The suffixes of a BullMQ queue's own keys (QueueKeys in BullMQ 6). A job's
 * hash is stored at `<prefix>:<queue>:<jobId>`, so a jobId among these lands on
 * one of them: BullMQ does not check, and the add is then silently dropped
 * ("delayed" while the delayed set exists), fails in its Lua script with
 * WRONGTYPE, or writes into the queue's meta hash.
 */
export const RESERVED_JOB_IDS: ReadonlySet<string> = new Set([
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
]);

/**
 * BullMQ 6 refuses custom ids that look like integers (they would collide with
 * its own counter ids) or that contain ':' (except in the legacy three-part
 * form "a:b:c", which it keeps for its own scheduler ids; we refuse that too).
 */
function checkJobId(queue: string, jobId: string): void {
  if (jobId === '') throw new Error(`queue "${queue}": jobId must not be empty`);
  if (RESERVED_JOB_IDS.has(jobId)) {
    throw new Error(`queue "${queue}": jobId "${jobId}" is reserved (it names one of the queue's own Redis keys)`);
  }
  if (jobId.includes(':')) {
    throw new Error(`queue "${queue}": jobId "${jobId}" must not contain ':' (use '-' or '.' as separator)`);
  }
  if (`${Number.parseInt(jobId, 10)}` === jobId) {
    throw new Error(`queue "${queue}": jobId "${jobId}" must not be an integer (those are the queue's own ids)`);
  }
}

export function checkSchedule(queue: string, schedulerId: string, everyMs: number): void {
  if (schedulerId === '') throw new Error(`queue "${queue}": schedulerId must not be empty`);
  if (!Number.isFinite(everyMs) || everyMs <= 0) {
    throw new Error(`queue "${queue}": schedule every must be > 0 ms, got ${everyMs}`);
  }
}

export function checkQueueName(name: string): void {
  if (!name || name.includes(':')) throw new Error(`invalid queue name "${name}": must be non-empty, without ':'`);
}

/**
 * Delay before retry number `attemptsMade` (1 = the first retry), in both
 * modes. A RetryAfterError's own delay wins (the receiver said when to come
 * back). Otherwise backoffMs, 2×, 4×, ... capped at backoffMaxMs; with jitter
 * j, drawn uniformly from [delay × (1 − j), delay], so that jobs failing
 * together (one receiver down) do not all come back in the same instant.
 */
export function retryDelay(backoff: Backoff, attemptsMade: number, err?: unknown, random = Math.random): number {
  if (err instanceof RetryAfterError && Number.isFinite(err.retryAfterMs)) {
    return Math.max(0, Math.ceil(err.retryAfterMs));
  }
  const exponential = 2 ** Math.max(0, attemptsMade - 1) * backoff.backoffMs;
  const delay = Math.min(exponential, backoff.backoffMaxMs ?? Number.POSITIVE_INFINITY);
  return Math.round(delay - delay * backoff.jitter * random());
}
