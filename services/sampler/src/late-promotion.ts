import type { VerdictRow } from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import { spanRowsOf } from './extract.ts';
import type { HoldToken, OffsetHolds } from './offset-holds.ts';

type PromotionStore = Pick<Repository, 'decisionsById' | 'promoteTraces'>;

interface Candidate {
  verdict: VerdictRow;
  hold: HoldToken;
  receivedMs: number;
}

export interface PromotionStats {
  promoted: number;
  /** verdicts whose decision never showed up within the wait */
  unmatched: number;
}

/**
 * Late failures (docs/ARCHITECTURE.md §5): a thumbs-down, or a review whose label
 * differs from the model's, on a decision whose trace was not kept, keeps the
 * trace after all (reason late_feedback / late_override, weight 1).
 *
 * A verdict can overtake its decision (the trace is still buffered, or its
 * spans are on another partition); such a verdict waits, retried on every
 * tick, and holds its offset so a crash replays it rather than forgets it.
 */
export class LatePromotion {
  private pending: Candidate[] = [];
  readonly stats: PromotionStats = { promoted: 0, unmatched: 0 };

  constructor(
    private readonly store: PromotionStore,
    private readonly holds: OffsetHolds,
    private readonly opts: { horizonMs: number; waitForDecisionMs: number; now: () => number },
  ) {}

  get waiting(): number {
    return this.pending.length;
  }

  /**
   * Verdicts just written. They join the waiting list first, so a store
   * error leaves them there for the next retry, holds included.
   */
  async consider(partition: number, verdicts: Array<{ row: VerdictRow; offset: number }>): Promise<void> {
    const now = this.opts.now();
    for (const { row, offset } of verdicts) {
      if (mayPromote(row))
        this.pending.push({ verdict: row, hold: this.holds.hold(partition, offset), receivedMs: now });
    }
    await this.retry();
  }

  /** Resolves the verdicts waiting for their decision; a failure leaves them waiting. */
  async retry(): Promise<void> {
    if (this.pending.length === 0) return;
    const waiting = this.pending;
    this.pending = [];
    try {
      await this.resolve(waiting);
    } catch (err) {
      this.pending = waiting.concat(this.pending);
      throw err;
    }
  }

  /** After a rebalance the verdict partitions are read again from their committed offsets. */
  reset(): void {
    this.pending = [];
  }

  private async resolve(candidates: Candidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const now = this.opts.now();
    const since = now - this.opts.horizonMs;
    const ids = [...new Set(candidates.map((c) => c.verdict.decision_id))];
    const found = new Map((await this.store.decisionsById(ids, since)).map((d) => [d.decision_id, d]));
    const overridden = new Set<string>();
    const thumbsDown = new Set<string>();
    const waiting = new Set<Candidate>();
    for (const c of candidates) {
      const d = found.get(c.verdict.decision_id);
      if (!d) {
        if (now - c.receivedMs < this.opts.waitForDecisionMs) waiting.add(c);
        else this.stats.unmatched++;
        continue;
      }
      if (d.sampled) continue;
      const reason = lateReason(c.verdict, d.label);
      if (reason === 'late_override') overridden.add(d.trace_id);
      else if (reason === 'late_feedback') thumbsDown.add(d.trace_id);
    }
    // an override is the stronger evidence: it names the reason when a trace has both
    for (const t of overridden) thumbsDown.delete(t);
    // a parked trace's spans are decoded now, for the first time since it was read (spanRowsOf)
    await this.store.promoteTraces([...overridden], 'late_override', since, spanRowsOf);
    await this.store.promoteTraces([...thumbsDown], 'late_feedback', since, spanRowsOf);
    this.stats.promoted += overridden.size + thumbsDown.size;
    for (const c of candidates) {
      if (waiting.has(c)) this.pending.push(c);
      else this.holds.release(c.hold);
    }
  }
}

function mayPromote(v: VerdictRow): boolean {
  return (v.kind === 'feedback' && v.value === 'thumbs_down') || v.kind === 'review';
}

function lateReason(v: VerdictRow, modelLabel: string): 'late_feedback' | 'late_override' | null {
  if (v.kind === 'feedback') return v.value === 'thumbs_down' ? 'late_feedback' : null;
  return v.label !== modelLabel ? 'late_override' : null;
}
