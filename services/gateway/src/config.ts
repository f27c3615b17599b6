import { type Env, type Topics, topicsOf } from '@livegrade/core';

export interface GatewayConfig {
  host: string;
  port: number;
  /** limit on a request body after decompression: a gzip bomb is refused like any large body */
  maxBodyBytes: number;
  topics: Topics;
}

export function gatewayConfig(env: Env): GatewayConfig {
  return {
    host: env.LIVEGRADE_HOST,
    port: env.LIVEGRADE_GATEWAY_PORT,
    maxBodyBytes: env.LIVEGRADE_MAX_BODY_BYTES,
    topics: topicsOf(env),
  };
}
