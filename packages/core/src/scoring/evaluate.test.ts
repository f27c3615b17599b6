import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCORE_BINS } from '../stats/index.ts';
import { evaluateWindow } from './evaluate.ts';
import type { SliceAggregate } from './types.ts';

const config = { min_samples: 100, fdr: 0.05, min_effect: { rate: 0.05, ks: 0.1, js: 0.1 } };

function slice(name: string, over: Partial<SliceAggregate> = {}): SliceAggregate {
  const hist = new Array(SCORE_BINS).fill(0);
  for (let i = 0; i < SCORE_BINS; i++) hist[i] = 10;
  return {
    slice: name,
    volume: 1000,
    errors: 20,
    fallbacks: 0,
    retries: 0,
    thumbs_down: 0,
    reviewed: 1000,
    overridden: 50,
    senior_pairs: {},
    reviewer_pairs: {},
    multi_reviewed: 0,
    multi_sum_pi: 0,
    multi_label_totals: {},
    max_reviews: 1,
    latency_p50: 100,
    latency_p95: 200,
    latency_p99: 300,
    scored: 1000,
    score_hist: hist,
    labels: { approve: 600, deny: 400 },
    ...over,
  };
}

function run(current: SliceAggregate[], baseline: SliceAggregate[] | null) {
  return evaluateWindow({
    window_start: 0,
    window_end: 900_000,
    current,
    baseline: baseline && { name: 'b', slices: new Map(baseline.map((s) => [s.slice, s])) },
    config,
  });
}

const degraded = (rows: ReturnType<typeof run>) => rows.filter((r) => r.degraded).map((r) => `${r.slice} ${r.metric}`);

describe('degradation verdicts', () => {
  it('flag a rate that rose significantly and by at least min_effect', () => {
    const rows = run([slice('a', { overridden: 300 })], [slice('a')]);
    assert.deepEqual(degraded(rows), ['a override_rate']);
    const r = rows.find((x) => x.metric === 'override_rate')!;
    assert.equal(r.value, 0.3);
    assert.equal(r.baseline_value, 0.05);
    assert.ok(Math.abs(r.effect! - 0.25) < 1e-12);
    assert.equal(r.test, 'two_proportion');
  });

  it('do not flag a significant change smaller than min_effect', () => {
    const big = { volume: 1_000_000, reviewed: 1_000_000, errors: 20_000, scored: 0 };
    const rows = run([slice('a', { ...big, overridden: 70_000 })], [slice('a', { ...big, overridden: 50_000 })]);
    const r = rows.find((x) => x.metric === 'override_rate')!;
    assert.ok(r.q_value! < 1e-10, 'highly significant');
    assert.equal(r.degraded, false, 'but 2 points is below min_effect 5 points');
  });

  it('do not test below min_samples on either side', () => {
    const rows = run([slice('a', { reviewed: 99, overridden: 60 })], [slice('a')]);
    const r = rows.find((x) => x.metric === 'override_rate')!;
    assert.equal(r.p_value, null);
    assert.equal(r.degraded, false);
    assert.ok(r.effect! > 0.5, 'the change is still reported');
  });

  it('never flag a decrease of a rate', () => {
    const rows = run([slice('a', { overridden: 0 })], [slice('a', { overridden: 300 })]);
    assert.deepEqual(degraded(rows), []);
    assert.ok(rows.find((x) => x.metric === 'override_rate')!.p_value! > 0.99);
  });

  it('control false discoveries across slices: one q-value family per window', () => {
    // p just under 0.05 alone would be flagged; among many null tests it is not
    const base = slice('x', { reviewed: 400, overridden: 20 });
    const borderline = slice('x', { reviewed: 400, overridden: 44 }); // 11% vs 5%
    const alone = run([borderline], [base]).find((r) => r.metric === 'override_rate')!;
    assert.ok(alone.p_value! < 0.05 && alone.degraded, `alone: p ${alone.p_value}`);
    const nulls = Array.from({ length: 50 }, (_, i) => slice(`n${i}`, { reviewed: 400, overridden: 20 }));
    const many = run([borderline, ...nulls], [base, ...nulls.map((s) => ({ ...s }))]);
    const inFamily = many.find((r) => r.slice === 'x' && r.metric === 'override_rate')!;
    assert.equal(inFamily.p_value, alone.p_value);
    assert.ok(inFamily.q_value! > inFamily.p_value!);
    assert.equal(inFamily.degraded, false);
  });

  it('test the score distribution (KS) and the label mix (chi-square) against the baseline', () => {
    const shifted = new Array(SCORE_BINS).fill(0);
    for (let i = 0; i < SCORE_BINS; i++) shifted[i] = i < 50 ? 18 : 2;
    const rows = run([slice('a', { score_hist: shifted, labels: { approve: 300, deny: 700 } })], [slice('a')]);
    assert.deepEqual(degraded(rows).sort(), ['a label_chi2', 'a score_ks']);
    const psi = rows.find((r) => r.metric === 'score_psi')!;
    assert.ok(psi.value! > 0.25, `PSI ${psi.value}`);
    assert.equal(psi.degraded, false, 'PSI is reported, not tested');
  });

  it('write metrics without verdicts when no baseline is active', () => {
    const rows = run([slice('a', { overridden: 300 })], null);
    assert.deepEqual(degraded(rows), []);
    assert.ok(rows.every((r) => r.baseline === '' && r.q_value === null));
    assert.deepEqual(
      rows.map((r) => r.metric).sort(),
      [
        'error_rate',
        'fallback_rate',
        'latency_p50',
        'latency_p95',
        'latency_p99',
        'override_rate',
        'retry_rate',
        'thumbs_down_rate',
        'volume',
      ].sort(),
    );
  });
});
