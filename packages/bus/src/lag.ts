import type { PartitionLag, TopicPartition } from './types.ts';

/** Messages not yet handled: the log end offset minus the next offset to handle. Never below 0. */
export function lagOf(highWatermark: string, nextOffset: string): number {
  // Kafka offsets are int64: compare as BigInt, report as a number (a lag never nears 2^53)
  const lag = BigInt(highWatermark) - BigInt(nextOffset);
  return lag > 0n ? Number(lag) : 0;
}

/** The latest lag measured per partition, for a consumer that only learns it from its batches. */
export class PartitionLags {
  private readonly byPartition = new Map<string, PartitionLag>();

  record(topic: string, partition: number, highWatermark: string, nextOffset: string): void {
    this.byPartition.set(`${topic}\0${partition}`, { topic, partition, lag: lagOf(highWatermark, nextOffset) });
  }

  /** After a rebalance: a partition now read by another member is no longer this member's lag. */
  retain(assigned: TopicPartition[]): void {
    const keep = new Set(assigned.map((a) => `${a.topic}\0${a.partition}`));
    for (const key of this.byPartition.keys()) if (!keep.has(key)) this.byPartition.delete(key);
  }

  clear(): void {
    this.byPartition.clear();
  }

  list(): PartitionLag[] {
    return [...this.byPartition.values()].map((l) => ({ ...l }));
  }
}
