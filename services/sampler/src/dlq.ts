import type { ConsumedMessage, OutgoingMessage } from '@livegrade/bus';

/**
 * A message the sampler could not use goes to the DLQ unchanged, with where it
 * came from and why in headers, so it can be inspected and replayed.
 */
export function toDlqMessage(topic: string, partition: number, m: ConsumedMessage, reason: string): OutgoingMessage {
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...m.headers,
      'livegrade.dlq.reason': reason.slice(0, 2000),
      'livegrade.dlq.source': `${topic}/${partition}/${m.offset}`,
      'livegrade.dlq.at': new Date().toISOString(),
    },
  };
}
