/**
 * Issue 16: the sample stays honest through backlogs. The same traffic must
 * get the same keep probabilities whether it arrives live, as a backlog read
 * hours later across partitions, or as a burst, and a slice below target in
 * its hour is kept whole whatever the arrival pattern.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SampleDecision } from '../decision.ts';
import { SamplingPolicy } from './policy.ts';
import { CONFIG } from './population.testkit.ts';
import { mulberry32, randomTraceId } from './prng.testkit.ts';
import { BUCKET_MS, HOUR_MS, MAX_LATENESS_MS, SliceHours } from './slice-hours.ts';
import type { SamplingConfig, TraceFacts } from './types.ts';

const TARGET = 50;
const SAMPLING: SamplingConfig = { ...CONFIG, per_slice_target_per_hour: TARGET };
/** the three slices: far above, above and below target */
const SIZES = { big: 4_000, mid: 600, small: 40 } as const;
type Slice = keyof typeof SIZES;
const SLICES = Object.keys(SIZES) as Slice[];
/** hour-aligned, three days before the tests run: event time alone matters */
const T0 = Date.UTC(2026, 10, 29, 9);
const Z99 = 2.576;

interface Trace {
  id: string;
  slice: Slice;
  eventMs: number;
}

const facts = Object.fromEntries(
  SLICES.map((s): [Slice, TraceFacts] => [
    s,
    {
      error: false,
      fallback: false,
      retried: false,
      guardrail: false,
      minScore: null,
      decisionTypes: ['refund'],
      decisionType: 'refund',
      slices: { language: s },
      rootEndMs: null,
      lastEndMs: 0,
    },
  ]),
) as Record<Slice, TraceFacts>;

/** One hour of the three slices, event times uniform over [T0, T0 + spreadMs), in event order. */
function hourOfTraffic(seed: number, spreadMs = HOUR_MS): Trace[] {
  const rnd = mulberry32(seed);
  const out: Trace[] = [];
  for (const slice of SLICES) {
    for (let i = 0; i < SIZES[slice]; i++) out.push({ id: randomTraceId(rnd), slice, eventMs: T0 + rnd() * spreadMs });
  }
  return out.sort((a, b) => a.eventMs - b.eventMs);
}

/**
 * The order a sampler reads a backlog in: traces hashed to 4 partitions,
 * each partition in event order, partitions fetched round-robin in batches
 * of uneven size, so one partition runs ahead of another.
 */
function backlogOrder(traces: Trace[], seed: number): Trace[] {
  const rnd = mulberry32(seed);
  const parts: Trace[][] = [[], [], [], []];
  for (const t of traces) parts[Number.parseInt(t.id.slice(0, 8), 16) % 4]!.push(t);
  const out: Trace[] = [];
  const at = [0, 0, 0, 0];
  while (out.length < traces.length) {
    for (let p = 0; p < 4; p++) {
      const n = 50 + Math.floor(rnd() * 400);
      for (const t of parts[p]!.slice(at[p], at[p]! + n)) out.push(t);
      at[p] = Math.min(parts[p]!.length, at[p]! + n);
    }
  }
  return out;
}

interface Outcome {
  kept: number;
  /** Horvitz–Thompson count Σ 1/p over kept successes */
  ht: number;
  /** its variance estimate Σ w(w − 1) */
  variance: number;
}

function run(order: Trace[], policy = new SamplingPolicy(SAMPLING)): Record<Slice, Outcome> {
  const out = Object.fromEntries(SLICES.map((s) => [s, { kept: 0, ht: 0, variance: 0 }])) as Record<Slice, Outcome>;
  for (const t of order) {
    const d: SampleDecision = policy.decide(facts[t.slice], t.id, t.eventMs);
    if (!d.sampled) continue;
    const o = out[t.slice];
    o.kept++;
    o.ht += d.weight;
    o.variance += d.weight * (d.weight - 1);
  }
  return out;
}

const SEEDS = Array.from({ length: 30 }, (_, i) => 1_601 + i);

describe('sampling in event time: the issue 16 scenario (4,000 / 600 / 40 decisions, target 50)', () => {
  const runs = SEEDS.map((seed) => {
    const traffic = hourOfTraffic(seed);
    return {
      seed,
      live: run(traffic),
      backlog: run(backlogOrder(traffic, seed)),
      burst: run(hourOfTraffic(seed, 1_000)),
    };
  });
  const modes = ['live', 'backlog', 'burst'] as const;

  it('keeps the slice below target whole, live, as a backlog and as a burst', () => {
    for (const r of runs) for (const m of modes) assert.equal(r[m].small.kept, SIZES.small, `seed ${r.seed} ${m}`);
  });

  it('keeps at least target of every larger slice, and thins it', () => {
    for (const r of runs) {
      for (const m of modes) {
        for (const s of ['big', 'mid'] as const) {
          const { kept } = r[m][s];
          assert.ok(kept >= TARGET && kept < SIZES[s] / 2, `seed ${r.seed} ${m} ${s}: kept ${kept}`);
        }
      }
    }
  });

  it('a backlog keeps what the same traffic kept live, within sampling noise', () => {
    for (const r of runs) {
      for (const s of SLICES) {
        const a = r.live[s].kept;
        const b = r.backlog[s].kept;
        // the two share their draws (same trace ids), so 3 Poisson spreads of the larger is generous
        assert.ok(Math.abs(a - b) <= 3 * Math.sqrt(Math.max(a, b)), `seed ${r.seed} ${s}: live ${a}, backlog ${b}`);
      }
    }
  });

  it('Horvitz–Thompson counts fall in their 99% intervals (at least 97% of 270 cases), and no weight is in the thousands', () => {
    let inside = 0;
    let cases = 0;
    for (const r of runs) {
      for (const m of modes) {
        for (const s of SLICES) {
          const o = r[m][s];
          cases++;
          if (Math.abs(o.ht - SIZES[s]) <= Z99 * Math.sqrt(o.variance) + 1e-9) inside++;
          // the arrival-time policy read 1,946 for 4,000 with weights near 1/min_probability
          assert.ok(Math.sqrt(o.variance) < 0.2 * SIZES[s], `seed ${r.seed} ${m} ${s}: se ${Math.sqrt(o.variance)}`);
        }
      }
    }
    assert.ok(inside / cases >= 0.97, `${inside} of ${cases}`);
  });
});

describe('sampling in event time: a backlog of several hours', () => {
  it('keeps at least target of each slice in each of the hours it happened in, and the small slice whole', () => {
    const hours = 3;
    const traffic = Array.from({ length: hours }, (_, h) =>
      hourOfTraffic(40 + h).map((t) => ({ ...t, eventMs: t.eventMs + h * HOUR_MS })),
    )
      .flat()
      .sort((a, b) => a.eventMs - b.eventMs);
    const kept = new Map<string, number>();
    const policy = new SamplingPolicy(SAMPLING);
    for (const t of backlogOrder(traffic, 41)) {
      if (!policy.decide(facts[t.slice], t.id, t.eventMs).sampled) continue;
      const key = `${t.slice} hour ${Math.floor((t.eventMs - T0) / HOUR_MS)}`;
      kept.set(key, (kept.get(key) ?? 0) + 1);
    }
    for (let h = 0; h < hours; h++) {
      assert.equal(kept.get(`small hour ${h}`), SIZES.small, `small hour ${h}`);
      for (const s of ['big', 'mid'] as const) {
        const n = kept.get(`${s} hour ${h}`) ?? 0;
        assert.ok(n >= TARGET, `${s} hour ${h}: kept ${n}`);
      }
    }
  });
});

describe('sampling in event time: restarts, late traces', () => {
  it('a policy seeded with the counts of the first half hour decides the second half exactly as one that ran through', () => {
    const traffic = hourOfTraffic(7);
    const half = T0 + HOUR_MS / 2;
    const through = new SamplingPolicy(SAMPLING);
    const first = traffic.filter((t) => t.eventMs < half);
    const counts = new Map<string, { seen: number; kept: number; at: number }>();
    for (const t of first) {
      const d = through.decide(facts[t.slice], t.id, t.eventMs);
      const bucket = Math.floor(t.eventMs / BUCKET_MS);
      const key = `${t.slice}\0${bucket}`;
      const c = counts.get(key) ?? { seen: 0, kept: 0, at: bucket * BUCKET_MS };
      c.seen++;
      if (d.sampled) c.kept++;
      counts.set(key, c);
    }
    const restarted = new SamplingPolicy(SAMPLING);
    for (const [key, c] of counts) {
      const slice = key.split('\0')[0] as Slice;
      restarted.seed(restarted.sliceOf(facts[slice]), c.at, c.seen, c.kept);
    }
    const rest = traffic.filter((t) => t.eventMs >= half);
    const cold = new SamplingPolicy(SAMPLING);
    let differ = 0;
    let coldKept = 0;
    let keptThrough = 0;
    for (const t of rest) {
      const a = through.decide(facts[t.slice], t.id, t.eventMs);
      const b = restarted.decide(facts[t.slice], t.id, t.eventMs);
      if (a.sampled !== b.sampled || a.weight !== b.weight) differ++;
      if (a.sampled) keptThrough++;
      if (cold.decide(facts[t.slice], t.id, t.eventMs).sampled) coldKept++;
    }
    assert.equal(differ, 0);
    // the check has power: a policy that starts cold keeps every slice's first target anew
    assert.ok(coldKept > keptThrough + TARGET, `cold ${coldKept}, through ${keptThrough}`);
  });

  it('counts a trace up to two hours late in its own hour, and thins a later one at the current rate', () => {
    const policy = new SamplingPolicy(SAMPLING);
    const big = facts.big;
    // one busy hour, well past target
    for (let i = 0; i < 4_000; i++) policy.decide(big, `warm-${i}`, T0 + HOUR_MS + (i * HOUR_MS) / 4_000);
    const newest = T0 + 2 * HOUR_MS - 1;
    // the hour before it, 1 h 50 min back from the newest: nothing kept there yet, so p = 1
    const lateHour = T0 + 10 * 60_000;
    assert.ok(newest - lateHour < MAX_LATENESS_MS);
    const keptLate = [0, 1, 2, 3, 4].map((i) => policy.decide(big, `late-${i}`, lateHour + i).weight);
    assert.deepEqual(keptLate, [1, 1, 1, 1, 1]);
    // far later than that: thinned at the slice's current rate, about 4,000 an hour for a target of 50
    const farPast = newest - 3 * HOUR_MS;
    let kept = 0;
    for (let i = 0; i < 4_000; i++) {
      const d = policy.decide(big, `far-${i}`, farPast);
      if (!d.sampled) continue;
      kept++;
      assert.ok(Math.abs(d.weight - 4_000 / TARGET) < 0.1 * (4_000 / TARGET), `weight ${d.weight}`);
    }
    assert.ok(kept > 20 && kept < 90, `kept ${kept} of 4,000 far-past traces`);
  });
});

describe('SliceHours', () => {
  it('reads the trailing hour, counting the part of its oldest bucket still inside', () => {
    const h = new SliceHours();
    // 10 successes in each of 13 buckets: T0 − 1 h … T0
    for (let b = -12; b <= 0; b++) for (let i = 0; i < 10; i++) h.see(T0 + b * BUCKET_MS);
    const at = (ms: number) => {
      const probe = new SliceHours();
      for (let b = -12; b <= 0; b++) probe.add(T0 + b * BUCKET_MS, 10, 0);
      return probe.see(ms).trailingHour - 1;
    };
    assert.equal(at(T0), 120 + 10);
    assert.equal(at(T0 + BUCKET_MS / 2), 120 + 5);
    assert.equal(at(T0 + BUCKET_MS - 1) < 121, true);
  });

  it('keeps counts per clock hour of event time, and forgets what is three hours behind its newest', () => {
    const h = new SliceHours();
    h.add(T0 + 10 * 60_000, 100, 60);
    assert.equal(h.see(T0 + 50 * 60_000).keptInHour, 60);
    assert.equal(h.see(T0 + HOUR_MS + 60_000).keptInHour, 0);
    assert.equal(h.see(T0 + 30 * 60_000).keptInHour, 60);
    h.see(T0 + 3 * HOUR_MS + 15 * 60_000);
    const late = h.see(T0 + 20 * 60_000);
    assert.equal(late.late, true);
    assert.equal(late.keptInHour, 0);
  });

  it('counts from the epoch on (its trailing hour reaching before it)', () => {
    const h = new SliceHours();
    assert.deepEqual(h.see(0), { late: false, trailingHour: 1, keptInHour: 0 });
    h.keep(0);
    assert.deepEqual(h.see(60_000), { late: false, trailingHour: 2, keptInHour: 1 });
  });

  it('clears its buckets when the clock jumps a day ahead', () => {
    const h = new SliceHours();
    h.add(T0, 500, 50);
    const next = h.see(T0 + 24 * HOUR_MS);
    assert.deepEqual(next, { late: false, trailingHour: 1, keptInHour: 0 });
  });
});
