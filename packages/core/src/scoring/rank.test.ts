import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RankedFields } from './rank.ts';
import { badChange, badDirection, rankSlices } from './rank.ts';

type Row = RankedFields & { slice: string };

function row(slice: string, over: Partial<RankedFields> = {}): Row {
  return { slice, value: null, baseline_value: null, q_value: null, degraded: false, ...over };
}

const order = (rows: Row[], metric: Parameters<typeof rankSlices>[1]) => rankSlices(rows, metric).map((r) => r.slice);

describe('rankSlices: worst slice first', () => {
  it('puts degraded slices first, then the lowest q value, with no q value last', () => {
    const rows = [
      row('no-q', { value: 0.9, baseline_value: 0.1 }),
      row('q-high', { value: 0.2, baseline_value: 0.1, q_value: 0.4 }),
      row('degraded-late-q', { value: 0.3, baseline_value: 0.1, q_value: 0.04, degraded: true }),
      row('q-low', { value: 0.2, baseline_value: 0.1, q_value: 0.06 }),
      row('degraded-early-q', { value: 0.3, baseline_value: 0.1, q_value: 0.001, degraded: true }),
    ];
    assert.deepEqual(order(rows, 'override_rate'), ['degraded-early-q', 'degraded-late-q', 'q-low', 'q-high', 'no-q']);
  });

  it('then by the change in the bad direction: a rate that rose beats one that fell', () => {
    const rows = [
      row('fell', { value: 0.05, baseline_value: 0.2 }),
      row('no-baseline', { value: 0.9 }),
      row('rose-a-lot', { value: 0.5, baseline_value: 0.1 }),
      row('rose', { value: 0.3, baseline_value: 0.2 }),
    ];
    assert.deepEqual(order(rows, 'error_rate'), ['rose-a-lot', 'rose', 'fell', 'no-baseline']);
  });

  it('ranks kappas by their fall, volume by the size of its change either way', () => {
    const kappas = [
      row('agrees-more', { value: 0.9, baseline_value: 0.8 }),
      row('agrees-less', { value: 0.4, baseline_value: 0.8 }),
    ];
    assert.deepEqual(order(kappas, 'model_kappa'), ['agrees-less', 'agrees-more']);
    const volume = [
      row('slight-rise', { value: 1100, baseline_value: 1000 }),
      row('collapse', { value: 50, baseline_value: 1000 }),
      row('surge', { value: 1600, baseline_value: 1000 }),
    ];
    assert.deepEqual(order(volume, 'volume'), ['collapse', 'surge', 'slight-rise']);
  });

  it('takes a distance metric value as the change itself (it has no baseline value)', () => {
    const rows = [row('close', { value: 0.02 }), row('far', { value: 0.4 }), row('unknown')];
    assert.deepEqual(order(rows, 'score_psi'), ['far', 'close', 'unknown']);
    assert.equal(badChange(row('x', { value: 0.3 }), 'score_ks'), 0.3);
  });

  it('falls back to the value in the bad direction, then keeps the input order', () => {
    const latency = [row('fast', { value: 120 }), row('slow', { value: 900 }), row('same-slow', { value: 900 })];
    assert.deepEqual(order(latency, 'latency_p95'), ['slow', 'same-slow', 'fast']);
    const kappa = [row('b', { value: 0.7 }), row('a', { value: 0.2 })];
    assert.deepEqual(order(kappa, 'reviewer_kappa'), ['a', 'b']);
    const ties = [row('first'), row('second'), row('third')];
    assert.deepEqual(order(ties, 'volume'), ['first', 'second', 'third']);
  });

  it('treats a non-finite figure as unknown and leaves its input alone', () => {
    const rows = [
      row('nan', { value: Number.NaN, baseline_value: 0.1, q_value: Number.NaN }),
      row('ok', { value: 0.2 }),
    ];
    const before = rows.map((r) => r.slice);
    assert.deepEqual(order(rows, 'fallback_rate'), ['ok', 'nan']);
    assert.deepEqual(
      rows.map((r) => r.slice),
      before,
    );
  });

  it('knows which way every metric goes bad', () => {
    assert.equal(badDirection('override_rate'), 'up');
    assert.equal(badDirection('latency_p99'), 'up');
    assert.equal(badDirection('label_chi2'), 'up');
    assert.equal(badDirection('reviewer_kappa'), 'down');
    assert.equal(badDirection('volume'), 'either');
  });
});
