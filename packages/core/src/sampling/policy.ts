import type { SampleDecision } from '../decision.ts';
import { traceUniform } from './hash.ts';
import { DEFAULT_RATE_WINDOW_MS, DecayedRate, HOUR_MS as HOUR } from './rate.ts';
import { type SliceKeyFn, sliceKeyOf } from './slice-key.ts';
import type { KeepReason, SamplingConfig, TraceFacts } from './types.ts';

export const DEFAULT_MAX_SLICES = 100_000;

/**
 * Margins that make "a slice with at least target successes in an hour keeps
 * at least target" hold in practice. Planned on the point estimates alone,
 * catch-up expects arrivals that may not come: in simulation ~5% of hours of
 * a slice at 3–20× target ended 1–6 short, and most hours of a slice just
 * above target (100–150/h for 100) ended up to 15 short. With both margins:
 * 1 hour short (by 1) in ~2 200 such hours, for 2–30% more kept successes
 * (the most on slices at 2–5× target).
 *
 * REMAINING_SD: catch-up plans on the hour's remaining arrivals being their
 * Poisson mean less this many standard deviations.
 */
const REMAINING_SD = 4;

/**
 * RATE_SD: p plans with the slice's rate less this many Poisson spreads of its
 * recent count. With a handful of events a rate estimate can read several
 * times too high (two arrivals seconds apart), which would thin a slice that
 * is in truth rare: without it, a 20/h slice was thinned at some point in 1
 * run in 8, with it in 1 in 200.
 */
const RATE_SD = 1;

export interface SamplingPolicyOptions {
  /** slice states held at most; the least recently used is forgotten beyond */
  maxSlices?: number;
  /** time constant of each slice's rate estimate, ms */
  rateWindowMs?: number;
}

interface SliceState {
  successes: DecayedRate;
  /** floor(now / 1 h) of the hour `kept` counts in */
  hour: number;
  kept: number;
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
 * The tail-sampling decision (DESIGN.md §5), pure: the caller supplies time
 * and the trace's facts. Failures and sensitive decisions are always kept;
 * every other trace is kept with a per-slice probability p and weighted 1/p.
 *
 * Unbiasedness: p is computed from the slice's past only (arrival times of
 * earlier successes, how many of them were kept) and the draw comes from the
 * trace id, independent of the trace's own outcome (W3C trace ids are
 * random; ids derived from content would break this). So every success is
 * kept with exactly the p recorded as its weight's inverse, E[kept/p] = 1,
 * and Horvitz–Thompson sums Σ x/p stay unbiased even though p adapts.
 */
export class SamplingPolicy {
  private readonly states = new Map<string, SliceState>();
  private readonly key: SliceKeyFn;
  private readonly sensitive: ReadonlySet<string>;
  private readonly maxSlices: number;
  private readonly rateWindowMs: number;
  private readonly moveEvery: number;
  private tick = 0;

  constructor(
    private readonly config: SamplingConfig,
    opts: SamplingPolicyOptions = {},
  ) {
    this.key = sliceKeyOf(config.slice_by);
    this.sensitive = new Set(config.keep_always.decision_types);
    this.maxSlices = opts.maxSlices ?? DEFAULT_MAX_SLICES;
    this.rateWindowMs = opts.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS;
    if (!(this.maxSlices >= 1)) throw new RangeError(`maxSlices must be >= 1, got ${this.maxSlices}`);
    this.moveEvery = Math.max(1, Math.floor(this.maxSlices / 2));
  }

  decide(facts: TraceFacts, traceId: string, nowMs: number): SampleDecision {
    const always = this.keepAlways(facts);
    if (always !== null) return always;

    const state = this.touch(this.sliceOf(facts), nowMs);
    // Counting this arrival before estimating is fine: it says nothing about the trace's outcome.
    state.successes.add(nowMs);
    const hour = Math.floor(nowMs / HOUR);
    if (hour > state.hour) {
      state.hour = hour;
      state.kept = 0;
    }
    const p = this.probability(state, nowMs);
    if (traceUniform(traceId) >= p) return NOT_KEPT;
    state.kept++;
    return { sampled: true, reason: 'stratified', weight: 1 / p };
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

  /**
   * p = max(base, catch-up), clamped to [min_probability, 1]. base spreads the
   * hour's target evenly over the slice's rate; catch-up is what the rest of
   * the hour must keep to still reach target, so a slice behind schedule (or
   * too rare to ever reach target) is kept more, up to whole.
   */
  private probability(state: SliceState, nowMs: number): number {
    const target = this.config.per_slice_target_per_hour;
    const rate = state.successes.perHourAtLeast(nowMs, RATE_SD);
    if (!(rate > 0)) return 1;
    const base = target / rate;
    const expected = (rate * ((state.hour + 1) * HOUR - nowMs)) / HOUR;
    const remaining = Math.max(1, expected - REMAINING_SD * Math.sqrt(expected));
    const catchUp = (target - state.kept) / remaining;
    // comparisons, not Math.max: a NaN must fall through to the other bound, never become p
    // biome-ignore lint/complexity/useMathMinMax: NaN handling above
    const p = base > catchUp ? base : catchUp;
    if (p >= 1) return 1;
    // biome-ignore lint/complexity/useMathMinMax: NaN handling above
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
  private touch(key: string, nowMs: number): SliceState {
    const tick = ++this.tick;
    let state = this.states.get(key);
    if (state !== undefined) {
      if (tick - state.moved < this.moveEvery) return state;
      this.states.delete(key);
    } else {
      // A forgotten slice starts cold (rate unknown, p = 1): that over-keeps, never under-keeps.
      state = { successes: new DecayedRate(this.rateWindowMs), hour: Math.floor(nowMs / HOUR), kept: 0, moved: 0 };
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
