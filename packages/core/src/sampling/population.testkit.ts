/**
 * A simulated decision stream with known truth, for the sampling policy's
 * acceptance tests: several slices with very different volumes, each with a
 * failure rate and a latency x on successes. Load swings ±30% over the run and
 * busy periods are slower, so keep probabilities move with x: an estimate that
 * ignored the weights would be biased, and the tests can tell.
 */
import { SamplingPolicy } from './policy.ts';
import { exponential, mulberry32, normal, randomTraceId } from './prng.testkit.ts';
import { HOUR_MS } from './slice-hours.ts';
import type { SamplingConfig, TraceFacts } from './types.ts';

export interface SliceSpec {
  type: string;
  language: string;
  perHour: number;
  failRate: number;
  /** log-latency of a success: normal(mu + swing·load, sigma) */
  mu: number;
  sigma: number;
}

export const SPECS: SliceSpec[] = [
  { type: 'refund', language: 'hi', perHour: 20, failRate: 0.1, mu: Math.log(900), sigma: 0.6 },
  { type: 'refund', language: 'en', perHour: 200, failRate: 0.05, mu: Math.log(600), sigma: 0.5 },
  { type: 'triage', language: 'hi', perHour: 2_000, failRate: 0.03, mu: Math.log(400), sigma: 0.7 },
  { type: 'triage', language: 'en', perHour: 20_000, failRate: 0.02, mu: Math.log(250), sigma: 0.5 },
  { type: 'search', language: 'en', perHour: 200_000, failRate: 0.01, mu: Math.log(120), sigma: 0.4 },
];

/** hour-aligned, so the policy's hour buckets are the simulation's hours */
export const START_MS = Date.UTC(2026, 0, 1);
const LOAD_SWING = 0.3;
const LATENCY_SWING = 0.4;

export const CONFIG: SamplingConfig = {
  slice_by: ['language'],
  per_slice_target_per_hour: 100,
  min_probability: 0.001,
  decision_wait: 30_000,
  max_buffered_traces: 100_000,
  keep_always: {
    error: true,
    fallback: true,
    retried: true,
    guardrail: true,
    score_below: 0.2,
    decision_types: ['account_closure'],
  },
  recent_horizon: 3_600_000,
};

export interface SliceOutcome {
  failures: number;
  keptFailures: number;
  /** per simulated hour */
  successes: number[];
  keptSuccesses: number[];
  /** truth over every success */
  sumX: number;
  /** over kept successes: Σw, Σw·x, Σw(w−1), Σw(w−1)x, Σw(w−1)x², Σx */
  sw: number;
  swx: number;
  a0: number;
  a1: number;
  a2: number;
  keptSumX: number;
  thinned: boolean;
  maxWeight: number;
}

const load = (t: number, hours: number) => Math.sin((2 * Math.PI * (t - START_MS)) / (hours * HOUR_MS));

function failureFacts(s: SliceSpec, kind: number): TraceFacts {
  return {
    error: kind === 0,
    fallback: kind === 1,
    retried: kind === 2,
    guardrail: kind === 3,
    minScore: kind === 4 ? 0.05 : 0.9,
    decisionTypes: kind === 5 ? [s.type, 'account_closure'] : [s.type],
    decisionType: s.type,
    slices: { language: s.language },
    rootEndMs: null,
    lastEndMs: 0,
  };
}

/** Runs `hours` of traffic for the slices through a fresh policy; arrivals of all slices interleave in time order. */
export function simulate(seed: number, hours: number, specs: SliceSpec[] = SPECS): SliceOutcome[] {
  const rnd = mulberry32(seed);
  const policy = new SamplingPolicy(CONFIG);
  const end = START_MS + hours * HOUR_MS;
  const success = specs.map((s) => failureFacts(s, -1));
  const failures = specs.map((s) => [0, 1, 2, 3, 4, 5].map((k) => failureFacts(s, k)));
  const out: SliceOutcome[] = specs.map(() => ({
    failures: 0,
    keptFailures: 0,
    successes: new Array<number>(Math.ceil(hours)).fill(0),
    keptSuccesses: new Array<number>(Math.ceil(hours)).fill(0),
    sumX: 0,
    sw: 0,
    swx: 0,
    a0: 0,
    a1: 0,
    a2: 0,
    keptSumX: 0,
    thinned: false,
    maxWeight: 0,
  }));
  // non-homogeneous Poisson arrivals by thinning a stream at the peak rate
  const meanGap = specs.map((s) => HOUR_MS / (s.perHour * (1 + LOAD_SWING)));
  const next = specs.map((_, i) => START_MS + exponential(rnd, meanGap[i]!));
  for (;;) {
    let i = 0;
    for (let j = 1; j < next.length; j++) if (next[j]! < next[i]!) i = j;
    const t = next[i]!;
    if (t >= end) break;
    next[i] = t + exponential(rnd, meanGap[i]!);
    const lt = load(t, hours);
    if (rnd() * (1 + LOAD_SWING) >= 1 + LOAD_SWING * lt) continue;

    const s = specs[i]!;
    const o = out[i]!;
    const id = randomTraceId(rnd);
    if (rnd() < s.failRate) {
      o.failures++;
      if (policy.decide(failures[i]![Math.floor(rnd() * 6)]!, id, t).sampled) o.keptFailures++;
      continue;
    }
    const x = Math.exp(s.mu + LATENCY_SWING * lt + s.sigma * normal(rnd));
    const h = Math.floor((t - START_MS) / HOUR_MS);
    o.successes[h]!++;
    o.sumX += x;
    const d = policy.decide(success[i]!, id, t);
    if (!d.sampled) continue;
    const w = d.weight;
    o.keptSuccesses[h]!++;
    o.sw += w;
    o.swx += w * x;
    o.a0 += w * (w - 1);
    o.a1 += w * (w - 1) * x;
    o.a2 += w * (w - 1) * x * x;
    o.keptSumX += x;
    if (w > 1) o.thinned = true;
    if (w > o.maxWeight) o.maxWeight = w;
  }
  return out;
}

export const totalSuccesses = (o: SliceOutcome) => o.successes.reduce((a, b) => a + b, 0);

/** The weighted (ratio) estimate of mean x and its linearised Horvitz–Thompson standard error. */
export function estimate(o: SliceOutcome): { est: number; se: number; truth: number } {
  const est = o.swx / o.sw;
  const v = o.a2 - 2 * est * o.a1 + est * est * o.a0;
  return { est, se: Math.sqrt(Math.max(0, v)) / o.sw, truth: o.sumX / totalSuccesses(o) };
}
