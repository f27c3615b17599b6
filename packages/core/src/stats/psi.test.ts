import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantileEdges } from './histogram.ts';
import { psi, scorePsi } from './psi.ts';
import { assertClose, reference } from './reference.testkit.ts';

describe('psi', () => {
  it('matches Σ rel_entr(a, e) + rel_entr(e, a) from scipy on the floored proportions', () => {
    assert.ok(reference.psi.length >= 10);
    for (const c of reference.psi) {
      const v = psi(c.expected, c.actual, c.epsilon);
      if (c.psi === null) assert.equal(v, null, c.name);
      // same closed form, summed in another order; abs covers the identical cases (exactly 0)
      else assertClose(v ?? Number.NaN, c.psi, c.name, 1e-9, 1e-15);
    }
  });

  it('has the hand-computable value ¼·ln 3 for halves against quarters', () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.25·(ln 2 + ln 1.5)
    assertClose(psi([1, 1], [1, 3])!, 0.25 * Math.log(3), 'psi', 1e-15);
  });

  it('floors an empty bin at epsilon instead of going infinite, and the floor matters', () => {
    const withFloor = psi([25, 25, 25, 25], [0, 30, 30, 40])!;
    assert.ok(Number.isFinite(withFloor) && withFloor > 0);
    assert.ok(psi([25, 25, 25, 25], [0, 30, 30, 40], 1e-2)! < withFloor);
  });

  it('is undefined for an empty side and rejects mismatched or negative input', () => {
    assert.equal(psi([0, 0], [1, 1]), null);
    assert.equal(psi([1, 1], [0, 0]), null);
    assert.throws(() => psi([1, 2], [1, 2, 3]), { name: 'RangeError', message: /same bins/ });
    assert.throws(() => psi([1, -2], [1, 2]), { name: 'RangeError', message: /expected\[1\]/ });
    assert.throws(() => psi([1, 2], [1, 2], 0), RangeError);
  });
});

describe('scorePsi', () => {
  it('bins by the baseline deciles and matches the reference PSI', () => {
    assert.ok(reference.scorePsi.length >= 5);
    for (const c of reference.scorePsi) {
      assert.deepEqual(quantileEdges(c.baseline), c.edges, c.name);
      const v = scorePsi(c.baseline, c.current);
      if (c.psi === null) assert.equal(v, null, c.name);
      else assertClose(v ?? Number.NaN, c.psi, c.name, 1e-9, 1e-15);
    }
  });

  it('rejects histograms on different grids', () => {
    assert.throws(() => scorePsi(new Array(100).fill(1), new Array(10).fill(1)), RangeError);
  });
});
