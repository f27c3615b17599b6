import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silenceMatches } from './silence.ts';
import type { Silence } from './types.ts';

describe('silenceMatches', () => {
  const s: Silence = {
    id: 's1',
    rule: 'overrides',
    slice: 'language=hi',
    starts_at: 1000,
    ends_at: 2000,
    comment: '',
    created_by: 'me',
    created_at: 1000,
  };
  const cases: Array<[string, Partial<Silence>, string, string, number, boolean]> = [
    ['a slice that has the pair', {}, 'overrides', 'decision_type=refund,language=hi', 1500, true],
    ['a slice with another value', {}, 'overrides', 'decision_type=refund,language=en', 1500, false],
    ['the whole traffic, which has no language', {}, 'overrides', '*', 1500, false],
    ['another rule', {}, 'latency', 'language=hi', 1500, false],
    ['any rule', { rule: '*' }, 'latency', 'language=hi', 1500, true],
    ['any slice', { slice: '*' }, 'overrides', '*', 1500, true],
    ['every pair required', { slice: 'decision_type=refund,language=hi' }, 'overrides', 'language=hi', 1500, false],
    ['from starts_at', {}, 'overrides', 'language=hi', 1000, true],
    ['before starts_at', {}, 'overrides', 'language=hi', 999, false],
    ['until just before ends_at', {}, 'overrides', 'language=hi', 1999, true],
    ['not at ends_at', {}, 'overrides', 'language=hi', 2000, false],
    ['a value that only starts the same', {}, 'overrides', 'language=hindi', 1500, false],
    ['an escaped value, pair for pair', { slice: 'url=a\\,b\\=c' }, 'overrides', 'lang=x,url=a\\,b\\=c', 1500, true],
    ['not a value that holds the pair', { slice: 'b=c' }, 'overrides', 'url=a\\,b\\=c', 1500, false],
  ];
  for (const [name, over, rule, slice, now, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} ${name}`, () => {
      assert.equal(silenceMatches({ ...s, ...over }, rule, slice, now), expected);
    });
  }
});
