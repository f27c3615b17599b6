import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { twoProportionIncrease, wilsonInterval } from './proportions.ts';
import { assertClose, reference } from './reference.testkit.ts';

describe('twoProportionIncrease', () => {
  it("matches statsmodels proportions_ztest(alternative='larger') on every case", () => {
    assert.ok(reference.twoProportionIncrease.length >= 8);
    for (const c of reference.twoProportionIncrease) {
      const r = twoProportionIncrease(c.x1, c.n1, c.x0, c.n0);
      if (c.result === null) {
        assert.equal(r, null, c.name);
        continue;
      }
      assert.ok(r, c.name);
      assertClose(r.z, c.result.z, `${c.name} z`, 1e-9, 1e-15);
      // relative even for p ≈ 4e-274: the upper tail is taken as Φ(−z), not 1 − Φ(z)
      assertClose(r.pValue, c.result.pValue, `${c.name} p`, 1e-9);
    }
  });

  it('is one-sided: a decrease is not significant', () => {
    const up = twoProportionIncrease(30, 200, 15, 200)!;
    const down = twoProportionIncrease(15, 200, 30, 200)!;
    assert.ok(up.pValue < 0.01);
    assertClose(up.pValue + down.pValue, 1, 'tails', 1e-12);
  });

  it('is undefined without trials or variance, and rejects impossible counts', () => {
    assert.equal(twoProportionIncrease(0, 0, 3, 10), null);
    assert.equal(twoProportionIncrease(0, 10, 0, 10), null);
    assert.equal(twoProportionIncrease(10, 10, 5, 5), null);
    assert.throws(() => twoProportionIncrease(11, 10, 0, 10), {
      name: 'RangeError',
      message: /current successes \(11\) exceed trials \(10\)/,
    });
    assert.throws(() => twoProportionIncrease(1, 10, -1, 10), { name: 'RangeError', message: /baseline successes/ });
  });
});

describe('wilsonInterval', () => {
  it("matches statsmodels proportion_confint(method='wilson') on every case", () => {
    assert.ok(reference.wilsonInterval.length >= 8);
    for (const c of reference.wilsonInterval) {
      const r = wilsonInterval(c.x, c.n, c.confidence);
      const what = `${c.x}/${c.n} at ${c.confidence}`;
      // z comes from inverting the normal CDF here and from scipy's ndtri there
      assertClose(r.low, c.low, `${what} low`, 1e-9, 1e-14);
      assertClose(r.high, c.high, `${what} high`, 1e-9, 1e-14);
    }
  });

  it('reproduces Newcombe (1998), Statistics in Medicine 17:857–872, Table I, Wilson score method', () => {
    const cases: Array<[number, number, string, string]> = [
      [81, 263, '0.2553', '0.3662'],
      [15, 148, '0.0624', '0.1605'],
      [0, 20, '0.0000', '0.1611'],
      [1, 29, '0.0061', '0.1718'],
    ];
    for (const [x, n, low, high] of cases) {
      const r = wilsonInterval(x, n);
      assert.deepEqual([r.low.toFixed(4), r.high.toFixed(4)], [low, high], `${x}/${n}`);
    }
  });

  it('contains the observed rate, widens with confidence and knows nothing at n = 0', () => {
    const i95 = wilsonInterval(3, 17);
    const i99 = wilsonInterval(3, 17, 0.99);
    assert.ok(i95.low < 3 / 17 && 3 / 17 < i95.high);
    assert.ok(i99.low < i95.low && i99.high > i95.high);
    assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
    assert.equal(wilsonInterval(0, 10).low, 0);
    assert.equal(wilsonInterval(10, 10).high, 1);
    assert.throws(() => wilsonInterval(1, 10, 1), RangeError);
    assert.throws(() => wilsonInterval(-1, 10), { name: 'RangeError', message: /successes/ });
  });
});
