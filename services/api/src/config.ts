import type { Env } from '@livegrade/core';

export interface ApiConfig {
  host: string;
  port: number;
  /** bearer token required on /v1/* when set; never logged */
  token: string | undefined;
}

export function apiConfig(env: Env): ApiConfig {
  return { host: env.LIVEGRADE_HOST, port: env.LIVEGRADE_API_PORT, token: env.LIVEGRADE_API_TOKEN };
}
