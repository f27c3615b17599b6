import { createKafkaBus } from './kafka/bus.ts';
import { createMemoryBus } from './memory.ts';
import type { Bus, BusLogger } from './types.ts';

export { createKafkaBus, type KafkaBusOptions } from './kafka/bus.ts';
export { createMemoryBus } from './memory.ts';
export * from './types.ts';

/** Kafka when brokers are configured, otherwise the in-process bus (docs/ARCHITECTURE.md §3). */
export function createBus(opts: { brokers?: string | undefined; clientId?: string; logger?: BusLogger }): Bus {
  if (!opts.brokers) return createMemoryBus();
  return createKafkaBus({
    brokers: opts.brokers.split(','),
    clientId: opts.clientId ?? 'livegrade',
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
