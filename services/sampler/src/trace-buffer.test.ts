import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyFacts } from '@livegrade/core';
import { OffsetHolds } from './offset-holds.ts';
import { type Pending, TraceBuffer, type TraceChunk } from './trace-buffer.ts';

const opts = { decisionWaitMs: 5_000, orphanWaitMs: 30_000, maxTraces: 3, maxRemembered: 4 };

function chunk(traceId: string, hasRoot: boolean, span = `${traceId}-span`): TraceChunk {
  return {
    traceId,
    facts: emptyFacts(),
    otlp: Buffer.from(span),
    spanCount: 1,
    firstSpanId: span,
    startMs: 0,
    decisions: [],
    hasRoot,
  };
}

const spansOf = (p: Pending | undefined) => p?.otlp.map((b) => b.toString());

describe('trace buffer', () => {
  const holds = new OffsetHolds();
  const hold = (offset: number) => holds.hold(0, offset);

  it('holds a trace until its root has ended plus decision_wait', () => {
    const b = new TraceBuffer(opts);
    b.add(0, chunk('t1', false, 'child'), hold(1), 1_000, false);
    assert.deepEqual(b.takeDue(20_000), [], 'no root yet, not an orphan yet');
    b.add(0, chunk('t1', true, 'root'), hold(2), 20_000, false);
    assert.deepEqual(b.takeDue(24_999), []);
    const [t1] = b.takeDue(25_000);
    assert.equal(t1?.traceId, 't1');
    assert.deepEqual(spansOf(t1), ['child', 'root'], 'spans of both messages, in order');
    assert.equal(t1?.holds.length, 2);
    assert.equal(b.size, 0);
  });

  it('decides a trace whose root never comes after the orphan wait', () => {
    const b = new TraceBuffer(opts);
    b.add(0, chunk('orphan', false), hold(1), 0, false);
    assert.deepEqual(b.takeDue(29_999), []);
    assert.equal(b.takeDue(30_000)[0]?.traceId, 'orphan');
  });

  it('decides the oldest traces early beyond max_buffered_traces', () => {
    const b = new TraceBuffer(opts);
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) b.add(0, chunk(id, false), hold(i), i, false);
    const early = b.takeOverflow();
    assert.deepEqual(
      early.map((p) => p.traceId),
      ['a', 'b'],
    );
    assert.ok(early.every((p) => p.early));
    assert.equal(b.size, 3);
  });

  it('sends chunks that arrive after the decision to follow it, not to a second decision', () => {
    const b = new TraceBuffer(opts);
    b.add(0, chunk('t', true), hold(1), 0, false);
    const [taken] = b.takeDue(5_000);
    // still being decided: a late chunk joins the trace
    const during = b.add(0, chunk('t', false, 'late-1'), hold(2), 5_001, false);
    assert.equal(during.kind, 'buffered');
    assert.deepEqual(spansOf(taken), ['t-span', 'late-1']);
    b.settle(taken!, { sampled: true, reason: 'stratified', weight: 4 });
    const after = b.add(0, chunk('t', false, 'late-2'), hold(3), 6_000, false);
    assert.equal(after.kind, 'follows');
    assert.deepEqual(after.pending.decision, { sampled: true, reason: 'stratified', weight: 4 });
    assert.deepEqual(spansOf(after.pending), ['late-2']);
    assert.equal(b.size, 0, 'nothing buffered again');
  });

  it('forgets the oldest decisions beyond maxRemembered', () => {
    const b = new TraceBuffer(opts);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      b.add(0, chunk(id, true), hold(0), 0, false);
      const [p] = b.takeDue(10_000);
      b.settle(p!, { sampled: false, reason: '', weight: 0 });
    }
    assert.equal(b.add(0, chunk('a', true), hold(1), 11_000, false).kind, 'buffered', 'a was forgotten');
    assert.equal(b.add(0, chunk('e', true), hold(1), 11_000, false).kind, 'follows');
  });

  it('drops buffered traces on reassignment and remembers decisions of partitions it keeps', () => {
    const b = new TraceBuffer(opts);
    b.add(0, chunk('kept-partition', true), hold(0), 0, false);
    b.add(1, chunk('moved-partition', true), holds.hold(1, 0), 0, false);
    for (const p of b.takeDue(10_000)) b.settle(p, { sampled: false, reason: '', weight: 0 });
    b.add(0, chunk('undecided', false), hold(1), 10_000, false);
    b.reassign(new Set([0]));
    assert.equal(b.size, 0, 'undecided traces are read again from the committed offset');
    assert.equal(b.add(0, chunk('kept-partition', false), hold(2), 11_000, false).kind, 'follows');
    assert.equal(b.add(1, chunk('moved-partition', false), holds.hold(1, 1), 11_000, false).kind, 'buffered');
  });

  it('forgets traces taken out for a decision that never came (a dropped round) on reassignment', () => {
    const b = new TraceBuffer(opts);
    b.add(0, chunk('dropped', true), hold(0), 0, false);
    const [taken] = b.takeDue(10_000);
    assert.equal(taken?.traceId, 'dropped');
    // the writer dropped the round (a handover ran out of time): no settle()
    b.reassign(new Set([0]));
    const again = b.add(0, chunk('dropped', true), hold(1), 11_000, false);
    assert.equal(again.kind, 'buffered');
    assert.notEqual(again.pending, taken, 'read again into a trace of its own, not the dropped round');
    assert.deepEqual(
      b.takeDue(20_000).map((p) => p.traceId),
      ['dropped'],
      'and decided',
    );
  });
});
