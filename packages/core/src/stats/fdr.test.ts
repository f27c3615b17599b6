import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benjaminiHochberg } from './fdr.ts';
import { assertClose, byName, reference } from './reference.testkit.ts';

describe('benjaminiHochberg', () => {
  it("matches statsmodels multipletests(method='fdr_bh') on every case", () => {
    assert.ok(reference.benjaminiHochberg.length >= 8);
    for (const c of reference.benjaminiHochberg) {
      const q = benjaminiHochberg(c.p);
      assert.equal(q.length, c.q.length, c.name);
      // p·m/r here, p/(r/m) in statsmodels: equal up to rounding
      for (const [i, v] of q.entries()) assertClose(v, c.q[i]!, `${c.name}[${i}]`, 1e-12);
    }
  });

  it('reproduces Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1):289–300, §4: 4 of 15 rejected at q = 0.05', () => {
    const p = [
      0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1,
    ];
    const q = benjaminiHochberg(p);
    assert.deepEqual(
      q.map((v) => v <= 0.05),
      p.map((_, i) => i < 4),
    );
    assertClose(q[3]!, (0.0095 * 15) / 4, 'q4', 1e-15);
    assertClose(q[4]!, (0.0201 * 15) / 5, 'q5', 1e-15);
    // the step-up minimum: 0.0298·15/7 < 0.0278·15/6, so ranks 6 and 7 share it
    assertClose(q[5]!, (0.0298 * 15) / 7, 'q6', 1e-15);
  });

  it('keeps input order and gives monotone q-values capped at 1', () => {
    const c = byName(reference.benjaminiHochberg, 'uniform-1000');
    const q = benjaminiHochberg(c.p);
    const order = c.p.map((_, i) => i).sort((i, j) => c.p[i]! - c.p[j]!);
    for (let r = 1; r < order.length; r++) assert.ok(q[order[r]!]! >= q[order[r - 1]!]!);
    for (const [i, v] of q.entries()) assert.ok(v >= c.p[i]! && v <= 1);
    assert.deepEqual(benjaminiHochberg([]), []);
    assert.deepEqual(benjaminiHochberg([0.3, 0.01]), [0.3, 0.02]);
  });

  it('rejects NaN and out-of-range p-values, naming the index', () => {
    assert.throws(() => benjaminiHochberg([0.1, Number.NaN]), { name: 'RangeError', message: /index 1 is NaN/ });
    assert.throws(() => benjaminiHochberg([1.5]), { name: 'RangeError', message: /index 0 must be in \[0, 1\]/ });
    assert.throws(() => benjaminiHochberg([0.2, -0.1]), RangeError);
  });
});
