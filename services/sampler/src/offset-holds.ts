/**
 * What a partition may commit. A message holds its offset while anything read
 * from it is not yet durably written (a buffered trace, a queued write, a
 * verdict whose promotion is pending); the partition may commit up to its
 * lowest held offset, or past everything it has read when nothing is held.
 *
 * Within a partition messages are read in offset order, so holds arrive in
 * ascending order and a FIFO of offsets with counts gives the minimum in
 * amortised O(1), however out of order they are released.
 */
export class OffsetHolds {
  private readonly partitions = new Map<number, PartitionHolds>();

  /** Forgets every hold and read position (after a rebalance consumption restarts from the committed offsets). */
  reset(): void {
    this.partitions.clear();
  }

  /** The token release() needs: a hold taken before a reset is not released after it. */
  hold(partition: number, offset: number): HoldToken {
    const p = this.partition(partition);
    const n = p.counts.get(offset);
    if (n === undefined) {
      p.counts.set(offset, 1);
      p.order.push(offset);
    } else p.counts.set(offset, n + 1);
    return { partition, offset, generation: p.generation };
  }

  release(token: HoldToken): void {
    const p = this.partitions.get(token.partition);
    if (!p || p.generation !== token.generation) return;
    const n = p.counts.get(token.offset);
    if (n === undefined) return;
    if (n > 1) p.counts.set(token.offset, n - 1);
    else p.counts.delete(token.offset);
  }

  /** Everything below `next` has been read (held or done). */
  markRead(partition: number, next: number): void {
    const p = this.partition(partition);
    if (next > p.next) p.next = next;
  }

  /** The offset this partition may commit now, or undefined when nothing was read since the last reset. */
  committable(partition: number): number | undefined {
    const p = this.partitions.get(partition);
    if (!p || p.next < 0) return undefined;
    while (p.head < p.order.length && !p.counts.has(p.order[p.head] as number)) p.head++;
    if (p.head > 1024 && p.head * 2 > p.order.length) {
      p.order = p.order.slice(p.head);
      p.head = 0;
    }
    return p.head < p.order.length ? (p.order[p.head] as number) : p.next;
  }

  partitionIds(): number[] {
    return [...this.partitions.keys()];
  }

  private partition(partition: number): PartitionHolds {
    let p = this.partitions.get(partition);
    if (!p) {
      // generations are unique across resets, so a stale token never matches a new partition's holds
      p = { counts: new Map(), order: [], head: 0, next: -1, generation: nextGeneration++ };
      this.partitions.set(partition, p);
    }
    return p;
  }
}

let nextGeneration = 1;

export interface HoldToken {
  partition: number;
  offset: number;
  generation: number;
}

interface PartitionHolds {
  counts: Map<number, number>;
  order: number[];
  head: number;
  next: number;
  generation: number;
}
