import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeSliceValue, unescapeSliceValue } from './escape.ts';
import { sliceKey, sliceKeyOf, sliceOfPairs } from './key.ts';

describe('sliceKey', () => {
  it('lists decision_type and each dimension, sorted by name', () => {
    assert.equal(sliceKey('refund', { language: 'hi' }, ['language']), 'decision_type=refund,language=hi');
    assert.equal(
      sliceKey('refund', { segment: 'smb', language: 'hi', region: 'eu' }, ['segment', 'language']),
      'decision_type=refund,language=hi,segment=smb',
    );
    assert.equal(sliceKey('refund', { channel: 'web' }, ['channel']), 'channel=web,decision_type=refund');
  });

  it('gives a missing dimension an empty value', () => {
    assert.equal(sliceKey('refund', {}, ['language']), 'decision_type=refund,language=');
    assert.equal(sliceKey('', {}, []), 'decision_type=');
  });

  it('does not repeat a dimension listed twice', () => {
    assert.equal(sliceKey('refund', { language: 'hi' }, ['language', 'language']), 'decision_type=refund,language=hi');
    assert.equal(sliceKey('refund', { decision_type: 'x' }, ['decision_type']), 'decision_type=refund');
  });

  it('a compiled key function matches sliceKey', () => {
    const key = sliceKeyOf(['segment', 'language']);
    assert.equal(key('triage', { language: 'en' }), sliceKey('triage', { language: 'en' }, ['language', 'segment']));
  });

  it('escapes "\\", "," and "=" in values, the decision type included, and nothing else', () => {
    assert.equal(
      sliceKey('a=b', { language: 'x,y', path: 'C:\\d' }, ['path', 'language']),
      'decision_type=a\\=b,language=x\\,y,path=C:\\\\d',
    );
    // keys of ordinary values are what they were before escaping: stored keys stay valid
    assert.equal(
      sliceKey('re fund', { language: 'हिन्दी', x: "o'k;|*" }, ['language', 'x']),
      "decision_type=re fund,language=हिन्दी,x=o'k;|*",
    );
  });
});

describe('escapeSliceValue', () => {
  it('writes "\\", "," and "=" behind a backslash and unescapes back', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['plain', 'plain'],
      ['a,b', 'a\\,b'],
      ['a=b', 'a\\=b'],
      ['a\\b', 'a\\\\b'],
      ['\\,=', '\\\\\\,\\='],
      [',,==\\\\', '\\,\\,\\=\\=\\\\\\\\'],
      ['\\n', '\\\\n'],
    ];
    for (const [value, escaped] of cases) {
      assert.equal(escapeSliceValue(value), escaped, value);
      assert.equal(unescapeSliceValue(escaped), value, escaped);
    }
  });

  it('returns an ordinary value as the same string', () => {
    const v = 'refund';
    assert.equal(escapeSliceValue(v), v);
  });

  it('keeps a backslash that escapes nothing, as keys written before escaping hold it', () => {
    assert.equal(unescapeSliceValue('C:\\dir'), 'C:\\dir');
    assert.equal(unescapeSliceValue('end\\'), 'end\\');
  });
});

describe('sliceOfPairs', () => {
  it('joins pairs in the order given, escaping values; none is "*"', () => {
    assert.equal(sliceOfPairs([]), '*');
    assert.equal(
      sliceOfPairs([
        { dim: 'decision_type', value: 'refund' },
        { dim: 'url', value: 'a,b=c' },
      ]),
      'decision_type=refund,url=a\\,b\\=c',
    );
  });
});
