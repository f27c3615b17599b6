import type { Env, Topics } from '@livegrade/core';
import { topicsOf } from '@livegrade/core';

export interface SamplerConfig {
  groupId: string;
  sessionTimeoutMs: number;
  topics: Topics;
  /** retry pause bounds while the store refuses writes (backpressure) */
  retryInitialMs: number;
  retryMaxMs: number;
}

export function samplerConfig(env: Env): SamplerConfig {
  return {
    groupId: env.LIVEGRADE_KAFKA_GROUP,
    sessionTimeoutMs: env.LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS,
    topics: topicsOf(env),
    retryInitialMs: 200,
    retryMaxMs: 10_000,
  };
}
