import { emptyFacts, mergeFacts, type SampleDecision, type TraceFacts } from '@livegrade/core';
import type { HoldToken } from './offset-holds.ts';

/** One trace's spans from one Kafka message: facts for the policy, the spans as OTLP, decision rows encoded. */
export interface TraceChunk {
  traceId: string;
  facts: TraceFacts;
  /** the chunk's spans as an OTLP ExportTraceServiceRequest (protobuf) */
  otlp: Buffer;
  spanCount: number;
  /** of the chunk's first span: with the trace id, the key of its parked row */
  firstSpanId: string;
  /** the earliest span start */
  startMs: number;
  /** decisions rows without their sample columns (store: encodeDecisionRow) */
  decisions: string[];
  /** the chunk holds the trace's root span, so the trace has ended */
  hasRoot: boolean;
}

/**
 * A trace on its way to a decision: a compact summary (facts) plus its spans
 * as the OTLP bytes they came in (one request per chunk; concatenated, they
 * are one request). Nothing of the decoded span objects is kept, so memory
 * grows with the number of buffered traces and their encoded size only.
 */
export interface Pending {
  traceId: string;
  partition: number;
  facts: TraceFacts;
  otlp: Buffer[];
  spanCount: number;
  firstSpanId: string;
  startMs: number;
  decisions: string[];
  /** offsets this trace keeps from being committed until it is written */
  holds: HoldToken[];
  firstSeenMs: number;
  dueMs: number;
  rootSeen: boolean;
  /**
   * read from below the partition's end offset at assignment: a previous
   * owner may have decided it already, so its decision is looked up first
   */
  suspect: boolean;
  /** decided before it was due, because the buffer was full or the sampler is draining */
  early: boolean;
  /** set once decided; chunks arriving later follow it */
  decision?: SampleDecision;
}

export interface BufferOptions {
  decisionWaitMs: number;
  /** a trace whose root never arrives (its root is in another service, or lost) is decided this long after it was first seen */
  orphanWaitMs: number;
  maxTraces: number;
  /** decided traces remembered so their late spans follow the decision */
  maxRemembered: number;
}

export type AddResult = { kind: 'buffered'; pending: Pending } | { kind: 'follows'; pending: Pending };

/**
 * Arrival-ordered queue with lazy deletion: an entry whose trace has moved on
 * is skipped when it reaches the head. Iterating a Map from its oldest end
 * would instead walk over every deleted slot not yet compacted, which made
 * each overflow and eviction cost grow with the buffer (bench/, 1M traces).
 */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/**
 * The in-flight traces of the sampler's partitions (docs/ARCHITECTURE.md §5): buffered
 * until their root span ends plus decision_wait, bounded in count, and
 * remembered for a while after their decision so that late spans follow it
 * instead of starting a second decision of the same trace.
 */
export class TraceBuffer {
  private readonly pending = new Map<string, Pending>();
  private readonly firstSeen = new Queue<Pending>(); // arrival order: orphans and overflow leave from here
  private readonly rootQueue = new Queue<Pending>(); // due order: rootSeen + wait is monotonic
  /** traces taken out for a decision (being decided or decided), by trace id */
  private readonly decided = new Map<string, Pending>();
  private readonly settledOrder = new Queue<Pending>(); // oldest decision first, for forgetting

  constructor(private readonly opts: BufferOptions) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds a chunk. A trace already taken out for a decision gets the chunk
   * appended while its decision is still being made, or ('follows') is told
   * to write it with the decision already made.
   */
  add(partition: number, chunk: TraceChunk, hold: HoldToken, nowMs: number, suspect: boolean): AddResult {
    const taken = this.decided.get(chunk.traceId);
    if (taken) {
      if (taken.decision) {
        const follower: Pending = {
          ...newPending(partition, chunk, hold, nowMs, this.opts, false),
          decision: taken.decision,
        };
        return { kind: 'follows', pending: follower };
      }
      appendChunk(taken, chunk, hold);
      return { kind: 'buffered', pending: taken };
    }
    let p = this.pending.get(chunk.traceId);
    if (p === undefined) {
      p = newPending(partition, chunk, hold, nowMs, this.opts, suspect);
      this.pending.set(chunk.traceId, p);
      this.firstSeen.push(p);
    } else appendChunk(p, chunk, hold);
    if (chunk.hasRoot && !p.rootSeen) {
      p.rootSeen = true;
      p.dueMs = Math.min(p.dueMs, nowMs + this.opts.decisionWaitMs);
      this.rootQueue.push(p);
    }
    return { kind: 'buffered', pending: p };
  }

  /** Takes out every trace that is due: root seen + decision_wait, or first seen + orphan wait. */
  takeDue(nowMs: number): Pending[] {
    const out: Pending[] = [];
    for (let p = this.rootQueue.peek(); p && p.dueMs <= nowMs; p = this.rootQueue.peek()) {
      this.rootQueue.shift();
      if (this.isPending(p)) out.push(this.take(p));
    }
    for (
      let p = this.firstSeen.peek();
      p && p.firstSeenMs + this.opts.orphanWaitMs <= nowMs;
      p = this.firstSeen.peek()
    ) {
      this.firstSeen.shift();
      if (this.isPending(p)) out.push(this.take(p));
    }
    return out;
  }

  /** Takes out the oldest traces beyond max_buffered_traces, to be decided early. */
  takeOverflow(): Pending[] {
    const out: Pending[] = [];
    while (this.pending.size > this.opts.maxTraces) {
      const p = this.firstSeen.shift();
      if (!p) break;
      if (!this.isPending(p)) continue;
      p.early = true;
      out.push(this.take(p));
    }
    return out;
  }

  /** Takes out every buffered trace (the sampler is draining). */
  takeAll(): Pending[] {
    const out = [...this.pending.values()];
    for (const p of out) {
      p.early = true;
      this.take(p);
    }
    this.firstSeen.clear();
    this.rootQueue.clear();
    return out;
  }

  /** Records a trace's decision: chunks that arrive later follow it. */
  settle(p: Pending, decision: SampleDecision): void {
    p.decision = decision;
    // the rows are written by whoever settled; only the decision is remembered, and a
    // remembered trace holds no objects of its own: maxRemembered of them live through
    // every major GC (bench/, 1M traces)
    p.otlp = NOTHING as unknown as Buffer[];
    p.decisions = NOTHING as unknown as string[];
    p.holds = NOTHING as unknown as HoldToken[];
    p.facts = SETTLED_FACTS;
    this.decided.set(p.traceId, p);
    this.settledOrder.push(p);
    while (this.decided.size > this.opts.maxRemembered) {
      const oldest = this.settledOrder.shift();
      if (!oldest) break; // the rest is still being decided: it must stay reachable
      if (this.decided.get(oldest.traceId) === oldest) this.decided.delete(oldest.traceId);
    }
  }

  /** A remembered trace is kept after all (a failure arrived after its decision): later chunks follow that. */
  redecide(traceId: string, decision: SampleDecision): void {
    const p = this.decided.get(traceId);
    if (p?.decision) p.decision = decision;
  }

  /**
   * After a rebalance consumption restarts from the committed offsets of every
   * assigned partition, so buffered traces are dropped (they will be read
   * again, or by their new owner); decisions of partitions kept are remembered.
   * A trace taken out but not decided was in a round the writer dropped (a
   * handover that ran out of time): it is forgotten too, or the chunks read
   * again would be appended to a round nobody writes any more.
   */
  reassign(assigned: Set<number>): void {
    this.pending.clear();
    this.firstSeen.clear();
    this.rootQueue.clear();
    for (const [id, p] of this.decided) if (!p.decision || !assigned.has(p.partition)) this.decided.delete(id);
  }

  private isPending(p: Pending): boolean {
    return this.pending.get(p.traceId) === p;
  }

  private take(p: Pending): Pending {
    this.pending.delete(p.traceId);
    this.decided.set(p.traceId, p);
    return p;
  }
}

/** What a settled trace holds instead of its rows: nothing is added to a trace once decided (see add). */
const NOTHING: readonly never[] = Object.freeze([]);
const SETTLED_FACTS: TraceFacts = Object.freeze({
  ...emptyFacts(),
  decisionTypes: Object.freeze([]) as unknown as string[],
});

function newPending(
  partition: number,
  chunk: TraceChunk,
  hold: HoldToken,
  nowMs: number,
  opts: BufferOptions,
  suspect: boolean,
): Pending {
  return {
    traceId: chunk.traceId,
    partition,
    // a chunk's facts are built for it alone (one per trace per message): the trace takes them over
    facts: chunk.facts,
    otlp: [chunk.otlp],
    spanCount: chunk.spanCount,
    firstSpanId: chunk.firstSpanId,
    startMs: chunk.startMs,
    decisions: chunk.decisions,
    holds: [hold],
    firstSeenMs: nowMs,
    dueMs: nowMs + opts.orphanWaitMs,
    rootSeen: false,
    suspect,
    early: false,
  };
}

function appendChunk(p: Pending, chunk: TraceChunk, hold: HoldToken) {
  mergeFacts(p.facts, chunk.facts);
  p.otlp.push(chunk.otlp);
  p.spanCount += chunk.spanCount;
  if (chunk.startMs < p.startMs) p.startMs = chunk.startMs;
  for (const d of chunk.decisions) p.decisions.push(d);
  p.holds.push(hold);
}
