import type { ScoringConfig } from '@livegrade/core';
import { DEFAULT_CONFIG } from '@livegrade/core';

export interface ScorerConfig {
  scoring: ScoringConfig;
  /** window jobs one worker runs at once: each is one ClickHouse query, so more mostly queue in the store */
  concurrency: number;
  /** runs of a failing window before it is left failed (kept 7 days, counted in livegrade_scorer_windows_total{outcome="failed"}) */
  attempts: number;
  /** queue an `alerting.evaluate` job for each window scored (true when alert rules are configured) */
  alerting: boolean;
}

export function scorerConfig(
  scoring: ScoringConfig = DEFAULT_CONFIG.scoring,
  opts: { alerting?: boolean } = {},
): ScorerConfig {
  return { scoring, concurrency: 1, attempts: 5, alerting: opts.alerting ?? false };
}
