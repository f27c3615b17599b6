import type { ScoringConfig } from '@livegrade/core';
import { DEFAULT_CONFIG } from '@livegrade/core';
import type { BankCaptureConfig } from './bank-capture.ts';

export interface ScorerConfig {
  scoring: ScoringConfig;
  /** window jobs one worker runs at once: each is one ClickHouse query, so more mostly queue in the store */
  concurrency: number;
  /** runs of a failing window before it is left failed (kept 7 days, counted in livegrade_scorer_windows_total{outcome="failed"}) */
  attempts: number;
  /** queue an `alerting.evaluate` job for each window scored (true when alert rules are configured) */
  alerting: boolean;
  /** run the regression bank's capture job on this scorer's queues (unset: no capture) */
  bank?: BankCaptureConfig;
}

export function scorerConfig(
  scoring: ScoringConfig = DEFAULT_CONFIG.scoring,
  opts: { alerting?: boolean; bank?: BankCaptureConfig } = {},
): ScorerConfig {
  const config: ScorerConfig = { scoring, concurrency: 1, attempts: 5, alerting: opts.alerting ?? false };
  if (opts.bank) config.bank = opts.bank;
  return config;
}
