import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliceKey, sliceKeyOf } from './slice-key.ts';

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
});
