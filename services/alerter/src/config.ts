import { type AlertsConfig, DEFAULT_CONFIG } from '@livegrade/core';

export interface DeliveryPolicy {
  /** runs of one delivery before it is given up (recorded as gave_up) */
  attempts: number;
  /** first retry delay; doubles per retry up to maxBackoffMs */
  backoffMs: number;
  maxBackoffMs: number;
  /** share of each delay drawn at random, so receivers coming back are not hit by every retry at once */
  jitter: number;
  /** deliveries run at once by one worker */
  concurrency: number;
}

export interface AlerterConfig {
  alerts: AlertsConfig;
  delivery: DeliveryPolicy;
  /**
   * notifications this recent with no final delivery outcome are queued again
   * (the outbox replay): at start, and every replayEveryMs
   */
  replayHorizonMs: number;
  /**
   * how often the outbox is replayed while the alerter runs, so a delivery
   * job lost without a restart (Redis down while an evaluation queued it,
   * Redis back without its data) is queued again; a job still there is not
   * queued twice (its id)
   */
  replayEveryMs: number;
  /** the dashboard's public address (LIVEGRADE_PUBLIC_URL): Slack messages link to the slice's view there */
  publicUrl?: string | undefined;
}

/**
 * 40 attempts from 1 s doubling to a 5 min cap: a receiver may be down for
 * about 2.7 h before a notification is given up, long enough for a Slack
 * outage, short enough that a message is not delivered a day late. A 429
 * waits for its Retry-After instead and still counts as an attempt.
 */
export const DEFAULT_DELIVERY: DeliveryPolicy = {
  attempts: 40,
  backoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  jitter: 0.2,
  concurrency: 4,
};

export function alerterConfig(
  alerts: AlertsConfig = DEFAULT_CONFIG.alerts,
  delivery: Partial<DeliveryPolicy> = {},
  publicUrl?: string,
): AlerterConfig {
  return {
    alerts,
    delivery: { ...DEFAULT_DELIVERY, ...delivery },
    replayHorizonMs: 24 * 3600_000,
    replayEveryMs: 60_000,
    ...(publicUrl ? { publicUrl } : {}),
  };
}
