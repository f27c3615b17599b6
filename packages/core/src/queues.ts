import { z } from 'zod';

/**
 * Every job queue livegrade runs, its name and the schema of each job's
 * payload, in one place (the contract between producers and workers). The jobs
 * adapter (@livegrade/jobs) validates payloads against these on add and again
 * on process, so a job written by an older or foreign producer fails with a
 * message naming the bad field instead of running on garbage.
 */

/** One scoring window: the slice metrics of [end - length, end). */
export const ScoreWindowJob = z.strictObject({
  window_ms: z.number().int().positive(),
  end_ms: z.number().int().nonnegative(),
});
export type ScoreWindowJob = z.infer<typeof ScoreWindowJob>;

/** The repeatable tick that enqueues the windows due; it carries nothing. */
export const ScoreTickJob = z.strictObject({});
export type ScoreTickJob = z.infer<typeof ScoreTickJob>;

/** Sends one notification (stored in alert_notifications) to one receiver. */
export const AlertDeliverJob = z.strictObject({
  notification: z.string().min(1),
  receiver: z.string().min(1),
});
export type AlertDeliverJob = z.infer<typeof AlertDeliverJob>;

/** One pass of the regression bank's capture; it carries nothing (the watermark is in the store). */
export const BankCaptureJob = z.strictObject({});
export type BankCaptureJob = z.infer<typeof BankCaptureJob>;

export const QUEUES = {
  scoring: {
    name: 'scoring',
    jobs: {
      tick: ScoreTickJob,
      window: ScoreWindowJob,
    },
  },
  /** the scorer queues `evaluate` once a window is scored; the alerter runs the rules that read that window */
  alerting: {
    name: 'alerting',
    jobs: {
      evaluate: ScoreWindowJob,
    },
  },
  /** one job per (notification, receiver), retried with backoff; 429 waits for Retry-After */
  alertDelivery: {
    name: 'alert-delivery',
    jobs: {
      deliver: AlertDeliverJob,
    },
  },
  /** the scorer's repeatable `capture` turns overridden and failed decisions with a human label into bank cases */
  bank: {
    name: 'bank',
    jobs: {
      capture: BankCaptureJob,
    },
  },
} as const;

export type QueueContract = (typeof QUEUES)[keyof typeof QUEUES];
/** The payload type of job `J` on queue `Q`. */
export type JobPayload<Q extends QueueContract, J extends keyof Q['jobs']> = Q['jobs'][J] extends z.ZodType
  ? z.infer<Q['jobs'][J]>
  : never;
