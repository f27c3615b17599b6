import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cohenKappa } from './kappa.ts';
import { assertClose, reference } from './reference.testkit.ts';

describe('cohenKappa', () => {
  it('matches statsmodels / scikit-learn on every reference case', () => {
    assert.ok(reference.cohenKappa.length >= 10);
    for (const c of reference.cohenKappa) {
      const r = cohenKappa(c.pairs);
      assert.equal(r.n, c.n, c.name);
      if (c.kappa === null) assert.equal(r.kappa, null, c.name);
      // closed form; the count-scaled arithmetic differs from the libraries' only by rounding
      else assertClose(r.kappa ?? Number.NaN, c.kappa, `${c.name} kappa`, 1e-9, 1e-12);
      if (c.observed === null || c.expected === null) {
        assert.ok(Number.isNaN(r.observed) && Number.isNaN(r.expected), c.name);
      } else {
        assertClose(r.observed, c.observed, `${c.name} observed`, 1e-12);
        assertClose(r.expected, c.expected, `${c.name} expected`, 1e-12);
      }
    }
  });

  it('reproduces Wikipedia\'s 50-proposal example ("Cohen\'s kappa", simple example): κ = 0.4', () => {
    // Reader A / reader B: yes-yes 20, yes-no 5, no-yes 10, no-no 15 → p_o = 0.7, p_e = 0.5
    const r = cohenKappa([
      ['yes', 'yes', 20],
      ['yes', 'no', 5],
      ['no', 'yes', 10],
      ['no', 'no', 15],
    ]);
    assertClose(r.observed, 0.7, 'p_o', 1e-15);
    assertClose(r.expected, 0.5, 'p_e', 1e-15);
    assertClose(r.kappa!, 0.4, 'kappa', 1e-15);
    assert.equal(r.n, 50);
  });

  it('is symmetric in the two raters and accepts any iterable', () => {
    const table: Array<[string, string, number]> = [
      ['a', 'a', 12],
      ['a', 'b', 3],
      ['b', 'c', 4],
      ['c', 'c', 9],
      ['c', 'a', 1],
    ];
    const swapped = function* () {
      for (const [x, y, n] of table) yield [y, x, n] as [string, string, number];
    };
    const k = cohenKappa(table).kappa!;
    assertClose(cohenKappa(swapped()).kappa!, k, 'swapped', 1e-15);
    assert.ok(k > 0 && k < 1);
  });

  it('is undefined without pairs or when both raters only ever use one and the same label', () => {
    assert.equal(cohenKappa([]).kappa, null);
    assert.equal(cohenKappa([['a', 'b', 0]]).kappa, null);
    const one = cohenKappa([['x', 'x', 1e6]]);
    assert.equal(one.kappa, null);
    assert.equal(one.expected, 1);
    // each rater constant but on different labels is defined: κ = 0
    assert.equal(cohenKappa([['x', 'y', 5]]).kappa, 0);
  });

  it('rejects negative and non-finite counts, naming the pair', () => {
    assert.throws(() => cohenKappa([['a', 'b', -1]]), { name: 'RangeError', message: /count for \("a", "b"\).*-1/ });
    assert.throws(() => cohenKappa([['a', 'a', Number.NaN]]), RangeError);
    assert.throws(() => cohenKappa([['a', 'a', Number.POSITIVE_INFINITY]]), RangeError);
  });
});
