import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import { eventTimeOf, type SampleDecision, type SamplingPolicy } from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import {
  completeDecisionRow,
  completeSpanRow,
  isRefusedRows,
  NOT_KEPT,
  NOT_PARKED,
  parkedBatchRow,
  parkedRow,
} from '@livegrade/store';
import { spanRowsOf } from './extract.ts';
import type { HoldToken, OffsetHolds } from './offset-holds.ts';
import type { Pending, TraceBuffer } from './trace-buffer.ts';

/**
 * Traces per write: large enough that the engine's per-insert cost is
 * amortised, small enough that the text of one round (about 2 KB a trace)
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
  rows: { parked_traces: string[]; sampled_spans: string[]; decisions: string[] };
  /**
   * its OTLP bytes, when it was to be parked and the store refused its
   * write's parked_batches row: without them it could never be promoted, so
   * it goes to the DLQ whole, as a spans message that can be sent back
   */
  otlp?: Buffer;
  reason: string;
}

type Table = keyof RefusedTrace['rows'];

/** A trace's rows of each table as one text (completed rows, one per line), as sent. */
type TraceRows = Record<Table, string>;

function linesOf(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

const compress = promisify(brotliCompress);

/**
 * A write's parked bytes, compressed once on the thread pool: brotli at
 * quality 1 packs a round of bench traces ~10× at ~3 µs a trace, and the
 * engine's insert cost follows the bytes it is sent (migration 0015). The
 * output comes in one or two chunks: in zlib's default 16 KB ones, their
 * allocations and callbacks on the main thread cost 40% more CPU than the
 * compression itself saved (bench/, 1M traces: 1.3 s).
 */
async function compressed(blob: Buffer): Promise<string> {
  const out = await compress(blob, {
    chunkSize: Math.min(4 << 20, Math.max(64 << 10, blob.length >> 3)),
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: blob.length },
  });
  return out.toString('base64');
}

/**
 * Decides the traces the buffer hands over and writes them: a trace not kept
 * is parked as its OTLP bytes (one parked_traces row; its spans are decoded
 * only if a late verdict promotes it), a kept trace's spans are encoded and
 * go to sampled_spans, with a parked row without bytes as its ledger entry;
 * then one row per decision. One write at a time, in the order traces were
 * handed over; a write that fails is retried (the store being down is
 * backpressure, not loss) and the offsets the traces hold are released only
 * once written.
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
    const rows: TraceRows[] = [];
    const held: HoldToken[][] = [];
    // the bytes of the traces not kept: one blob for the round, each trace's row says where its part is
    const batch = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const blob: Buffer[] = [];
    let blobLength = 0;
    /** by index in the round: where the trace's bytes are in the blob, if parked */
    const parked: Array<{ offset: number; length: number } | undefined> = [];
    let latestMs = 0;
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
      const sample = decision.sampled ? { reason: decision.reason, weight: decision.weight } : NOT_KEPT;
      let bytes = NOT_PARKED;
      if (!decision.sampled) {
        bytes = { batch, offset: blobLength, length: 0 };
        for (const b of p.otlp) {
          blob.push(b);
          bytes.length += b.length;
        }
        blobLength += bytes.length;
        if (p.startMs > latestMs) latestMs = p.startMs;
      }
      let spans = '';
      if (decision.sampled) for (const s of spanRowsOf(p.otlp)) spans += completeSpanRow(s, sample);
      let decisions = '';
      for (const d of p.decisions) decisions += completeDecisionRow(d, sample);
      rows.push({
        // a ledger entry for every trace (decidedTraces); where its bytes are for a trace not kept
        parked_traces: parkedRow(p, bytes, sample),
        sampled_spans: spans,
        decisions,
      });
      this.stats.spans += p.spanCount;
      this.stats.decisions += p.decisions.length;
      held.push(p.holds);
      parked.push(bytes === NOT_PARKED ? undefined : bytes);
      // settle before the write: chunks arriving meanwhile follow this decision in a later round
      if (!p.decision) buffer.settle(p, decision as SampleDecision);
    }
    const refused = new Map<number, string>();
    let unparked: Buffer | undefined;
    if (blob.length > 0) {
      const whole = Buffer.concat(blob, blobLength);
      const body = parkedBatchRow(latestMs, batch, await compressed(whole));
      try {
        await this.deps.untilWritten(
          'parked_batches',
          () => this.deps.store.insertEncoded('parked_batches', body),
          isRefusedRows,
        );
      } catch (err) {
        if (!isRefusedRows(err)) throw err;
        // one row holds every parked trace's bytes, so there is nothing to split: each of them
        // goes to the DLQ with its bytes, and none of its rows is written
        unparked = whole;
        const reason = `the store refused the parked_batches row of its write: ${(err as Error).message}`;
        parked.forEach((at, i) => {
          if (at) refused.set(i, reason);
        });
      }
    }
    // the ledger before the kept spans: a crash between the two replays the trace, which then
    // adopts the decision and writes its spans again, where the other order could decide it anew
    await this.insertSplitting('parked_traces', rows, refused);
    await this.insertSplitting('sampled_spans', rows, refused);
    // decisions last: a decision row is the signal that its trace is in the store
    await this.insertSplitting('decisions', rows, refused);
    if (refused.size > 0) {
      await this.deps.deadLetter(
        [...refused].map(([i, reason]) => ({
          traceId: round[i]!.traceId,
          partition: round[i]!.partition,
          offsets: held[i]!.map((h) => h.offset),
          rows: {
            parked_traces: linesOf(rows[i]!.parked_traces),
            sampled_spans: linesOf(rows[i]!.sampled_spans),
            decisions: linesOf(rows[i]!.decisions),
          },
          ...(unparked && parked[i]
            ? { otlp: unparked.subarray(parked[i]!.offset, parked[i]!.offset + parked[i]!.length) }
            : {}),
          reason,
        })),
      );
    }
    for (const [reason, ids] of promote) {
      await this.deps.untilWritten('promotion', () =>
        store.promoteTraces([...ids], reason, Date.now() - this.deps.horizonMs, spanRowsOf),
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
  private async insertSplitting(table: Table, rows: TraceRows[], refused: Map<number, string>) {
    const write = async (traces: number[]): Promise<void> => {
      let body = '';
      for (const i of traces) body += rows[i]![table];
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
