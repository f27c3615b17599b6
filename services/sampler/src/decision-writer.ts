import { eventTimeOf, type SampleDecision, type SamplingPolicy } from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import { completeDecisionRow, completeSpanRow } from '@livegrade/store';
import type { HoldToken, OffsetHolds } from './offset-holds.ts';
import type { Pending, TraceBuffer } from './trace-buffer.ts';

/**
 * Traces per write: large enough that the engine's per-insert cost is
 * amortised, small enough that the text of one round (about 3 KB a trace)
 * stays a few tens of MB whatever the traffic (bench/: unbounded rounds grew
 * to 120k traces and peak RSS with them).
 */
const MAX_ROUND = 10_000;

type WriterStore = Pick<Repository, 'insertEncoded' | 'decidedTraces' | 'promoteTraces'>;

export interface WriterStats {
  traces: number;
  spans: number;
  decisions: number;
  /** decided before due: buffer full, or draining */
  early: number;
  /** decided by a previous owner of the partition and taken over from the store */
  adopted: number;
  keptByReason: Record<string, number>;
  /** traces decided "not kept" whose failure arrived afterwards, in a late span, and that were kept then */
  keptAfterDecision: number;
  /** the latest event time among the traces decided (0 before the first): how far a backlog has come */
  newestEventMs: number;
}

/**
 * Decides the traces the buffer hands over and writes them: every span to
 * recent_spans (kept ones reach sampled_spans through the view) and then one
 * row per decision. One write at a time, in the order traces were handed
 * over; a write that fails is retried (the store being down is backpressure,
 * not loss) and the offsets the traces hold are released only once written.
 */
export class DecisionWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private running: Promise<void> | undefined;
  readonly stats: WriterStats = {
    traces: 0,
    spans: 0,
    decisions: 0,
    early: 0,
    adopted: 0,
    keptByReason: {},
    keptAfterDecision: 0,
    newestEventMs: 0,
  };

  constructor(
    private readonly deps: {
      store: WriterStore;
      policy: SamplingPolicy;
      buffer: TraceBuffer;
      holds: OffsetHolds;
      /** the sampler's clock: a trace's event time is never after the moment it is decided */
      now: () => number;
      /** how far back a trace decided "not kept" can still be promoted (sampling.recent_horizon) */
      horizonMs: number;
      /** retries `write` until it succeeds or the sampler stops */
      untilWritten: (what: string, write: () => Promise<void>) => Promise<void>;
      /** called after each write, with the highest offset it wrote from, per partition */
      afterWrite: (writtenThrough: Map<number, number>) => Promise<void>;
    },
  ) {}

  /** traces handed over and not yet written, the round being written included */
  get backlog(): number {
    return this.queue.length + this.inFlight;
  }

  enqueue(traces: Pending[]): void {
    if (traces.length === 0) return;
    for (const t of traces) this.queue.push(t);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when everything handed over so far is written. */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Resolves once no write is running, whether the last one succeeded or not. */
  async settled(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  /**
   * Drops what is queued: the round being written finishes (or gives up) and
   * nothing after it starts. For partitions that moved to another member,
   * which replays them from the last commit.
   */
  abandon(): void {
    this.queue = [];
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const round = this.queue.length <= MAX_ROUND ? this.queue : this.queue.slice(0, MAX_ROUND);
      this.queue = round === this.queue ? [] : this.queue.slice(MAX_ROUND);
      this.inFlight = round.length;
      try {
        await this.writeRound(round);
      } finally {
        this.inFlight = 0;
      }
    }
  }

  private async writeRound(round: Pending[]): Promise<void> {
    const { store, policy, buffer, holds } = this.deps;
    const suspects = round.filter((p) => p.suspect && !p.decision).map((p) => p.traceId);
    let adopted = new Map<string, { reason: string; weight: number }>();
    if (suspects.length > 0) {
      await this.deps.untilWritten('decided-lookup', async () => {
        adopted = await store.decidedTraces(suspects);
      });
    }
    const spanLines: string[] = [];
    const decisionLines: string[] = [];
    const held: HoldToken[][] = [];
    const promote = new Map<string, Set<string>>(); // reason → trace ids
    for (const p of round) {
      let decision = p.decision;
      if (decision && !decision.sampled) {
        // spans that follow a decision may carry what would have kept the trace (a decision
        // made early, under buffer pressure or a handover): the failure still keeps it
        const keep = policy.keepAlways(p.facts);
        if (keep) {
          decision = keep;
          buffer.redecide(p.traceId, keep);
          const ids = promote.get(keep.reason) ?? new Set<string>();
          promote.set(keep.reason, ids.add(p.traceId));
        }
      } else if (!decision) {
        const prior = adopted.get(p.traceId);
        if (prior) {
          decision = { sampled: prior.reason !== '', reason: prior.reason, weight: prior.weight };
          this.stats.adopted++;
        } else {
          // the trace's own time: a backlog read in one round still counts in the hours it happened in
          const eventMs = eventTimeOf(p.facts, this.deps.now());
          if (eventMs > this.stats.newestEventMs) this.stats.newestEventMs = eventMs;
          decision = policy.decide(p.facts, p.traceId, eventMs);
        }
        if (p.early) this.stats.early++;
        this.stats.traces++;
        if (decision.sampled)
          this.stats.keptByReason[decision.reason] = (this.stats.keptByReason[decision.reason] ?? 0) + 1;
      }
      const sample = { reason: decision.sampled ? decision.reason : '', weight: decision.weight };
      for (const s of p.spans) spanLines.push(completeSpanRow(s, sample));
      for (const d of p.decisions) decisionLines.push(completeDecisionRow(d, sample));
      this.stats.spans += p.spans.length;
      this.stats.decisions += p.decisions.length;
      held.push(p.holds);
      // settle before the write: chunks arriving meanwhile follow this decision in a later round
      if (!p.decision) buffer.settle(p, decision as SampleDecision);
    }
    const spansBody = spanLines.join('');
    const decisionsBody = decisionLines.join('');
    await this.deps.untilWritten('spans', () => store.insertEncoded('recent_spans', spansBody));
    // decisions last: a decision row is the signal that its trace is in the store
    await this.deps.untilWritten('decisions', () => store.insertEncoded('decisions', decisionsBody));
    for (const [reason, ids] of promote) {
      await this.deps.untilWritten('promotion', () =>
        store.promoteTraces([...ids], reason, Date.now() - this.deps.horizonMs),
      );
      this.stats.keptAfterDecision += ids.size;
    }
    const writtenThrough = new Map<number, number>();
    for (const list of held) {
      for (const h of list) {
        holds.release(h);
        if (h.offset > (writtenThrough.get(h.partition) ?? -1)) writtenThrough.set(h.partition, h.offset);
      }
    }
    await this.deps.afterWrite(writtenThrough);
  }
}
