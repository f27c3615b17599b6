import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROKEN_VERSION, createTrafficModel, DEGRADED, HEALTHY_VERSION, type SupportCase } from './traffic-model.ts';

const isDegraded = (c: SupportCase) => c.type === DEGRADED.decision_type && c.language === DEGRADED.language;

function stats(cases: SupportCase[]) {
  const senior = cases.flatMap((c) =>
    c.reviews.filter((r) => r.seniority === 'senior').map((r) => r.label !== c.label),
  );
  return {
    n: cases.length,
    overrideRate: senior.filter(Boolean).length / senior.length,
    meanScore: cases.reduce((s, c) => s + c.score, 0) / cases.length,
  };
}

describe('demo traffic model', () => {
  it('tells the same story for the same seed', () => {
    const a = createTrafficModel(6);
    const b = createTrafficModel(6);
    for (let i = 0; i < 500; i++) assert.deepEqual(a.next(), b.next());
  });

  it('prompt-v8 breaks refunds in Hindi and nothing else', () => {
    const model = createTrafficModel(6);
    const before = Array.from({ length: 20_000 }, () => model.next());
    model.breakModel();
    const after = Array.from({ length: 20_000 }, () => model.next());
    assert.ok(before.every((c) => c.modelVersion === HEALTHY_VERSION));
    assert.ok(after.every((c) => c.modelVersion === BROKEN_VERSION));

    const healthy = stats(before.filter(isDegraded));
    const broken = stats(after.filter(isDegraded));
    assert.ok(healthy.n > 1000, 'the slice is a sizeable share of the traffic');
    assert.ok(healthy.overrideRate < 0.1, `healthy override rate ${healthy.overrideRate}`);
    assert.ok(broken.overrideRate > 0.4, `broken override rate ${broken.overrideRate}`);
    assert.ok(broken.meanScore < healthy.meanScore - 0.2, `scores ${healthy.meanScore} → ${broken.meanScore}`);

    const others = {
      before: stats(before.filter((c) => !isDegraded(c))),
      after: stats(after.filter((c) => !isDegraded(c))),
    };
    assert.ok(Math.abs(others.after.overrideRate - others.before.overrideRate) < 0.02, JSON.stringify(others));
    assert.ok(Math.abs(others.after.meanScore - others.before.meanScore) < 0.01, JSON.stringify(others));
  });
});
