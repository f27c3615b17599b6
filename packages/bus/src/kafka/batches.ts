import type { Message } from '@platformatic/kafka';
import type { Batch, ConsumedMessage } from '../types.ts';

/**
 * Messages read from the stream, in the order the stream gave them (offset
 * order within a partition), grouped into one batch per partition. A
 * batch's high watermark is the partition's log end offset as last listed,
 * or just past the batch when that listing is older than the batch.
 */
export function toBatches(
  messages: Message<Buffer, Buffer, Buffer, Buffer>[],
  endOffsets: Map<string, bigint>,
): Batch[] {
  const byPartition = new Map<string, Batch>();
  for (const m of messages) {
    const key = `${m.topic}\0${m.partition}`;
    let batch = byPartition.get(key);
    if (!batch) {
      batch = { topic: m.topic, partition: m.partition, messages: [], highWatermark: '0' };
      byPartition.set(key, batch);
    }
    batch.messages.push(consumedOf(m));
  }
  for (const [key, batch] of byPartition) {
    const past = BigInt(batch.messages.at(-1)?.offset ?? '-1') + 1n;
    const end = endOffsets.get(key) ?? 0n;
    batch.highWatermark = (end > past ? end : past).toString();
  }
  return [...byPartition.values()];
}

function consumedOf(m: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of m.headers) {
    const name = k.toString('utf8');
    // the first value of a repeated header wins, as with a Record
    if (!(name in headers)) headers[name] = v.toString('utf8');
  }
  return {
    key: m.key && m.key.length > 0 ? m.key.toString('utf8') : null,
    value: m.value ?? Buffer.alloc(0),
    headers,
    offset: m.offset.toString(),
    timestamp: Number(m.timestamp),
  };
}
