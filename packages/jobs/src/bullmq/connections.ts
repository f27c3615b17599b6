import type { Logger } from '@livegrade/runtime';
import { Redis } from 'ioredis';

/**
 * The Redis connections of one Jobs instance, opened on first use. Queues
 * (producers) share one connection that fails a command after ioredis's
 * default retries, so adding a job does not hang forever while Redis is down.
 * Workers get a second one with `maxRetriesPerRequest: null`, as BullMQ
 * requires of anything it blocks on; each BullMQ Worker duplicates it for its
 * own blocking and command connections, and closes those duplicates itself.
 * BullMQ never closes a connection it was given: close() here does.
 */
export class Connections {
  private producerClient?: Redis;
  private workerClient?: Redis;
  private lastError = { message: '', at: 0 };

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  producer(): Redis {
    this.producerClient ??= this.open('producer', {});
    return this.producerClient;
  }

  worker(): Redis {
    this.workerClient ??= this.open('worker', { maxRetriesPerRequest: null });
    return this.workerClient;
  }

  private open(role: string, extra: { maxRetriesPerRequest?: null }): Redis {
    const client = new Redis(this.url, { connectionName: `livegrade:jobs:${role}`, ...extra });
    client.on('error', (err: Error) => this.logError(role, err));
    return client;
  }

  /** a Redis that is down reports every reconnect attempt: log a repeated error once a minute */
  private logError(role: string, err: Error): void {
    const now = Date.now();
    if (err.message === this.lastError.message && now - this.lastError.at < 60_000) return;
    this.lastError = { message: err.message, at: now };
    this.logger.warn({ role, err: err.message }, 'jobs: redis connection error');
  }

  async close(): Promise<void> {
    const clients = [this.producerClient, this.workerClient].filter((c): c is Redis => c !== undefined);
    this.producerClient = undefined;
    this.workerClient = undefined;
    await Promise.all(
      clients.map(async (c) => {
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }),
    );
  }
}
