import type { BatchControl } from '@livegrade/bus';
import type { Logger } from '@livegrade/runtime';

export class StoppedError extends Error {
  override name = 'StoppedError';
}

/**
 * Retries a write until it succeeds or the consumer stops: while the store is
 * down the partition simply waits (backpressure), and nothing is committed,
 * so nothing is lost. Heartbeats keep the group from evicting the member.
 * An error `opts.permanent` recognises (the store refusing the rows
 * themselves) is thrown at once: retrying it would stall the partition forever.
 */
export async function untilWritten(
  what: string,
  write: () => Promise<void>,
  control: BatchControl,
  logger: Logger,
  opts: { initialMs: number; maxMs: number; permanent?: (err: unknown) => boolean },
): Promise<void> {
  let delay = opts.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      if (attempt > 1) logger.info({ what, attempt }, 'write succeeded after retries');
      return;
    } catch (err) {
      if (opts.permanent?.(err)) throw err;
      if (!control.isRunning()) throw new StoppedError(`stopped while retrying ${what}`);
      logger.warn({ what, attempt, err: (err as Error).message, retryInMs: delay }, 'write failed, will retry');
      await sleepWithHeartbeat(delay, control);
      delay = Math.min(delay * 2, opts.maxMs);
    }
  }
}

async function sleepWithHeartbeat(ms: number, control: BatchControl) {
  const step = 2000;
  for (let left = ms; left > 0 && control.isRunning(); left -= step) {
    await new Promise((r) => setTimeout(r, Math.min(step, left)));
    await control.heartbeat().catch(() => {});
  }
}
