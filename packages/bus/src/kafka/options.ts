import type { BaseOptions } from '@platformatic/kafka';
import type { BusLogger } from '../types.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  logger?: BusLogger;
  /** connection and request timeouts, ms (default 3000) */
  connectionTimeout?: number;
}

/**
 * What every client of one bus shares. Retries are bounded so an unreachable
 * broker surfaces as an error (the gateway answers 503, the sampler backs
 * off) instead of a hang.
 */
export function clientOptionsOf(options: KafkaBusOptions): BaseOptions {
  const timeout = options.connectionTimeout ?? 3000;
  return {
    clientId: options.clientId ?? 'livegrade',
    bootstrapBrokers: options.brokers,
    connectTimeout: timeout,
    timeout,
    retries: 3,
    retryDelay: 250,
    autocreateTopics: false,
  };
}
