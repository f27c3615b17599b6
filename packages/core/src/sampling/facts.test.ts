import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlatSpan } from '../span.ts';
import { addSpanFacts, emptyFacts, eventTimeOf, mergeFacts } from './facts.ts';

function span(attributes: FlatSpan['attributes'], statusCode = 0): FlatSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    name: 'span',
    kind: 1,
    startMs: 0,
    endMs: 1,
    statusCode,
    statusMessage: '',
    serviceName: 'svc',
    scopeName: 'test',
    attributes,
    resourceAttributes: {},
    events: [],
  };
}

const decision = (type: string, extra: FlatSpan['attributes'] = {}) =>
  span({ 'livegrade.decision.type': type, ...extra });

describe('trace facts', () => {
  it('start empty', () => {
    assert.deepEqual(emptyFacts(), {
      error: false,
      fallback: false,
      retried: false,
      guardrail: false,
      minScore: null,
      decisionTypes: [],
      decisionType: '',
      slices: {},
      rootEndMs: null,
      lastEndMs: 0,
    });
  });

  it('count an error or an outcome flag on a span that is not a decision', () => {
    const f = emptyFacts();
    addSpanFacts(f, span({ 'tool.name': 'lookup' }, 2));
    addSpanFacts(f, span({ 'livegrade.outcome.fallback': 'true' }));
    addSpanFacts(f, span({ 'livegrade.outcome.retried': 1 }));
    assert.deepEqual([f.error, f.fallback, f.retried, f.guardrail], [true, true, true, false]);
    assert.equal(f.decisionType, '');
    addSpanFacts(f, span({ 'livegrade.outcome.guardrail': true }));
    assert.equal(f.guardrail, true);
  });

  it('do not read other values as flags', () => {
    const f = emptyFacts();
    addSpanFacts(f, span({ 'livegrade.outcome.fallback': false, 'livegrade.outcome.retried': 'yes' }, 1));
    addSpanFacts(f, span({ 'livegrade.outcome.guardrail': 0 }));
    assert.deepEqual([f.error, f.fallback, f.retried, f.guardrail], [false, false, false, false]);
  });

  it('take the slice from the first decision span, every type, and the lowest score', () => {
    const f = emptyFacts();
    addSpanFacts(f, decision('refund', { 'livegrade.slice.language': 'hi', 'livegrade.decision.score': 0.8 }));
    addSpanFacts(f, decision('triage', { 'livegrade.slice.language': 'en', 'livegrade.decision.score': '0.3' }));
    addSpanFacts(f, decision('refund', { 'livegrade.decision.score': 'n/a' }));
    assert.equal(f.decisionType, 'refund');
    assert.deepEqual(f.slices, { language: 'hi' });
    assert.deepEqual(f.decisionTypes, ['refund', 'triage']);
    assert.equal(f.minScore, 0.3);
  });

  it('ignore a score outside decision spans, and decision spans without a type', () => {
    const f = emptyFacts();
    addSpanFacts(f, span({ 'livegrade.decision.score': 0.1 }));
    addSpanFacts(f, span({ 'livegrade.decision.type': '', 'livegrade.slice.language': 'hi' }));
    assert.equal(f.minScore, null);
    assert.equal(f.decisionType, '');
    assert.deepEqual(f.slices, {});
  });

  it('merge chunks of one trace, the earlier decision keeping the slice', () => {
    const a = emptyFacts();
    addSpanFacts(a, decision('refund', { 'livegrade.slice.language': 'hi', 'livegrade.decision.score': 0.9 }));
    const b = emptyFacts();
    addSpanFacts(b, span({}, 2));
    addSpanFacts(b, decision('triage', { 'livegrade.slice.language': 'en', 'livegrade.decision.score': 0.2 }));
    mergeFacts(a, b);
    assert.deepEqual(a, {
      error: true,
      fallback: false,
      retried: false,
      guardrail: false,
      minScore: 0.2,
      decisionTypes: ['refund', 'triage'],
      decisionType: 'refund',
      slices: { language: 'hi' },
      rootEndMs: 1,
      lastEndMs: 1,
    });
  });

  it('merge into a chunk without a decision takes the later one', () => {
    const a = emptyFacts();
    addSpanFacts(a, span({ 'livegrade.outcome.retried': true }));
    const b = emptyFacts();
    addSpanFacts(b, decision('triage', { 'livegrade.slice.language': 'en' }));
    mergeFacts(a, b);
    assert.equal(a.decisionType, 'triage');
    assert.deepEqual(a.slices, { language: 'en' });
    assert.equal(a.retried, true);
    assert.equal(a.minScore, null);
  });

  describe('event time', () => {
    const T = Date.UTC(2026, 11, 1, 10);
    const at = (endMs: number, parentSpanId: string): FlatSpan => ({ ...span({}), endMs, parentSpanId });

    it("is the root span's end, even when a child ends later or arrives first", () => {
      const child = emptyFacts();
      addSpanFacts(child, at(T + 5_000, 'p'));
      const root = emptyFacts();
      addSpanFacts(root, at(T + 2_000, ''));
      mergeFacts(child, root);
      assert.equal(eventTimeOf(child, T + 60_000), T + 2_000);
    });

    it('is the latest span end for a trace whose root never arrived', () => {
      const f = emptyFacts();
      addSpanFacts(f, at(T + 3_000, 'p'));
      addSpanFacts(f, at(T + 1_000, 'p'));
      assert.equal(eventTimeOf(f, T + 60_000), T + 3_000);
    });

    it('is never after the arrival (a client clock ahead) nor a zero or missing timestamp', () => {
      const ahead = emptyFacts();
      addSpanFacts(ahead, at(T + 7_200_000, ''));
      assert.equal(eventTimeOf(ahead, T), T);
      const zero = emptyFacts();
      addSpanFacts(zero, at(0, ''));
      assert.equal(eventTimeOf(zero, T), T);
      const nan = emptyFacts();
      addSpanFacts(nan, at(Number.NaN, ''));
      assert.equal(eventTimeOf(nan, T), T);
    });
  });
});
