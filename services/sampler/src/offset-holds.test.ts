import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetHolds } from './offset-holds.ts';

describe('offset holds', () => {
  it('commits up to the oldest held offset, then past everything read once released', () => {
    const h = new OffsetHolds();
    assert.equal(h.committable(0), undefined, 'nothing read yet: nothing to commit');
    const a = h.hold(0, 10);
    const b = h.hold(0, 11);
    const b2 = h.hold(0, 11); // a second trace in the same message
    const c = h.hold(0, 12);
    h.markRead(0, 13);
    assert.equal(h.committable(0), 10);
    h.release(b);
    h.release(c);
    assert.equal(h.committable(0), 10, 'released out of order: still held by 10');
    h.release(a);
    assert.equal(h.committable(0), 11, 'message 11 still holds one trace');
    h.release(b2);
    assert.equal(h.committable(0), 13);
  });

  it('keeps partitions apart', () => {
    const h = new OffsetHolds();
    h.hold(0, 5);
    h.markRead(0, 6);
    h.markRead(1, 40);
    assert.equal(h.committable(0), 5);
    assert.equal(h.committable(1), 40);
    assert.deepEqual(h.partitionIds().sort(), [0, 1]);
  });

  it('ignores a release from before a reset', () => {
    const h = new OffsetHolds();
    const stale = h.hold(0, 3);
    h.reset();
    const fresh = h.hold(0, 3);
    h.markRead(0, 4);
    h.release(stale);
    assert.equal(h.committable(0), 3, 'the hold taken after the reset still counts');
    h.release(fresh);
    assert.equal(h.committable(0), 4);
  });

  it('stays correct over many holds (the FIFO compacts)', () => {
    const h = new OffsetHolds();
    const tokens = Array.from({ length: 10_000 }, (_, i) => h.hold(2, i));
    h.markRead(2, 10_000);
    for (let i = 0; i < 9_000; i++) h.release(tokens[i]!);
    assert.equal(h.committable(2), 9_000);
    for (let i = 9_999; i >= 9_000; i--) h.release(tokens[i]!);
    assert.equal(h.committable(2), 10_000);
  });
});
