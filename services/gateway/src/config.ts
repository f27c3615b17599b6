import { ConfigError, type Env, type Topics, topicsOf } from '@livegrade/core';

/** How long a request waits for the bus, and what the client is told when the bus does not answer in time. */
export interface BusWaitPolicy {
  /** longest a request waits for the bus to acknowledge its messages before the gateway answers 503 */
  sendTimeoutMs: number;
  /** the 503's Retry-After, in whole seconds */
  retryAfterSeconds: number;
}

export interface GatewayConfig extends BusWaitPolicy {
  host: string;
  port: number;
  /** limit on a request body after decompression: a gzip bomb is refused like any large body */
  maxBodyBytes: number;
  topics: Topics;
}

/**
 * The defaults (LIVEGRADE_GATEWAY_SEND_TIMEOUT_MS 3000, LIVEGRADE_GATEWAY_RETRY_AFTER_S 2)
 * are sized for the official JS exporter, whose retries must all fit in its
 * export timeout (10 s by default, see bus-unavailable.ts). A stopped broker
 * is refused within about a second: a 2 s Retry-After then fits three retries
 * into those 10 s, where 5 s fits one. A hung broker holds each attempt for
 * the whole 3 s wait, which leaves one retry either way. A healthy acks=all
 * write takes milliseconds; 3 s still rides out a leader election.
 */
export function gatewayConfig(env: Env, busWait: Partial<BusWaitPolicy> = {}): GatewayConfig {
  const wait = {
    sendTimeoutMs: env.LIVEGRADE_GATEWAY_SEND_TIMEOUT_MS,
    retryAfterSeconds: env.LIVEGRADE_GATEWAY_RETRY_AFTER_S,
    ...busWait,
  };
  if (!Number.isInteger(wait.sendTimeoutMs) || wait.sendTimeoutMs < 1) {
    throw new ConfigError(`gateway sendTimeoutMs: expected a whole number of ms >= 1 (got ${wait.sendTimeoutMs})`);
  }
  // exporters read Retry-After as whole seconds, and 0 as "retry at once"
  if (!Number.isInteger(wait.retryAfterSeconds) || wait.retryAfterSeconds < 1) {
    throw new ConfigError(`gateway retryAfterSeconds: expected a whole number >= 1 (got ${wait.retryAfterSeconds})`);
  }
  return {
    host: env.LIVEGRADE_HOST,
    port: env.LIVEGRADE_GATEWAY_PORT,
    maxBodyBytes: env.LIVEGRADE_MAX_BODY_BYTES,
    topics: topicsOf(env),
    ...wait,
  };
}
