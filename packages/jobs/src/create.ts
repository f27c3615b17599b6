import { createBullJobs } from './bullmq/jobs.ts';
import { createMemoryJobs } from './memory.ts';
import type { Jobs, JobsOptions } from './types.ts';

/**
 * The job queues: BullMQ on Redis when `redisUrl` is set (LIVEGRADE_REDIS_URL),
 * otherwise the in-process scheduler with the same interface and semantics.
 */
export function createJobs(opts: JobsOptions): Jobs {
  return opts.redisUrl ? createBullJobs({ ...opts, redisUrl: opts.redisUrl }) : createMemoryJobs(opts);
}
