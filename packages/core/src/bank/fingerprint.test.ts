import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { caseId, normaliseInput } from './fingerprint.ts';

describe('normaliseInput', () => {
  it('folds letter case, whitespace runs and compatibility forms of text', () => {
    assert.equal(normaliseInput('  Where is   my\tREFUND?\n'), 'where is my refund?');
    // full-width letters and a non-breaking space are the same text once NFKC-normalised
    assert.equal(normaliseInput('Ｒｅｆｕｎｄ\u00a0now'), 'refund now');
  });

  it('makes JSON inputs independent of key order and formatting, normalising string values', () => {
    const a = normaliseInput('{"order": 42, "question": "Where is my  Refund?", "items": ["A", " b"]}');
    const b = normaliseInput('{"items":["a","B"],"question":"where is my refund?","order":42}');
    assert.equal(a, b);
    assert.equal(a, '{"items":["a","b"],"order":42,"question":"where is my refund?"}');
  });

  it('keeps key names as written: they are a schema', () => {
    assert.notEqual(normaliseInput('{"Order":1}'), normaliseInput('{"order":1}'));
  });

  it('treats text that only looks like JSON as text', () => {
    assert.equal(normaliseInput('{not json  AT all'), '{not json at all');
    assert.equal(normaliseInput('"Quoted"'), '"quoted"');
  });
});

describe('caseId', () => {
  it('is c + the first 16 hex digits of sha256(type, newline, normalised input)', () => {
    const expected = `c${createHash('sha256').update('refund\nwhere is my refund?').digest('hex').slice(0, 16)}`;
    assert.equal(caseId('refund', 'Where is my refund?'), expected);
    assert.match(expected, /^c[0-9a-f]{16}$/);
  });

  it('merges inputs that differ only in case and whitespace', () => {
    assert.equal(caseId('refund', 'Where is my refund?'), caseId('refund', '  where IS my\n refund?'));
    assert.equal(caseId('refund', '{"q":"Hi","n":1}'), caseId('refund', '{ "n": 1, "q": "hi" }'));
  });

  it('keeps apart inputs that differ in words, numbers or punctuation, and decision types', () => {
    const base = caseId('refund', 'refund order 42');
    assert.notEqual(base, caseId('refund', 'refund order 43'));
    assert.notEqual(base, caseId('refund', 'refund order 42!'));
    assert.notEqual(base, caseId('refund', 'cancel order 42'));
    assert.notEqual(base, caseId('change_address', 'refund order 42'));
    assert.notEqual(caseId('refund', '{"n":1}'), caseId('refund', '{"n":"1"}'));
  });
});
