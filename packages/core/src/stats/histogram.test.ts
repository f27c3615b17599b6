import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantileEdges, rebin, SCORE_BINS, scoreBin } from './histogram.ts';
import { byName, reference } from './reference.testkit.ts';

describe('scoreBin', () => {
  it('puts every score in the bin numpy.searchsorted finds on the edges i/100', () => {
    assert.ok(reference.scoreBin.length > 300);
    for (const { score, bin } of reference.scoreBin) assert.equal(scoreBin(score), bin, `score ${score}`);
  });

  it('covers edges where floor(score · 100) is off by one, so the correction is exercised', () => {
    const misbinned = reference.scoreBin.filter(({ score, bin }) => Math.min(Math.floor(score * 100), 99) !== bin);
    assert.ok(misbinned.length > 0);
    assert.equal(scoreBin(0.29), 29);
    assert.equal(scoreBin(0.57), 57);
  });

  it('closes the last bin at 1 and rejects scores outside [0, 1]', () => {
    assert.equal(SCORE_BINS, 100);
    assert.equal(scoreBin(0), 0);
    assert.equal(scoreBin(1), 99);
    for (const bad of [-0.01, 1.0000001, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => scoreBin(bad), { name: 'RangeError', message: /score must be in \[0, 1\]/ });
    }
  });
});

describe('quantileEdges and rebin', () => {
  it('match the order-statistic definition and numpy.add.reduceat on every case', () => {
    assert.ok(reference.quantileEdges.length >= 10);
    for (const c of reference.quantileEdges) {
      const edges = quantileEdges(c.hist, c.parts);
      assert.deepEqual(edges, c.edges, `${c.name} / ${c.parts}`);
      assert.deepEqual(rebin(c.hist, edges), c.rebinned, `${c.name} / ${c.parts}`);
    }
  });

  it('splits a uniform histogram into ten equal parts and collapses a single spike to one cut', () => {
    assert.deepEqual(quantileEdges(new Array(100).fill(10)), [10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const spike = new Array(100).fill(0);
    spike[42] = 500;
    assert.deepEqual(quantileEdges(spike), [43]);
    assert.deepEqual(rebin(spike, [43]), [500, 0]);
    spike[42] = 0;
    spike[99] = 3;
    assert.deepEqual(quantileEdges(spike), []); // all mass at the top: nothing to cut
  });

  it('returns valid, mass-preserving bins on skewed data', () => {
    const c = byName(reference.quantileEdges, 'beta-5-2-n50000');
    const edges = quantileEdges(c.hist);
    assert.equal(edges.length, 9);
    for (const [i, e] of edges.entries()) assert.ok(e >= 1 && e <= SCORE_BINS - 1 && (i === 0 || e > edges[i - 1]!));
    const coarse = rebin(c.hist, edges);
    assert.equal(
      coarse.reduce((a, b) => a + b, 0),
      c.hist.reduce((a, b) => a + b, 0),
    );
    // every coarse bin holds roughly a tenth of 50 000 (fine bins are 1% wide)
    for (const m of coarse) assert.ok(m > 3_000 && m < 7_000, `${m}`);
  });

  it('rejects bad parts, bad edges and negative counts', () => {
    const h = [1, 2, 3, 4];
    assert.throws(() => quantileEdges(h, 0), RangeError);
    assert.throws(() => quantileEdges(h, 2.5), RangeError);
    assert.throws(() => quantileEdges([1, -2, 3]), { name: 'RangeError', message: /hist\[1\].*-2/ });
    assert.throws(() => rebin(h, [0]), RangeError);
    assert.throws(() => rebin(h, [4]), RangeError);
    assert.throws(() => rebin(h, [2, 2]), RangeError);
    assert.throws(() => rebin(h, [1.5]), RangeError);
    assert.deepEqual(rebin(h, [1, 3]), [1, 5, 4]);
  });
});
