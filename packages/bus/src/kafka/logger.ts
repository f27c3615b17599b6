import type { EventEmitter } from 'node:events';
import type { BusLogger } from '../types.ts';

/**
 * Routes a Kafka client's events into the service's logger, so one service
 * writes one log stream. A rebalance is routine (a replica joins or leaves):
 * info, not error. An 'error' event always has a listener here: an
 * EventEmitter without one would throw it and end the process.
 */
export function routeClientEvents(client: EventEmitter, logger: BusLogger | undefined): void {
  const log = logger?.child({ component: 'kafka' });
  client.on('error', (err: Error) => log?.error({ err: err.message }, 'kafka client error'));
  if (!log) return;
  client.on('client:broker:failed', (e: { broker?: unknown }) =>
    log.warn({ broker: e?.broker }, 'kafka: broker unreachable'),
  );
  client.on('consumer:group:rebalance', (e: { groupId?: string }) =>
    log.info({ groupId: e?.groupId }, 'kafka: group rebalancing'),
  );
  client.on('consumer:group:join', (e: { groupId?: string; generationId?: number; memberId?: string }) =>
    log.info({ groupId: e?.groupId, generationId: e?.generationId, memberId: e?.memberId }, 'kafka: joined group'),
  );
  client.on('consumer:heartbeat:error', (e: { error?: Error }) =>
    log.debug({ err: e?.error?.message }, 'kafka: heartbeat refused'),
  );
  client.on('consumer:heartbeat:stalled', (e: { stalledFor?: number; lastError?: Error }) =>
    log.warn({ stalledForMs: e?.stalledFor, err: e?.lastError?.message }, 'kafka: heartbeats stalled'),
  );
}
