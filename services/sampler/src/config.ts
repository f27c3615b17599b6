import type { Env, SamplingConfig, Topics } from '@livegrade/core';
import { DEFAULT_CONFIG, topicsOf } from '@livegrade/core';

export interface SamplerConfig {
  groupId: string;
  sessionTimeoutMs: number;
  topics: Topics;
  /** retry pause bounds while the store refuses writes (backpressure) */
  retryInitialMs: number;
  retryMaxMs: number;
  /** the `sampling:` section of livegrade.config.yaml */
  sampling: SamplingConfig;
  /** how often due traces are decided and offsets committed */
  tickMs: number;
}

export function samplerConfig(env: Env, sampling: SamplingConfig = DEFAULT_CONFIG.sampling): SamplerConfig {
  return {
    groupId: env.LIVEGRADE_KAFKA_GROUP,
    sessionTimeoutMs: env.LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS,
    topics: topicsOf(env),
    retryInitialMs: 200,
    retryMaxMs: 10_000,
    sampling,
    // a tenth of decision_wait keeps the decision at most 10% late, within 50..250 ms
    tickMs: Math.min(250, Math.max(50, Math.round(sampling.decision_wait / 10))),
  };
}
