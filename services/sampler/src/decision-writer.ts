import { eventTimeOf, type SampleDecision, type SamplingPolicy } from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import { completeDecisionRow, completeSpanRow, isRefusedRows } from '@livegrade/store';
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

/** A trace whose rows the store refuses whatever the retry: its completed rows and why. */
export interface RefusedTrace {
  traceId: string;
  partition: number;
  /** of the messages its spans came from */
  offsets: number[];
  rows: { recent_spans: string[]; decisions: string[] };
  reason: string;
}

type Table = 'recent_spans' | 'decisions';

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
      /**
       * retries `write` until it succeeds or the sampler stops; with `permanent`, an error it
       * recognises is thrown at once instead
       */
      untilWritten: (what: string, write: () => Promise<void>, permanent?: (err: unknown) => boolean) => Promise<void>;
      /** traces whose rows the store refused: to the DLQ, before their offsets are released */
      deadLetter: (refused: RefusedTrace[]) => Promise<void>;
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
    const rows: RefusedTrace['rows'][] = [];
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
      rows.push({
        recent_spans: p.spans.map((s) => completeSpanRow(s, sample)),
        decisions: p.decisions.map((d) => completeDecisionRow(d, sample)),
      });
      this.stats.spans += p.spans.length;
      this.stats.decisions += p.decisions.length;
      held.push(p.holds);
      // settle before the write: chunks arriving meanwhile follow this decision in a later round
      if (!p.decision) buffer.settle(p, decision as SampleDecision);
    }
    const refused = new Map<number, string>();
    await this.insertSplitting('recent_spans', rows, refused);
    // decisions last: a decision row is the signal that its trace is in the store
    await this.insertSplitting('decisions', rows, refused);
    if (refused.size > 0) {
      await this.deps.deadLetter(
        [...refused].map(([i, reason]) => ({
          traceId: round[i]!.traceId,
          partition: round[i]!.partition,
          offsets: held[i]!.map((h) => h.offset),
          rows: rows[i]!,
          reason,
        })),
      );
    }
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

  /**
   * Inserts the round's rows of one table. When the store refuses the rows
   * themselves (isRefusedRows), the round is split in halves until the
   * traces it refuses stand alone: those are recorded in `refused` and left
   * out, so one bad trace costs about 2·log2(round) inserts instead of
   * stalling its partition. Traces refused for the first table are left out
   * of the second.
   */
  private async insertSplitting(table: Table, rows: RefusedTrace['rows'][], refused: Map<number, string>) {
    const write = async (traces: number[]): Promise<void> => {
      const body = traces.map((i) => rows[i]![table].join('')).join('');
      if (body === '') return;
      try {
        await this.deps.untilWritten(table, () => this.deps.store.insertEncoded(table, body), isRefusedRows);
      } catch (err) {
        if (!isRefusedRows(err)) throw err;
        if (traces.length === 1) {
          refused.set(traces[0]!, `the store refused its ${table} rows: ${(err as Error).message}`);
          return;
        }
        const half = traces.length >> 1;
        await write(traces.slice(0, half));
        await write(traces.slice(half));
      }
    };
    await write([...rows.keys()].filter((i) => !refused.has(i)));
  }
}
