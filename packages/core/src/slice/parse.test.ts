import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliceKey, sliceOfPairs } from './key.ts';
import { slicePairs } from './parse.ts';

const NASTY = [
  '',
  'a,b',
  'a=b',
  '=',
  ',',
  '\\',
  '\\\\',
  'x\\',
  '\\,',
  '\\=',
  'a,language=en',
  'url=a=b,c',
  ',=\\,=\\',
  'हिन्दी',
  '日本語,中文=🙂',
  ' spaced , out ',
  "o'brien",
];

describe('slicePairs', () => {
  it('splits a key into its pairs in key order; "*" has none', () => {
    assert.deepEqual(slicePairs('*'), []);
    assert.deepEqual(slicePairs(''), []);
    assert.deepEqual(slicePairs('decision_type=refund,language=hi'), [
      { dim: 'decision_type', value: 'refund' },
      { dim: 'language', value: 'hi' },
    ]);
    assert.deepEqual(slicePairs('language='), [{ dim: 'language', value: '' }]);
  });

  it('unescapes values and splits only at unescaped "," and "="', () => {
    assert.deepEqual(slicePairs('decision_type=a\\,language\\=en,language=hi'), [
      { dim: 'decision_type', value: 'a,language=en' },
      { dim: 'language', value: 'hi' },
    ]);
    assert.deepEqual(slicePairs('p=\\\\,q=\\\\\\,'), [
      { dim: 'p', value: '\\' },
      { dim: 'q', value: '\\,' },
    ]);
  });

  it('reads a key written before escaping: an unescaped "=" or "," stays in the value', () => {
    assert.deepEqual(slicePairs('url=a=b'), [{ dim: 'url', value: 'a=b' }]);
    assert.deepEqual(slicePairs('decision_type=a,b,language=hi'), [
      { dim: 'decision_type', value: 'a,b' },
      { dim: 'language', value: 'hi' },
    ]);
    assert.deepEqual(slicePairs('intent=a, b,language='), [
      { dim: 'intent', value: 'a, b' },
      { dim: 'language', value: '' },
    ]);
  });

  it('refuses a key that does not start with a pair', () => {
    assert.throws(() => slicePairs('hi'), /"hi" in slice "hi" is not a dim=value pair/);
    assert.throws(() => slicePairs('a\\=b,c=d'), /"a\\=b" in slice/);
  });
});

describe('slice keys round-trip', () => {
  const sliceBy = ['language', 'path'];
  for (const value of NASTY) {
    it(`build → parse → build keeps ${JSON.stringify(value)}`, () => {
      const key = sliceKey(value, { language: value, path: `${value}/${value}` }, sliceBy);
      const pairs = slicePairs(key);
      assert.deepEqual(pairs, [
        { dim: 'decision_type', value },
        { dim: 'language', value },
        { dim: 'path', value: `${value}/${value}` },
      ]);
      assert.equal(sliceOfPairs(pairs), key);
    });
  }

  it('gives distinct keys to values that a plain join confuses', () => {
    // unescaped, both were "decision_type=x,language=a,language=b"
    const a = sliceKey('x', { language: 'a,language=b' }, ['language']);
    const b = sliceKey('x,language=a', { language: 'b' }, ['language']);
    assert.notEqual(a, b);
    assert.equal(slicePairs(a)[1]!.value, 'a,language=b');
    assert.equal(slicePairs(b)[0]!.value, 'x,language=a');
  });
});
