import type { VerdictEvent } from '@livegrade/core';

/** Where verdict batches go: Kafka or the gateway's /v1/verdicts. */
export type VerdictSink = (batch: Array<VerdictEvent & { id: string }>) => Promise<void>;

/**
 * Verdicts leave the caller's path at once and are sent in batches in the
 * background. A failed batch is retried a bounded number of times; after
 * that it is reported to onError, never thrown at the caller.
 */
export class VerdictQueue {
  private queue: Array<VerdictEvent & { id: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: VerdictSink,
    private readonly onError: (err: Error) => void,
    private readonly opts = { maxBatch: 500, delayMs: 500, retries: 5, retryBaseMs: 200 },
  ) {}

  push(v: VerdictEvent & { id: string }) {
    this.queue.push(v);
    if (this.queue.length >= this.opts.maxBatch) this.drain();
    else this.timer ??= setTimeout(() => this.drain(), this.opts.delayMs).unref();
  }

  /** Sends what is queued and waits for every batch already under way. */
  async flush(): Promise<void> {
    this.drain();
    await this.inFlight;
  }

  private drain() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0);
    // batches go one after another, so verdicts about one decision keep their order
    this.inFlight = this.inFlight.then(() => this.send(batch));
  }

  private async send(batch: Array<VerdictEvent & { id: string }>) {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink(batch);
        return;
      } catch (err) {
        if (attempt >= this.opts.retries) {
          this.onError(
            new Error(`dropped ${batch.length} verdicts after ${attempt + 1} attempts: ${(err as Error).message}`),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, this.opts.retryBaseMs * 2 ** attempt));
      }
    }
  }
}
