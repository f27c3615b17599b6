import { counterFrom, gaugeFrom, type Registry } from '@livegrade/runtime';
import type { ScorerStats } from './scorer.ts';

/** The scorer's Prometheus metrics, read from its running totals at scrape time. */
export function registerScorerMetrics(registry: Registry, stats: () => ScorerStats): void {
  const m = 'livegrade_scorer_';
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
}
