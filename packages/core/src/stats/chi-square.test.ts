import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chiSquareHomogeneity } from './chi-square.ts';
import { assertClose, reference } from './reference.testkit.ts';

describe('chiSquareHomogeneity', () => {
  it('matches scipy.stats.chi2_contingency(correction=False) on every case', () => {
    assert.ok(reference.chiSquareHomogeneity.length >= 10);
    for (const c of reference.chiSquareHomogeneity) {
      const r = chiSquareHomogeneity(c.a, c.b);
      if (c.result === null) {
        assert.equal(r, null, c.name);
        continue;
      }
      assert.ok(r, c.name);
      assert.equal(r.df, c.result.df, c.name);
      assertClose(r.statistic, c.result.statistic, `${c.name} statistic`, 1e-9, 1e-12);
      // 1 − CDF has absolute double precision (scipy's sf keeps relative precision
      // in the tail): the 3.7e-19 case comes out as ~0 here
      assertClose(r.pValue, c.result.pValue, `${c.name} p`, 1e-9, 1e-15);
    }
  });

  it("reproduces scipy's chi2_contingency docstring example (2 × 3)", () => {
    const r = chiSquareHomogeneity({ x: 10, y: 10, z: 20 }, { x: 20, y: 20, z: 20 })!;
    assertClose(r.statistic, 2.7777777777777777, 'statistic', 1e-14);
    assertClose(r.pValue, 0.24935220877729619, 'p', 1e-12);
    assert.equal(r.df, 2);
  });

  it('reproduces Agresti (2019), An Introduction to Categorical Data Analysis, 3rd ed.: party by gender', () => {
    // GSS: women 495 Democrat / 272 Republican / 590 Independent, men 330 / 265 / 498;
    // the book reports X² = 12.57, df = 2, P-value = 0.0019
    const r = chiSquareHomogeneity({ dem: 495, rep: 272, ind: 590 }, { dem: 330, rep: 265, ind: 498 })!;
    assert.equal(r.statistic.toFixed(2), '12.57');
    assert.equal(r.df, 2);
    assert.equal(r.pValue.toFixed(4), '0.0019');
  });

  it('is symmetric in its rows and ignores labels nobody used', () => {
    const a = { x: 12, y: 30, z: 7 };
    const b = { x: 20, y: 25, z: 15, unused: 0 };
    const ab = chiSquareHomogeneity(a, b)!;
    const ba = chiSquareHomogeneity(b, a)!;
    assertClose(ba.statistic, ab.statistic, 'swapped', 1e-14);
    assert.equal(ab.df, 2);
  });

  it('is undefined with one label or an empty row, and rejects negative counts', () => {
    assert.equal(chiSquareHomogeneity({ a: 5 }, { a: 9 }), null);
    assert.equal(chiSquareHomogeneity({ a: 5, b: 0 }, { a: 9 }), null);
    assert.equal(chiSquareHomogeneity({}, { a: 1, b: 2 }), null);
    assert.throws(() => chiSquareHomogeneity({ a: -1, b: 2 }, { a: 1, b: 2 }), {
      name: 'RangeError',
      message: /count in a for "a".*-1/,
    });
  });
});
