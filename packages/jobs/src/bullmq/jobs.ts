import { checkQueueName } from '../contract.ts';
import type { JobQueue, Jobs, JobsContract, JobsOptions } from '../types.ts';
import { Connections } from './connections.ts';
import { BullQueue } from './queue.ts';

/** Job queues on Redis through BullMQ: durable, shared by every process on the same Redis and prefix. */
export function createBullJobs(opts: JobsOptions & { redisUrl: string }): Jobs {
  const connections = new Connections(opts.redisUrl, opts.logger);
  const ctx = {
    prefix: opts.prefix ?? 'livegrade',
    connections,
    logger: opts.logger,
    lockDurationMs: opts.lockDurationMs ?? 30_000,
    stalledIntervalMs: opts.stalledIntervalMs ?? 30_000,
  };
  const queues = new Map<string, BullQueue>();
  let closing: Promise<void> | undefined;
  return {
    mode: 'bullmq',
    queue<Q extends JobsContract>(contract: Q): JobQueue<Q> {
      if (closing) throw new Error('jobs are closed');
      let q = queues.get(contract.name);
      if (!q) {
        checkQueueName(contract.name);
        q = new BullQueue(contract, ctx);
        queues.set(contract.name, q);
      } else if (q.contract !== contract) {
        throw new Error(`queue "${contract.name}" is already open with a different contract`);
      }
      return q as unknown as JobQueue<Q>;
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...queues.values()].map((q) => q.close()));
        await connections.close();
      })();
      return closing;
    },
  };
}
