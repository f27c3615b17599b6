import type { SamplingConfig } from './types.ts';

/**
 * A trace whose root span never reaches the sampler (the root is in a
 * service that is not instrumented, or lost) is decided this long after its
 * first span arrived.
 */
export function orphanWaitMs(sampling: Pick<SamplingConfig, 'decision_wait'>): number {
  return Math.max(30_000, 6 * sampling.decision_wait);
}

/**
 * How long a verdict that overtook its decision waits for it before it is
 * counted unmatched: the longest a trace may stay undecided, plus a margin
 * for the write. A late promotion therefore lands at most this long after
 * its verdict, which the regression bank's capture lookback must cover.
 */
export function verdictWaitMs(sampling: Pick<SamplingConfig, 'decision_wait'>): number {
  return sampling.decision_wait + orphanWaitMs(sampling) + 30_000;
}
