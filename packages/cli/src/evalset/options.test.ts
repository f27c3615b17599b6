import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../usage.ts';
import { parseExportOptions } from './options.ts';

const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const base = { name: 'support-v1', out: 'evals/' };

function refused(flags: Record<string, string | boolean>, message: RegExp) {
  assert.throws(
    () => parseExportOptions({ ...base, ...flags }, NOW),
    (err: Error) => err instanceof UsageError && message.test(err.message),
    JSON.stringify(flags),
  );
}

describe('evalset export options', () => {
  it('fills the defaults and resolves the window to the last 30 days', () => {
    const o = parseExportOptions(base, NOW);
    assert.deepEqual(o, {
      name: 'support-v1',
      out: 'evals/',
      from: NOW - 30 * DAY,
      to: NOW,
      seed: 42,
      perSlice: undefined,
      hardShare: undefined,
      holdout: undefined,
      sliceBy: undefined,
      rotate: undefined,
    });
  });

  it('reads every flag it is given', () => {
    const o = parseExportOptions(
      {
        ...base,
        'per-slice': '5',
        'hard-share': '1',
        holdout: '0',
        seed: '4294967295',
        from: '2026-11-01T00:00:00Z',
        to: 'now-1d',
        'slice-by': 'segment, language,decision_type,language',
        'rotate-from': 'evals/v0.manifest.json',
        fraction: '1',
      },
      NOW,
    );
    assert.equal(o.perSlice, 5);
    assert.equal(o.hardShare, 1);
    assert.equal(o.holdout, 0);
    assert.equal(o.seed, 4294967295);
    assert.equal(o.from, Date.UTC(2026, 10, 1));
    assert.equal(o.to, NOW - DAY);
    assert.deepEqual(o.sliceBy, ['segment', 'language']);
    assert.deepEqual(o.rotate, { manifest: 'evals/v0.manifest.json', fraction: 1 });
    assert.deepEqual(parseExportOptions({ ...base, 'slice-by': '' }, NOW).sliceBy, []);
  });

  it('names each bad flag and what it takes', () => {
    refused(
      { 'per-slice': '0' },
      /--per-slice 0 is outside \[1, 1000000\]: it takes a whole number of items per slice, 1 or more/,
    );
    refused({ 'per-slice': '2.5' }, /--per-slice 2\.5 is not a whole number: it takes a whole number/);
    refused({ 'per-slice': 'many' }, /--per-slice "many" is not a number/);
    refused({ 'per-slice': '' }, /--per-slice "" is not a number/);
    refused({ 'hard-share': '1.5' }, /--hard-share 1\.5 is outside \[0, 1\]/);
    refused({ 'hard-share': 'NaN' }, /--hard-share "NaN" is not a number/);
    refused({ holdout: '-0.1' }, /--holdout -0\.1 is outside \[0, 1\]/);
    refused({ seed: '-1' }, /--seed -1 is outside \[0, 4294967295\]: it takes a whole number from 0 to 4294967295/);
    refused({ seed: '1.5' }, /--seed 1\.5/);
    refused({ fraction: '0.2' }, /--fraction is the share of dev items a rotation replaces: it needs --rotate-from/);
    refused({ 'rotate-from': 'm.json' }, /--rotate-from needs --fraction/);
    refused({ 'rotate-from': 'm.json', fraction: '0' }, /--fraction 0 is outside \(0, 1\]/);
    refused({ 'rotate-from': 'm.json', fraction: '1.2' }, /--fraction 1\.2 is outside \(0, 1\]/);
    refused({ from: 'yesterday' }, /--from "yesterday" is not a time/);
    refused({ from: 'now', to: 'now-1d' }, /--from .* must be before --to/);
    refused({ 'slice-by': 'lang uage' }, /--slice-by: "lang uage" is not a slice dimension/);
    refused({ name: '../x' }, /--name "\.\.\/x" is not valid/);
    assert.throws(() => parseExportOptions({ out: 'x' }, NOW), /--name is required/);
    assert.throws(() => parseExportOptions({ name: 'x' }, NOW), /--out is required/);
  });
});
