import { counterFrom, gaugeFrom, Histogram, type Registry } from '@livegrade/runtime';
import type { Scorer } from './scorer.ts';

/** Windows take from well under a second (embedded, few slices) to minutes (a large ClickHouse window). */
const WINDOW_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The scorer's Prometheus metrics: running totals read at scrape time, and a histogram of window durations. */
export function registerScorerMetrics(registry: Registry, scorer: Pick<Scorer, 'stats' | 'onWindow'>): void {
  const m = 'livegrade_scorer_';
  const stats = () => scorer.stats();
  counterFrom(
    registry,
    `${m}windows_total`,
    'scoring window runs by this process, by outcome (a failed run is retried)',
    () => ({ completed: stats().windows.completed, failed: stats().windows.failed }),
    'outcome',
  );
  gaugeFrom(
    registry,
    `${m}last_window_seconds`,
    'time the latest window took to score',
    () => stats().lastDurationMs / 1000,
  );
  const duration = new Histogram({
    name: `${m}window_seconds`,
    help: 'time each window run took in this process, by outcome',
    labelNames: ['outcome'],
    buckets: WINDOW_BUCKETS,
    registers: [registry],
  });
  scorer.onWindow((run) => duration.observe({ outcome: run.ok ? 'completed' : 'failed' }, run.seconds));
}
