import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { traceUniform } from './hash.ts';

const sequentialId = (i: number) => i.toString(16).padStart(32, '0');

/** Pearson chi-square of values in [0,1) against `bins` equal bins. */
function chiSquare(values: Iterable<number>, bins: number): number {
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (const v of values) {
    counts[Math.floor(v * bins)]!++;
    n++;
  }
  const expected = n / bins;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function* uniforms(n: number, f: (i: number) => number): Iterable<number> {
  for (let i = 0; i < n; i++) yield f(i);
}

describe('traceUniform', () => {
  it('is deterministic and in [0, 1)', () => {
    for (const id of ['', '0'.repeat(32), 'f'.repeat(32), '4bf92f3577b34da6a3ce929d0e0e4736', 'é']) {
      const u = traceUniform(id);
      assert.ok(u >= 0 && u < 1, `${id}: ${u}`);
      assert.equal(traceUniform(id), u);
    }
    assert.notEqual(traceUniform(`${'0'.repeat(31)}1`), traceUniform(`${'0'.repeat(31)}2`));
  });

  it('is uniform on sequential ids', () => {
    // 99.9% critical values of chi-square: 27.88 with 9 degrees of freedom, 148.2 with 99.
    assert.ok(
      chiSquare(
        uniforms(100_000, (i) => traceUniform(sequentialId(i))),
        10,
      ) < 27.88,
    );
    assert.ok(
      chiSquare(
        uniforms(100_000, (i) => traceUniform(sequentialId(i))),
        100,
      ) < 148.2,
    );
    // the low-order part the second lane contributes, on its own
    assert.ok(
      chiSquare(
        uniforms(100_000, (i) => (traceUniform(sequentialId(i)) * 2 ** 32) % 1),
        10,
      ) < 27.88,
    );
  });

  it('does not correlate neighbouring sequential ids', () => {
    // pairs (u_i, u_{i+1}) over a 10×10 grid: catches a hash that moves in small steps
    const n = 100_000;
    const cells = uniforms(n, (i) => {
      const a = traceUniform(sequentialId(2 * i));
      const b = traceUniform(sequentialId(2 * i + 1));
      return (Math.floor(a * 10) * 10 + Math.floor(b * 10) + 0.5) / 100;
    });
    assert.ok(chiSquare(cells, 100) < 148.2);
  });
});
