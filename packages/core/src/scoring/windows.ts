import type { ScoreWindowJob } from '../queues.ts';
import type { ScoringConfig } from './types.ts';

/**
 * The windows a tick at `nowMs` scores: each configured length, ending at the
 * latest multiple of `interval` that is at least `lag` old, and at the
 * `catch_up` multiples before it, oldest first. Window ends are aligned, so every worker
 * and every retry names a window the same way, and its job id dedupes it.
 */
export function windowsDue(
  nowMs: number,
  config: Pick<ScoringConfig, 'interval' | 'windows' | 'lag' | 'catch_up'>,
): ScoreWindowJob[] {
  const latest = Math.floor((nowMs - config.lag) / config.interval) * config.interval;
  const out: ScoreWindowJob[] = [];
  // Oldest first: the queue runs windows in the order they are added, and the
  // alerter must see a backlog in time order (it skips a window older than
  // the last one a rule evaluated), or a degradation that came and went
  // during a scorer outage would never alert.
  for (let k = config.catch_up; k >= 0; k--) {
    const end_ms = latest - k * config.interval;
    if (end_ms <= 0) continue;
    for (const window_ms of config.windows) out.push({ window_ms, end_ms });
  }
  return out;
}

/** The job id of a window: the same window is never queued twice while its last run is kept. */
export function windowJobId(w: ScoreWindowJob): string {
  return `window-${w.window_ms}-${w.end_ms}`;
}
