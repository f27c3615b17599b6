import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationFlag, numberFlag, parseTime } from './flags.ts';
import { UsageError } from './usage.ts';

const refused = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (err: Error) => err instanceof UsageError && message.test(err.message));

describe('flags', () => {
  const share = { min: 0, max: 1, what: 'a share from 0 to 1' };

  it('reads a number flag within its range, and nothing when it was not given', () => {
    assert.equal(numberFlag({ bar: '0.8' }, 'bar', share), 0.8);
    assert.equal(numberFlag({ bar: ' 1 ' }, 'bar', share), 1);
    assert.equal(numberFlag({ bar: '0' }, 'bar', share), 0);
    assert.equal(numberFlag({}, 'bar', share), undefined);
  });

  it('names the flag, the value and what it takes', () => {
    refused(
      () => numberFlag({ bar: 'high' }, 'bar', share),
      /^--bar "high" is not a number: it takes a share from 0 to 1$/,
    );
    refused(() => numberFlag({ bar: '' }, 'bar', share), /--bar "" is not a number/);
    refused(() => numberFlag({ bar: '1.01' }, 'bar', share), /^--bar 1\.01 is outside \[0, 1\]: it takes a share/);
    const k = { min: 1, max: 100, integer: true, what: 'runs per case' };
    refused(() => numberFlag({ k: '2.5' }, 'k', k), /^--k 2\.5 is not a whole number: it takes runs per case$/);
    refused(() => numberFlag({ k: '0' }, 'k', k), /^--k 0 is outside \[1, 100\]/);
    const fraction = { ...share, aboveMin: true };
    refused(() => numberFlag({ f: '0' }, 'f', fraction), /^--f 0 is outside \(0, 1\]/);
    assert.equal(numberFlag({ f: '1' }, 'f', fraction), 1);
  });

  it('reads a duration flag within its bounds', () => {
    assert.equal(durationFlag({ timeout: '2s' }, 'timeout', { min: 1, max: 600_000 }), 2000);
    refused(() => durationFlag({ timeout: '2' }, 'timeout', { min: 1, max: 600_000 }), /--timeout "2": use a duration/);
    refused(() => durationFlag({ timeout: '11m' }, 'timeout', { min: 1, max: 600_000 }), /outside \[1ms, 600000ms\]/);
  });

  it('reads times as ISO 8601 with a zone, now, or now minus a duration', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    assert.equal(parseTime('now', '--to', now), now);
    assert.equal(parseTime('now-90m', '--from', now), now - 90 * 60_000);
    assert.equal(parseTime('2026-11-20T00:00:00+01:00', '--from', now), Date.UTC(2026, 10, 19, 23));
    refused(() => parseTime('2026-11-20T00:00:00', '--from', now), /has no time zone/);
    refused(() => parseTime('yesterday', '--from', now), /"yesterday" is not a time/);
  });
});
