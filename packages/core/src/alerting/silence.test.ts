import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSliceMatcher, silenceMatches, slicePairs } from './silence.ts';
import type { Silence } from './types.ts';

describe('parseSliceMatcher', () => {
  it('gives the canonical form: pairs sorted by dimension, no spaces', () => {
    assert.equal(parseSliceMatcher('language=hi'), 'language=hi');
    assert.equal(parseSliceMatcher(' language = hi , decision_type=refund '), 'decision_type=refund,language=hi');
    assert.equal(parseSliceMatcher('*'), '*');
    assert.equal(parseSliceMatcher('segment='), 'segment=', 'an empty value matches slices missing the dimension');
    assert.equal(parseSliceMatcher('url=a=b'), 'url=a=b', 'a value may hold "="');
  });

  it('names what is wrong', () => {
    assert.throws(() => parseSliceMatcher(''), /empty slice matcher: write "\*" for every slice/);
    assert.throws(() => parseSliceMatcher('hi'), /"hi" is not a dim=value pair/);
    assert.throws(() => parseSliceMatcher('language=hi,'), /"" is not a dim=value pair/);
    assert.throws(() => parseSliceMatcher('9x=1'), /"9x" \(in "9x=1"\) is not a dimension name/);
    assert.throws(() => parseSliceMatcher('language=hi,language=en'), /dimension "language" is given twice/);
  });
});

describe('slicePairs', () => {
  it('splits a slice key into its pairs, keeping a comma inside a value', () => {
    assert.deepEqual(slicePairs('*'), []);
    assert.deepEqual(slicePairs('decision_type=refund,language=hi'), ['decision_type=refund', 'language=hi']);
    assert.deepEqual(slicePairs('decision_type=a,b,language=hi'), ['decision_type=a,b', 'language=hi']);
    assert.deepEqual(slicePairs('intent=a, b,language='), ['intent=a, b', 'language=']);
  });
});

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
  ];
  for (const [name, over, rule, slice, now, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} ${name}`, () => {
      assert.equal(silenceMatches({ ...s, ...over }, rule, slice, now), expected);
    });
  }
});
