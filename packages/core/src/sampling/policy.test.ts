import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { traceUniform } from './hash.ts';
import { SamplingPolicy } from './policy.ts';
import { CONFIG, SPECS, simulate, totalSuccesses } from './population.testkit.ts';
import { HOUR_MS } from './slice-hours.ts';
import type { SamplingConfig, TraceFacts } from './types.ts';

const T0 = Date.UTC(2026, 0, 1);
const TARGET = CONFIG.per_slice_target_per_hour;

function facts(over: Partial<TraceFacts> = {}): TraceFacts {
  return {
    error: false,
    fallback: false,
    retried: false,
    guardrail: false,
    minScore: null,
    decisionTypes: ['refund'],
    decisionType: 'refund',
    slices: { language: 'hi' },
    rootEndMs: null,
    lastEndMs: 0,
    ...over,
  };
}

/** the first of a family of ids whose uniform is above `min` */
function idWithUniform(min: number, max = 1): string {
  for (let i = 0; ; i++) {
    const id = `probe-${i}`;
    const u = traceUniform(id);
    if (u >= min && u < max) return id;
  }
}
/** kept only while its slice is cold (p = 1) */
const HIGH = idWithUniform(0.999);

function config(over: Partial<SamplingConfig['keep_always']> = {}): SamplingConfig {
  return { ...CONFIG, keep_always: { ...CONFIG.keep_always, ...over } };
}

/** Feeds `n` successes, one a second, so the slice's p is well below 1 afterwards. */
function warm(policy: SamplingPolicy, f: TraceFacts, n: number, from: number): void {
  for (let i = 0; i < n; i++) policy.decide(f, `warm-${i}`, from + i * 1_000);
}

describe('SamplingPolicy: keep always', () => {
  const all = facts({
    error: true,
    fallback: true,
    retried: true,
    guardrail: true,
    minScore: 0.1,
    decisionTypes: ['refund', 'account_closure'],
  });

  it('keeps failures and sensitive decisions in precedence order, weight 1', () => {
    const order = ['error', 'fallback', 'retried', 'guardrail'] as const;
    for (let i = 0; i < order.length; i++) {
      const off = Object.fromEntries(order.slice(0, i).map((k) => [k, false]));
      const d = new SamplingPolicy(config(off)).decide(all, HIGH, T0);
      assert.deepEqual(d, { sampled: true, reason: order[i], weight: 1 });
    }
    const noFlags = { error: false, fallback: false, retried: false, guardrail: false };
    assert.equal(new SamplingPolicy(config(noFlags)).decide(all, HIGH, T0).reason, 'low_score');
    const d = new SamplingPolicy(config({ ...noFlags, score_below: null })).decide(all, HIGH, T0);
    assert.deepEqual(d, { sampled: true, reason: 'sensitive', weight: 1 });
  });

  it('does not keep on a disabled rule', () => {
    const off = config({
      error: false,
      fallback: false,
      retried: false,
      guardrail: false,
      score_below: null,
      decision_types: [],
    });
    const policy = new SamplingPolicy(off);
    warm(policy, facts(), 5_000, T0);
    // a warm slice with p < 0.999: the failure is now just another success, and is thinned away
    const d = policy.decide(all, HIGH, T0 + 5_000_000);
    assert.deepEqual(d, { sampled: false, reason: '', weight: 0 });
  });

  it('keeps a score strictly below score_below', () => {
    const policy = new SamplingPolicy(config({ score_below: 0.5 }));
    warm(policy, facts(), 5_000, T0);
    const at = T0 + 5_000_000;
    assert.equal(policy.decide(facts({ minScore: 0.49 }), HIGH, at).reason, 'low_score');
    assert.equal(policy.decide(facts({ minScore: -1 }), HIGH, at).reason, 'low_score');
    assert.equal(policy.decide(facts({ minScore: 0.5 }), HIGH, at).sampled, false);
    assert.equal(policy.decide(facts({ minScore: null }), HIGH, at).sampled, false);
  });

  it('keeps a trace when any of its decisions is sensitive, not only the first', () => {
    const policy = new SamplingPolicy(config({ decision_types: ['account_closure', 'payout'] }));
    const d = policy.decide(facts({ decisionTypes: ['refund', 'payout'] }), HIGH, T0);
    assert.deepEqual(d, { sampled: true, reason: 'sensitive', weight: 1 });
  });

  it('does not count kept-always traces toward their slice', () => {
    const policy = new SamplingPolicy(CONFIG);
    for (let i = 0; i < 5_000; i++) policy.decide(facts({ error: true }), `f-${i}`, T0 + i * 1_000);
    assert.equal(policy.slices(), 0);
    // the slice is still cold: its first success is kept whatever its draw
    assert.deepEqual(policy.decide(facts(), HIGH, T0 + 5_000_000), { sampled: true, reason: 'stratified', weight: 1 });
  });
});

describe('SamplingPolicy: stratified', () => {
  it('keys slices by decision type and the configured dimensions', () => {
    const policy = new SamplingPolicy({ ...CONFIG, slice_by: ['segment', 'language'] });
    assert.equal(policy.sliceOf(facts()), 'decision_type=refund,language=hi,segment=');
  });

  it('thins a busy slice with weight 1/p, never below min_probability', () => {
    const policy = new SamplingPolicy({ ...CONFIG, min_probability: 0.01 });
    let kept = 0;
    let n = 0;
    for (let t = T0; t < T0 + HOUR_MS / 2; t += 100, n++) {
      const d = policy.decide(facts(), `t-${n}`, t);
      if (!d.sampled) continue;
      kept++;
      assert.equal(d.reason, 'stratified');
      assert.ok(d.weight >= 1 && d.weight <= 100, `${d.weight}`);
    }
    assert.ok(kept < n / 10, `${kept} of ${n}`);
  });

  it('decides a replayed stream exactly as the first time', () => {
    const run = () => {
      const policy = new SamplingPolicy(CONFIG);
      const out: string[] = [];
      for (let i = 0; i < 20_000; i++) {
        const d = policy.decide(facts({ slices: { language: i % 3 ? 'hi' : 'en' } }), `r-${i}`, T0 + i * 250);
        out.push(`${d.sampled}/${d.weight}`);
      }
      return out;
    };
    assert.deepEqual(run(), run());
  });

  it('holds at most maxSlices, forgetting the least recently used', () => {
    const policy = new SamplingPolicy(CONFIG, { maxSlices: 3 });
    const slice = (language: string) => facts({ slices: { language } });
    const start = T0 + 60_000;
    for (const l of ['a', 'b', 'c']) warm(policy, slice(l), 2_000, start);
    const at = start + 2_000_000;
    policy.decide(slice('a'), 'touch', at);
    policy.decide(slice('d'), 'new', at);
    assert.equal(policy.slices(), 3);
    // a and c are still warm (HIGH is thinned away); b was forgotten and starts cold (HIGH is kept)
    assert.equal(policy.decide(slice('a'), HIGH, at).sampled, false);
    assert.equal(policy.decide(slice('c'), HIGH, at).sampled, false);
    assert.equal(policy.decide(slice('b'), HIGH, at).sampled, true);
    assert.equal(policy.slices(), 3);
  });

  it('keeps a slice in use through a flood of new slices', () => {
    const policy = new SamplingPolicy(CONFIG, { maxSlices: 1_000 });
    const hot = facts({ slices: { language: 'hot' } });
    warm(policy, hot, 2_000, T0);
    const at = T0 + 2_000_000;
    for (let i = 0; i < 20_000; i++) {
      policy.decide(facts({ slices: { language: `new-${i}` } }), `n-${i}`, at);
      if (i % 100 === 0) policy.decide(hot, `h-${i}`, at);
    }
    assert.equal(policy.slices(), 1_000);
    assert.equal(policy.decide(hot, HIGH, at).sampled, false);
  });
});

describe('SamplingPolicy on a simulated population (2 h, 20 to 200 000 decisions/h per slice)', () => {
  const SEEDS = [1, 2, 3, 4];
  const runs = SEEDS.map((seed) => ({ seed, out: simulate(seed, 2) }));
  const name = (i: number) => `${SPECS[i]!.type}/${SPECS[i]!.language} @${SPECS[i]!.perHour}/h`;

  it('keeps every failure', () => {
    for (const { seed, out } of runs) {
      out.forEach((o, i) => {
        assert.ok(o.failures > 0, `seed ${seed} ${name(i)}: no failures simulated`);
        assert.equal(o.keptFailures, o.failures, `seed ${seed} ${name(i)}`);
      });
    }
  });

  it('keeps at least target successes in every hour that had them, and a slice below target whole', () => {
    let busyHours = 0;
    for (const { seed, out } of runs) {
      out.forEach((o, i) => {
        o.successes.forEach((n, h) => {
          const kept = o.keptSuccesses[h]!;
          const where = `seed ${seed} ${name(i)} hour ${h}: kept ${kept} of ${n}`;
          if (n >= TARGET) {
            busyHours++;
            assert.ok(kept >= TARGET, where);
          } else {
            assert.equal(kept, n, where);
          }
        });
      });
    }
    assert.equal(busyHours, SEEDS.length * 2 * 4);
  });

  it('thins the largest slice to about twice target once warm, never below min_probability', () => {
    for (const { seed, out } of runs) {
      const big = out[SPECS.length - 1]!;
      const [cold, warm] = big.keptSuccesses as [number, number];
      const [n0, n1] = big.successes as [number, number];
      // warm: target whole, then about target more spread over the hour, plus what min_probability adds
      assert.ok(warm < 2 * TARGET + 2 * CONFIG.min_probability * n1 + 30, `seed ${seed} warm hour: kept ${warm}`);
      // cold (a slice never seen): p = target / successes so far, so about target · (1 + ln(n / target))
      const coldBound = TARGET * (1 + Math.log(n0 / TARGET)) + CONFIG.min_probability * n0 + 50;
      assert.ok(cold < coldBound, `seed ${seed} cold hour: kept ${cold}, bound ${coldBound}`);
      for (const o of out) assert.ok(o.maxWeight <= 1 / CONFIG.min_probability + 1e-9);
    }
  });

  it('weights kept successes to the number of successes', () => {
    for (const { seed, out } of runs) {
      out.forEach((o, i) => {
        const n = totalSuccesses(o);
        // Horvitz–Thompson standard error of Σw as an estimate of n
        const se = Math.sqrt(o.a0);
        assert.ok(se / n < 0.1, `seed ${seed} ${name(i)}: se ${se / n}`);
        assert.ok(Math.abs(o.sw - n) <= 4 * se + 1e-9, `seed ${seed} ${name(i)}: Σw ${o.sw} vs ${n} (se ${se})`);
      });
    }
  });
});
