import type { SampleDecision } from '../decision.ts';
import { type SliceKeyFn, sliceKeyOf } from '../slice/index.ts';
import { traceUniform } from './hash.ts';
import { SliceHours, type SliceMoment } from './slice-hours.ts';
import type { KeepReason, SamplingConfig, TraceFacts } from './types.ts';

export const DEFAULT_MAX_SLICES = 100_000;

export interface SamplingPolicyOptions {
  /** slice states held at most; the least recently used is forgotten beyond */
  maxSlices?: number;
}

interface SliceState {
  hours: SliceHours;
  /** decision count when last moved to the back of the LRU order */
  moved: number;
}

const NOT_KEPT: SampleDecision = Object.freeze({ sampled: false, reason: '', weight: 0 });
const KEEP: Record<Exclude<KeepReason, 'stratified' | 'late_feedback' | 'late_override'>, SampleDecision> = {
  error: Object.freeze({ sampled: true, reason: 'error', weight: 1 }),
  fallback: Object.freeze({ sampled: true, reason: 'fallback', weight: 1 }),
  retried: Object.freeze({ sampled: true, reason: 'retried', weight: 1 }),
  guardrail: Object.freeze({ sampled: true, reason: 'guardrail', weight: 1 }),
  low_score: Object.freeze({ sampled: true, reason: 'low_score', weight: 1 }),
  sensitive: Object.freeze({ sampled: true, reason: 'sensitive', weight: 1 }),
};

/**
 * The tail-sampling decision (docs/ARCHITECTURE.md §5), pure: the caller supplies the
 * trace's facts and its event time. Failures and sensitive decisions are
 * always kept; every other trace (a success) is kept with a per-slice
 * probability p and weighted 1/p:
 *
 * - p = 1 while the slice has kept fewer than per_slice_target_per_hour
 *   successes in the trace's clock hour. So a slice below target in its hour
 *   is kept whole, whatever order or speed its traces arrive in: a backlog,
 *   a burst, a restart.
 * - beyond that, p = target / (successes seen in the trailing hour), at least
 *   min_probability: about target more, spread over the rest of the hour. A
 *   count, never a rate extrapolated from the last seconds: a burst of 40
 *   reads as 40, not as 140 000 an hour.
 *
 * Hours and the trailing hour run on event time (README "Sampling in event
 * time"), so the same traffic gets the same p whether it arrives live or
 * hours later in one backlog; only hash noise differs.
 *
 * Unbiasedness: p is computed from the slice's past only (the successes
 * decided before this one, and how many were kept) and the draw comes from
 * the trace id, independent of the trace's own outcome (W3C trace ids are
 * random; ids derived from content would break this). So every success is
 * kept with exactly the p recorded as its weight's inverse, E[kept/p] = 1,
 * and Horvitz–Thompson sums Σ x/p stay unbiased even though p adapts.
 */
export class SamplingPolicy {
  private readonly states = new Map<string, SliceState>();
  private readonly key: SliceKeyFn;
  private readonly sensitive: ReadonlySet<string>;
  private readonly maxSlices: number;
  private readonly moveEvery: number;
  private tick = 0;
  /** successes decided further behind their slice's newest than MAX_LATENESS_MS */
  lateDecisions = 0;

  constructor(
    private readonly config: SamplingConfig,
    opts: SamplingPolicyOptions = {},
  ) {
    this.key = sliceKeyOf(config.slice_by);
    this.sensitive = new Set(config.keep_always.decision_types);
    this.maxSlices = opts.maxSlices ?? DEFAULT_MAX_SLICES;
    if (!(this.maxSlices >= 1)) throw new RangeError(`maxSlices must be >= 1, got ${this.maxSlices}`);
    this.moveEvery = Math.max(1, Math.floor(this.maxSlices / 2));
  }

  /** `eventMs`: the trace's own time (sampler: eventTimeOf), not when it reached the sampler. */
  decide(facts: TraceFacts, traceId: string, eventMs: number): SampleDecision {
    const always = this.keepAlways(facts);
    if (always !== null) return always;

    const { hours } = this.touch(this.sliceOf(facts));
    // Counting this trace before estimating is fine: it says nothing about its outcome.
    const p = this.probability(hours.see(eventMs));
    if (traceUniform(traceId) >= p) return NOT_KEPT;
    hours.keep(eventMs);
    return { sampled: true, reason: 'stratified', weight: 1 / p };
  }

  /**
   * Adds what was decided before this policy existed (the store's record of
   * a slice, read at start): `seen` successes in the 5-minute bucket holding
   * `eventMs`, `kept` of them kept by this rule ('stratified').
   */
  seed(slice: string, eventMs: number, seen: number, kept: number): void {
    this.touch(slice).hours.add(eventMs, seen, kept);
  }

  sliceOf(facts: TraceFacts): string {
    return this.key(facts.decisionType, facts.slices);
  }

  /** Slice states currently held. */
  slices(): number {
    return this.states.size;
  }

  /** The keep-always decision these facts call for, or null: also used for spans that arrive after a decision. */
  keepAlways(facts: TraceFacts): SampleDecision | null {
    const k = this.config.keep_always;
    if (k.error && facts.error) return KEEP.error;
    if (k.fallback && facts.fallback) return KEEP.fallback;
    if (k.retried && facts.retried) return KEEP.retried;
    if (k.guardrail && facts.guardrail) return KEEP.guardrail;
    if (k.score_below !== null && facts.minScore !== null && facts.minScore < k.score_below) return KEEP.low_score;
    if (this.sensitive.size > 0) {
      for (const t of facts.decisionTypes) if (this.sensitive.has(t)) return KEEP.sensitive;
    }
    return null;
  }

  private probability(m: SliceMoment): number {
    const target = this.config.per_slice_target_per_hour;
    // a trace whose hour is no longer held cannot take part in it: the slice's current rate thins it
    if (m.late) this.lateDecisions++;
    else if (m.keptInHour < target) return 1;
    const p = target / m.trailingHour;
    if (!(p < 1)) return 1;
    // biome-ignore lint/complexity/useMathMinMax: a NaN must fall through to the bound, never become p
    return p > this.config.min_probability ? p : this.config.min_probability;
  }

  /**
   * LRU: a Map iterates in insertion order, so re-inserting a slice on use
   * keeps the coldest first. Re-inserting on every call would double the
   * cost of decide(), so a slice is moved only once half the capacity's worth
   * of decisions has passed since its last move: a slice is evicted only if
   * all the other held slices were moved after it, so any slice used within
   * the last maxSlices / 2 decisions is never evicted.
   */
  private touch(key: string): SliceState {
    const tick = ++this.tick;
    let state = this.states.get(key);
    if (state !== undefined) {
      if (tick - state.moved < this.moveEvery) return state;
      this.states.delete(key);
    } else {
      // A forgotten slice starts cold (nothing kept in its hour, p = 1): that over-keeps, never under-keeps.
      state = { hours: new SliceHours(), moved: 0 };
      if (this.states.size >= this.maxSlices) {
        const coldest = this.states.keys().next().value;
        if (coldest !== undefined) this.states.delete(coldest);
      }
    }
    state.moved = tick;
    this.states.set(key, state);
    return state;
  }
}
