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

/**
 * A trace the store refused: its original messages may hold other traces
 * that were stored, so the DLQ gets the rows it was refused, by table
 * (`livegrade.dlq.format: rows`, each row as JSONCompactEachRow would take it),
 * and the offsets of the messages its spans came from.
 */
export function refusedToDlqMessage(
  topic: string,
  trace: { traceId: string; partition: number; offsets: number[] },
  rows: Record<string, string[]>,
  reason: string,
): OutgoingMessage {
  const tables = Object.entries(rows).map(
    ([table, lines]) => `${JSON.stringify(table)}:[${lines.map((l) => l.trimEnd()).join(',')}]`,
  );
  return {
    key: trace.traceId,
    value: Buffer.from(`{${tables.join(',')}}`),
    headers: {
      'livegrade.dlq.reason': reason.slice(0, 2000),
      'livegrade.dlq.source': `${topic}/${trace.partition}/${[...new Set(trace.offsets)].join(',')}`,
      'livegrade.dlq.format': 'rows',
      'livegrade.dlq.at': new Date().toISOString(),
    },
  };
}

/**
 * A trace to be parked whose bytes the store refused: the DLQ gets its OTLP
 * bytes as one spans message (its requests concatenated, which protobuf
 * reads as one request), so sending it back to the spans topic decides it
 * again; its offsets say where its spans came from.
 */
export function unparkedToDlqMessage(
  topic: string,
  trace: { traceId: string; partition: number; offsets: number[] },
  otlp: Buffer,
  reason: string,
): OutgoingMessage {
  return {
    key: trace.traceId,
    value: otlp,
    headers: {
      'livegrade.dlq.reason': reason.slice(0, 2000),
      'livegrade.dlq.source': `${topic}/${trace.partition}/${[...new Set(trace.offsets)].join(',')}`,
      'livegrade.dlq.at': new Date().toISOString(),
    },
  };
}
