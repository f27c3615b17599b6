import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleissKappa, fleissKappaOf, fleissTerms } from './fleiss.ts';
import { assertClose, byName, reference } from './reference.testkit.ts';

// Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
const WIKIPEDIA = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
].map((row) => Object.fromEntries(row.map((n, j) => [`c${j + 1}`, n])));

describe("Fleiss' kappa", () => {
  it('matches statsmodels (equal ratings) and the written-out generalisation (unequal) on every case', () => {
    assert.ok(reference.fleiss.length >= 8);
    for (const c of reference.fleiss) {
      const k = fleissKappaOf(c.subjects);
      if (c.kappa === null) assert.equal(k, null, c.name);
      else assertClose(k ?? Number.NaN, c.kappa, c.name, 1e-9, 1e-12);
    }
  });

  it('gives each subject the reference P_i and combines the aggregate the store would hold', () => {
    for (const c of reference.fleiss) {
      let subjects = 0;
      let sumPi = 0;
      for (const [i, counts] of c.subjects.entries()) {
        const t = fleissTerms(counts);
        const expected = c.pi[i];
        if (expected === null || expected === undefined) {
          assert.equal(t, null, `${c.name} subject ${i}`);
          continue;
        }
        assertClose(t!.pi, expected, `${c.name} P_${i}`, 1e-12);
        subjects++;
        sumPi += t!.pi;
      }
      assert.equal(subjects, c.aggregate.subjects, c.name);
      assertClose(sumPi, c.aggregate.sumPi, `${c.name} sumPi`, 1e-12, 1e-15);
      const k = fleissKappa(c.aggregate);
      if (c.kappa === null) assert.equal(k, null, c.name);
      else assertClose(k ?? Number.NaN, c.kappa, `${c.name} from aggregate`, 1e-9, 1e-12);
    }
  });

  it("reproduces Wikipedia's worked example: P̄ ≈ 0.378, P̄e ≈ 0.213, κ ≈ 0.210", () => {
    const k = fleissKappaOf(WIKIPEDIA)!;
    assert.equal(k.toFixed(3), '0.210');
    const pis = WIKIPEDIA.map((s) => fleissTerms(s)!.pi);
    assert.equal(pis[1]!.toFixed(3), '0.253'); // second row of the article's table
    assert.equal((pis.reduce((a, b) => a + b, 0) / 10).toFixed(3), '0.378');
  });

  it('gives the same kappa when partial aggregates are summed, as the store does across partitions', () => {
    const c = byName(reference.fleiss, 'random-200-subjects-3-raters');
    const parts = [c.subjects.slice(0, 73), c.subjects.slice(73)];
    let subjects = 0;
    let sumPi = 0;
    const categoryTotals: Record<string, number> = {};
    for (const part of parts) {
      for (const s of part) {
        const t = fleissTerms(s);
        if (!t) continue;
        subjects++;
        sumPi += t.pi;
        for (const [label, n] of Object.entries(s)) categoryTotals[label] = (categoryTotals[label] ?? 0) + n;
      }
    }
    assertClose(fleissKappa({ subjects, sumPi, categoryTotals })!, c.kappa!, 'summed', 1e-9);
  });

  it('skips subjects with fewer than two ratings and is undefined without variety or subjects', () => {
    assert.equal(fleissTerms({ a: 1 }), null);
    assert.equal(fleissTerms({}), null);
    assert.equal(fleissKappaOf([]), null);
    assert.equal(fleissKappaOf([{ a: 1 }, { b: 1 }]), null);
    assert.equal(fleissKappaOf([{ a: 3 }, { a: 2, b: 0 }]), null);
    assert.equal(fleissKappa({ subjects: 0, sumPi: 0, categoryTotals: { a: 1, b: 1 } }), null);
    // a singleton subject must not count towards the category totals either
    assert.equal(fleissKappaOf([{ a: 2 }, { b: 2 }, { b: 1 }]), fleissKappaOf([{ a: 2 }, { b: 2 }]));
  });

  it('rejects negative or fractional ratings and an impossible aggregate', () => {
    assert.throws(() => fleissTerms({ yes: -1, no: 3 }), { name: 'RangeError', message: /ratings for "yes".*-1/ });
    assert.throws(() => fleissTerms({ yes: 1.5 }), RangeError);
    assert.throws(() => fleissKappa({ subjects: 2, sumPi: 3, categoryTotals: { a: 2, b: 2 } }), {
      name: 'RangeError',
      message: /sumPi/,
    });
    assert.throws(() => fleissKappa({ subjects: -1, sumPi: 0, categoryTotals: {} }), RangeError);
    assert.throws(() => fleissKappa({ subjects: 1, sumPi: 1, categoryTotals: { a: -2, b: 4 } }), {
      name: 'RangeError',
      message: /category total for "a"/,
    });
  });
});
