import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliceKey } from './key.ts';
import { parseSliceMatcher, sliceMatches } from './match.ts';

describe('parseSliceMatcher', () => {
  it('gives the canonical form: pairs sorted by dimension, no spaces', () => {
    assert.equal(parseSliceMatcher('language=hi'), 'language=hi');
    assert.equal(parseSliceMatcher(' language = hi , decision_type=refund '), 'decision_type=refund,language=hi');
    assert.equal(parseSliceMatcher('*'), '*');
    assert.equal(parseSliceMatcher('  * '), '*');
    assert.equal(parseSliceMatcher('segment='), 'segment=', 'an empty value matches slices missing the dimension');
  });

  it('takes "=" in a value as is and "\\," for a comma, giving the key the scorer writes', () => {
    assert.equal(parseSliceMatcher('url=a=b'), 'url=a\\=b');
    assert.equal(parseSliceMatcher('url=a\\=b'), 'url=a\\=b');
    assert.equal(parseSliceMatcher('intent=a\\, b, language=hi'), 'intent=a\\, b,language=hi');
    assert.equal(parseSliceMatcher('path=C:\\\\dir'), 'path=C:\\\\dir');
    assert.equal(parseSliceMatcher('path=C:\\dir'), 'path=C:\\\\dir', 'a backslash that escapes nothing is itself');
    const key = sliceKey('a,b=c', { language: 'हि,=\\' }, ['language']);
    assert.equal(parseSliceMatcher(key), key, 'a slice key is its own matcher');
  });

  it('names what is wrong', () => {
    assert.throws(() => parseSliceMatcher(''), /empty slice matcher: write "\*" for every slice/);
    assert.throws(() => parseSliceMatcher('hi'), /"hi" is not a dim=value pair/);
    assert.throws(() => parseSliceMatcher('language=hi,'), /"" is not a dim=value pair/);
    assert.throws(() => parseSliceMatcher('language=a,b'), /"b" is not a dim=value pair.*"\\,"/);
    assert.throws(() => parseSliceMatcher('9x=1'), /"9x" \(in "9x=1"\) is not a dimension name/);
    assert.throws(() => parseSliceMatcher('a\\=b=1'), /"a\\=b" .* is not a dimension name/);
    assert.throws(() => parseSliceMatcher('language=hi,language=en'), /dimension "language" is given twice/);
  });
});

describe('sliceMatches', () => {
  const key = sliceKey('refund', { language: 'hi', url: 'a,b=c' }, ['language', 'url']);
  const cases: Array<[string, boolean]> = [
    ['*', true],
    ['language=hi', true],
    ['decision_type=refund,language=hi', true],
    [parseSliceMatcher('url=a\\,b=c'), true],
    [key, true],
    ['language=en', false],
    ['language=h', false],
    ['segment=', false],
    // the pieces a plain split of the value would give
    ['url=a', false],
    ['b=c', false],
  ];
  for (const [matcher, expected] of cases) {
    it(`${matcher} ${expected ? 'matches' : 'does not match'} ${key}`, () => {
      assert.equal(sliceMatches(matcher, key), expected);
    });
  }

  it('matches only the whole traffic, or every slice with "*"', () => {
    assert.equal(sliceMatches('*', '*'), true);
    assert.equal(sliceMatches('language=hi', '*'), false);
  });
});
