import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { assertClose, reference } from './reference.testkit.ts';

describe('jensenShannonDistance', () => {
  it('matches the 60-digit evaluation of the definition on every case', () => {
    assert.ok(reference.jensenShannon.length >= 8);
    for (const c of reference.jensenShannon) {
      const d = jensenShannonDistance(c.a, c.b);
      if (c.distance60Digits === null) assert.equal(d, null, c.name);
      else assertClose(d ?? Number.NaN, c.distance60Digits, c.name, 1e-9, 1e-15);
    }
  });

  it('matches scipy.spatial.distance.jensenshannon(base=2), except where scipy cancels', () => {
    for (const c of reference.jensenShannon) {
      if (c.distance === null) continue;
      // scipy sums p·ln(p/m) directly; for mixes differing by 1e-6 that keeps only
      // ~4 digits (it is 1.1e-4 off the 60-digit value), so that case gets 1e-3
      const rel = c.name === 'tiny-difference' ? 1e-3 : 1e-9;
      assertClose(jensenShannonDistance(c.a, c.b)!, c.distance, c.name, rel, 1e-15);
    }
  });

  it('is 0 for equal mixes, 1 for disjoint ones and √½ for half overlap', () => {
    assert.equal(jensenShannonDistance({ a: 1, b: 3 }, { b: 300, a: 100 }), 0);
    assert.equal(jensenShannonDistance({ a: 5 }, { b: 2 }), 1);
    // p = (½, ½, 0), q = (0, ½, ½): JS = ½ bit
    assertClose(jensenShannonDistance({ a: 1, b: 1 }, { b: 1, c: 1 })!, Math.SQRT1_2, 'half overlap', 1e-15);
    const x = { a: 3, b: 0, c: 1 };
    const y = { a: 1, c: 3 };
    assertClose(jensenShannonDistance(x, y)!, jensenShannonDistance(y, x)!, 'symmetry', 1e-15);
  });

  it('is undefined for an empty side and rejects negative counts', () => {
    assert.equal(jensenShannonDistance({}, { a: 1 }), null);
    assert.equal(jensenShannonDistance({ a: 0 }, { a: 1 }), null);
    assert.throws(() => jensenShannonDistance({ a: 1 }, { a: -1 }), { name: 'RangeError', message: /count in b/ });
  });
});
