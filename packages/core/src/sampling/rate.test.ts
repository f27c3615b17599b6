import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponential, mulberry32 } from './prng.testkit.ts';
import { DecayedRate, HOUR_MS } from './rate.ts';

const TAU = 10 * 60_000;

describe('DecayedRate', () => {
  it('reads 0 until it has a window to measure over', () => {
    const r = new DecayedRate(TAU);
    assert.equal(r.perHour(1_000), 0);
    r.add(1_000);
    assert.equal(r.perHour(1_000), 0);
    r.add(1_000);
    assert.equal(r.perHour(1_000), 0);
  });

  it('is right from the second evenly spaced event on, never over-reading', () => {
    const r = new DecayedRate(TAU);
    const perHour = 3_600; // one a second
    for (let i = 0; i <= 3 * 3_600; i++) {
      const t = 5_000_000 + i * 1_000;
      r.add(t);
      if (i === 0) continue;
      const est = r.perHour(t);
      // Δ/2τ = 1/1200 is the discretisation of counting the event at the window's end
      assert.ok(est <= perHour * (1 + 1 / 1_000), `event ${i}: ${est}`);
      assert.ok(est >= perHour * 0.99, `event ${i}: ${est}`);
    }
  });

  it('converges to a Poisson rate and does not over-read while young', () => {
    const rnd = mulberry32(7);
    const r = new DecayedRate(TAU);
    const perHour = 20_000;
    let t = 0;
    let early = 0;
    let earlyN = 0;
    const late: number[] = [];
    while (t < 2 * HOUR_MS) {
      t += exponential(rnd, HOUR_MS / perHour);
      r.add(t);
      const est = r.perHour(t);
      // the first minute: only a few hundred events, yet the average reading is not inflated
      if (t > 5_000 && t < 60_000) {
        early += est;
        earlyN++;
      }
      if (t > HOUR_MS) late.push(est);
    }
    assert.ok(early / earlyN < perHour * 1.05, `early mean ${early / earlyN}`);
    assert.ok(early / earlyN > perHour * 0.9, `early mean ${early / earlyN}`);
    const mean = late.reduce((s, x) => s + x, 0) / late.length;
    assert.ok(Math.abs(mean / perHour - 1) < 0.02, `late mean ${mean}`);
    // τ = 10 min holds ~3 300 events: about 1.2% relative noise
    assert.ok(late.every((x) => Math.abs(x / perHour - 1) < 0.08));
  });

  it('follows a change of rate within a few time constants', () => {
    const r = new DecayedRate(TAU);
    let t = 0;
    for (; t < HOUR_MS; t += 1_000) r.add(t);
    for (; t < 2 * HOUR_MS; t += 100) r.add(t);
    assert.ok(Math.abs(r.perHour(t) / 36_000 - 1) < 0.01);
  });

  it('decays between events and ignores a clock that steps back', () => {
    const r = new DecayedRate(TAU);
    for (let t = 0; t <= HOUR_MS; t += 1_000) r.add(t);
    const now = r.perHour(HOUR_MS);
    assert.ok(Math.abs(r.perHour(HOUR_MS + TAU) / now - Math.exp(-1)) < 0.01);
    r.add(HOUR_MS - 60_000);
    assert.ok(r.perHour(HOUR_MS) > now);
    assert.ok(Number.isFinite(r.perHour(HOUR_MS)));
  });
});
