import type { VerdictEvent } from '@livegrade/core';

/**
 * A validated verdict as it leaves the SDK (schemas/json/verdict.schema.json),
 * with id and ts always set. Spelled out rather than derived from core's zod
 * schema so the published types need no zod; the checks below keep the two equal.
 */
export type QueuedVerdict = {
  id: string;
  ts: number;
  decision_id: string;
  trace_id?: string | undefined;
} & (
  | { kind: 'feedback'; value: 'thumbs_down' | 'thumbs_up' | 'retry'; comment?: string | undefined }
  | {
      kind: 'review';
      reviewer_id: string;
      seniority: 'senior' | 'junior';
      label: string;
      rationale?: string | undefined;
    }
);

// compile-time only: a verdict the SDK sends is one core accepts, and every field core knows is spelled here
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
type Fields<T> = T extends unknown ? Omit<T, 'id' | 'ts'> : never;
const sameAsCore: Same<Fields<QueuedVerdict>, Fields<VerdictEvent>> = true;
void sameAsCore;

/** Where verdict batches go: Kafka or the gateway's /v1/verdicts. */
export type VerdictSink = (batch: QueuedVerdict[]) => Promise<void>;

/** Thrown by a sink when sending the same batch again cannot succeed (the gateway refused it). */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

export interface VerdictQueueOptions {
  /** verdicts per send */
  maxBatch: number;
  /** how long a verdict may wait for others to share its send */
  delayMs: number;
  /** verdicts held while the destination is slow or down; beyond this new ones are dropped and reported */
  maxQueued: number;
  /** sends after the first one fails */
  retries: number;
  /** first retry delay; doubles on each further retry */
  retryBaseMs: number;
}

const MAX_RETRY_DELAY_MS = 10_000;

export const DEFAULT_VERDICT_QUEUE: VerdictQueueOptions = {
  maxBatch: 500,
  delayMs: 200,
  maxQueued: 50_000,
  retries: 5,
  retryBaseMs: 200,
};

/**
 * Verdicts leave the caller's path at once and are sent in batches in the
 * background, one batch at a time so verdicts about a decision keep their
 * order. A failed batch is retried a bounded number of times; after that it
 * is reported to onError, never thrown at the caller.
 */
export class VerdictQueue {
  private queue: QueuedVerdict[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dropped = 0;
  private inFlight = 0;
  private abandoned = false;
  private readonly opts: VerdictQueueOptions;

  constructor(
    private readonly sink: VerdictSink,
    private readonly onError: (err: Error) => void,
    opts: Partial<VerdictQueueOptions> = {},
  ) {
    this.opts = { ...DEFAULT_VERDICT_QUEUE, ...opts };
  }

  push(v: QueuedVerdict): void {
    if (this.abandoned || this.queue.length >= this.opts.maxQueued) {
      // reported from the send loop, so a long outage yields one message per batch, not one per verdict
      this.dropped++;
      return;
    }
    this.queue.push(v);
    if (this.queue.length >= this.opts.maxBatch) this.drain();
    // unref: a pending verdict alone does not keep the process alive; shutdown() flushes it
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.drain(), this.opts.delayMs).unref();
  }

  /**
   * Sends everything queued, including verdicts pushed meanwhile, and waits
   * for it, at most timeoutMs. Resolves false when time ran out first; the
   * sending goes on.
   */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.drain();
      if (!this.running) return true;
      if (!(await settlesWithin(this.running, deadline - Date.now()))) return false;
    }
  }

  /** Stops retrying and reports what is still unsent: the process is about to exit. */
  abandon(reason: string): void {
    this.abandoned = true;
    clearTimeout(this.timer);
    const unsent = this.queue.length + this.inFlight + this.dropped;
    this.queue = [];
    this.dropped = 0;
    if (unsent > 0) this.report(new Error(`dropped ${unsent} verdicts: ${reason}`));
  }

  private drain() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    this.running = this.run();
  }

  private async run() {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        this.inFlight = batch.length;
        await this.send(batch);
        this.inFlight = 0;
        if (this.dropped > 0) {
          this.report(
            new Error(`dropped ${this.dropped} verdicts: ${this.opts.maxQueued} were already waiting to be sent`),
          );
          this.dropped = 0;
        }
      }
    } finally {
      this.inFlight = 0;
      this.running = undefined;
    }
  }

  private async send(batch: QueuedVerdict[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sink(batch);
        return;
      } catch (err) {
        // abandon() has reported this batch already
        if (this.abandoned) return;
        const e = err instanceof Error ? err : new Error(String(err));
        if (e instanceof PermanentError || attempt > this.opts.retries) {
          this.report(new Error(`dropped ${batch.length} verdicts after ${attempt} attempt(s): ${e.message}`));
          return;
        }
        await new Promise((r) =>
          setTimeout(r, Math.min(this.opts.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS)),
        );
        if (this.abandoned) return;
      }
    }
  }

  private report(err: Error) {
    try {
      this.onError(err);
    } catch {
      // a throwing onError must not stop delivery of the next batches
    }
  }
}

/** Whether p settles within ms; never rejects. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Number.POSITIVE_INFINITY)
    return p.then(
      () => true,
      () => true,
    );
  if (ms <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
