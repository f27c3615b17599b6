import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kolmogorovSf, ksTwoSample } from './ks.ts';
import { assertClose, byName, reference } from './reference.testkit.ts';

describe('kolmogorovSf', () => {
  it('matches scipy.stats.kstwobign.sf from λ = 0 to the far tail', () => {
    assert.ok(reference.kolmogorovSf.length >= 20);
    for (const { lambda, sf } of reference.kolmogorovSf) {
      // scipy (cephes) sums the same two series with its own cut-offs and switch
      // point; they agree to ~2e-16 today, 1e-12 leaves room for either to change.
      // abs covers λ → 0, where both are 1 up to ~1e-13
      assertClose(kolmogorovSf(lambda), sf, `λ = ${lambda}`, 1e-12, 1e-15);
    }
  });

  it('is continuous where it switches series (λ = 1) and monotone', () => {
    assertClose(kolmogorovSf(1 - 1e-12), kolmogorovSf(1 + 1e-12), 'λ = 1', 1e-10);
    let previous = 1;
    for (let lambda = 0; lambda <= 6; lambda += 0.01) {
      const q = kolmogorovSf(lambda);
      assert.ok(q <= previous + 1e-15 && q >= 0, `λ = ${lambda}`);
      previous = q;
    }
    assert.equal(kolmogorovSf(0.1), 1);
    assert.equal(kolmogorovSf(Number.POSITIVE_INFINITY), 0);
    assert.throws(() => kolmogorovSf(Number.NaN), RangeError);
  });
});

describe('ksTwoSample', () => {
  it('gives scipy.stats.ks_2samp’s D on grid samples and the kstwobign p-value', () => {
    assert.ok(reference.ksTwoSample.length >= 8);
    for (const c of reference.ksTwoSample) {
      const r = ksTwoSample(c.h1, c.h2);
      if (c.result === null) {
        assert.equal(r, null, c.name);
        continue;
      }
      assert.ok(r, c.name);
      assert.equal(r.n1, c.result.n1, c.name);
      assert.equal(r.n2, c.result.n2, c.name);
      assertClose(r.d, c.result.d, `${c.name} D`, 1e-12, 1e-15);
      // p = Q(λ): the error of D carries over multiplied by |dQ/dλ|·λ, hence 1e-9
      assertClose(r.pValue, c.result.pValue, `${c.name} p`, 1e-9, 1e-15);
    }
  });

  it("differs from scipy's method='asymp' p-value for small samples, as documented", () => {
    const c = byName(reference.ksTwoSample, 'tiny-samples');
    const ours = ksTwoSample(c.h1, c.h2)!.pValue;
    assert.ok(Math.abs(ours - c.scipyAsympPValue!) > 0.05, `${ours} vs ${c.scipyAsympPValue}`);
  });

  it('is 0 for identical and 1 for disjoint samples', () => {
    const h = new Array(100).fill(0).map((_, i) => (i % 7) + 1);
    const same = ksTwoSample(h, h)!;
    assert.equal(same.d, 0);
    assert.equal(same.pValue, 1);
    const low = new Array(100).fill(0);
    const high = new Array(100).fill(0);
    low[3] = 40;
    high[97] = 60;
    assert.equal(ksTwoSample(low, high)!.d, 1);
    // λ = √(40·60/100) = √24: far in the tail
    assertClose(ksTwoSample(low, high)!.pValue, kolmogorovSf(Math.sqrt(24)), 'p', 1e-15);
    assert.ok(ksTwoSample(low, high)!.pValue < 1e-18);
  });

  it('is undefined for an empty sample and rejects bad input', () => {
    assert.equal(ksTwoSample([0, 0], [1, 1]), null);
    assert.throws(() => ksTwoSample([1], [1, 2]), { name: 'RangeError', message: /same bins/ });
    assert.throws(() => ksTwoSample([1, 2], [3, -1]), { name: 'RangeError', message: /h2\[1\]/ });
  });
});
