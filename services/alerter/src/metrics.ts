import { counterFrom, labelledCounterFrom, type Registry } from '@livegrade/runtime';
import type { AlerterStats } from './alerter.ts';

/** The alerter's Prometheus metrics, read from its running totals at scrape time. */
export function registerAlerterMetrics(registry: Registry, stats: () => AlerterStats): void {
  const m = 'livegrade_alerter_';
  counterFrom(
    registry,
    `${m}evaluations_total`,
    'scored windows evaluated against the alert rules by this process, by outcome (a failed one is retried)',
    () => ({ completed: stats().evaluations.completed, failed: stats().evaluations.failed }),
    'outcome',
  );
  counterFrom(
    registry,
    `${m}notifications_total`,
    'notifications written (each is delivered to every receiver of its rule)',
    () => stats().notifications,
  );
  labelledCounterFrom(
    registry,
    `${m}delivery_attempts_total`,
    'delivery attempts by this process, by receiver and outcome (alert_events has each one)',
    ['receiver', 'outcome'],
    () =>
      Object.entries(stats().deliveriesByReceiver).flatMap(([receiver, n]) => [
        { labels: { receiver, outcome: 'delivered' }, value: n.delivered },
        { labels: { receiver, outcome: 'failed' }, value: n.failed },
      ]),
  );
}
