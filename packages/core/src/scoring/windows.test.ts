import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { windowJobId, windowsDue } from './windows.ts';

const MIN = 60_000;
const config = { interval: MIN, windows: [15 * MIN, 60 * MIN], lag: 30_000, catch_up: 2 };

describe('windows due at a tick', () => {
  it('end at the latest interval boundary at least lag old, and at catch_up boundaries before it, oldest first', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 20); // 20 s past 12:00: 12:00 is not yet 30 s old
    const due = windowsDue(now, config);
    const ends = [...new Set(due.map((w) => new Date(w.end_ms).toISOString()))];
    assert.deepEqual(ends, ['2026-11-23T11:57:00.000Z', '2026-11-23T11:58:00.000Z', '2026-11-23T11:59:00.000Z']);
    assert.equal(due.length, 3 * 2, 'every window length at every end');
    assert.deepEqual(
      windowsDue(now + 10_000, config)
        .map((w) => w.end_ms)
        .at(-1),
      Date.UTC(2026, 10, 23, 12, 0, 0),
      'at 30 s past, 12:00 is due',
    );
  });

  it('name a window the same way on every worker, so its job is queued once', () => {
    const a = windowsDue(Date.UTC(2026, 10, 23, 12, 0, 31), config);
    const b = windowsDue(Date.UTC(2026, 10, 23, 12, 0, 59), config);
    assert.deepEqual(a.map(windowJobId), b.map(windowJobId));
    assert.equal(windowJobId({ window_ms: 15 * MIN, end_ms: 1_795_000_000_000 }), 'window-900000-1795000000000');
    assert.doesNotMatch(windowJobId(a[0]!), /:/, 'BullMQ refuses ":" in job ids');
  });
});
