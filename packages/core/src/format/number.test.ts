import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  formatCount,
  formatEffect,
  formatNumber,
  formatP,
  formatPercent,
  formatTick,
  formatValue,
  isMissing,
  isRateMetric,
  MISSING,
} from '../index.ts';

// Fixed strings: these are what a Slack message, a CLI table and the dashboard show.

describe('number format', () => {
  it('writes every missing value the same way', () => {
    assert.equal(MISSING, 'n/a');
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.equal(isMissing(v), true, String(v));
      assert.equal(formatCount(v), 'n/a');
      assert.equal(formatNumber(v), 'n/a');
      assert.equal(formatPercent(v), 'n/a');
      assert.equal(formatValue('override_rate', v), 'n/a');
      assert.equal(formatValue('volume', v), 'n/a');
      assert.equal(formatEffect('latency_p95', v), 'n/a');
      assert.equal(formatP(v), 'n/a');
      assert.equal(formatTick('override_rate', v), '', 'an axis leaves a missing tick blank');
    }
    assert.equal(isMissing(0), false);
  });

  it('groups counts by thousands and writes them whole', () => {
    assert.deepEqual(
      [0, 7, 987, 1234, 10_000, 1_234_567, 1234.6, -0].map((n) => formatCount(n)),
      ['0', '7', '987', '1,234', '10,000', '1,234,567', '1,235', '0'],
    );
  });

  it('writes rates as percentages with one decimal', () => {
    assert.deepEqual(
      [0, 0.05, 0.123, 0.1234, 0.45, 1, 0.99996, -0.00001].map((v) => formatPercent(v)),
      ['0.0%', '5.0%', '12.3%', '12.3%', '45.0%', '100.0%', '100.0%', '0.0%'],
    );
    for (const m of ['error_rate', 'fallback_rate', 'retry_rate', 'thumbs_down_rate', 'override_rate']) {
      assert.equal(isRateMetric(m), true, m);
      assert.equal(formatValue(m, 0.257), '25.7%');
    }
    assert.equal(isRateMetric('model_kappa'), false);
  });

  it('writes other figures to three significant digits, and whole from 1,000 up', () => {
    assert.deepEqual(
      [0, 0.8, 0.12, 0.1234, 0.001234, 45.64, 984.4, 999.6, 12_345.6, -0.0004].map((v) => formatNumber(v)),
      ['0', '0.8', '0.12', '0.123', '0.00123', '45.6', '984', '1,000', '12,346', '-0.0004'],
    );
  });

  it('writes a metric value on its own scale', () => {
    assert.equal(formatValue('override_rate', 0.123), '12.3%');
    assert.equal(formatValue('volume', 12_345), '12,345');
    assert.equal(formatValue('latency_p95', 1234), '1,234 ms');
    assert.equal(formatValue('latency_p50', 45.64), '45.6 ms');
    assert.equal(formatValue('score_ks', 0.12), '0.12');
    assert.equal(formatValue('model_kappa', 0.8123), '0.812');
  });

  it('signs differences, in percentage points for rates, and drops the sign of a zero', () => {
    assert.equal(formatEffect('override_rate', 0.078), '+7.8 pp');
    assert.equal(formatEffect('override_rate', -0.05), '-5.0 pp');
    assert.equal(formatEffect('override_rate', 0.00004), '0.0 pp');
    assert.equal(formatEffect('override_rate', -0.00004), '0.0 pp');
    assert.equal(formatEffect('volume', 1500), '+1,500');
    assert.equal(formatEffect('volume', -20), '-20');
    assert.equal(formatEffect('latency_p95', 984.2), '+984 ms');
    assert.equal(formatEffect('latency_p95', -12_345), '-12,345 ms');
    assert.equal(formatEffect('score_ks', 0.4), '+0.4');
    assert.equal(formatEffect('score_ks', 0), '0');
  });

  it('writes p and q values to two significant digits, with a floor', () => {
    assert.deepEqual(
      [1, 0.5, 0.049, 0.12345, 0.0031, 0.0001, 0.00009, 1e-9, 0].map((v) => formatP(v)),
      ['1', '0.5', '0.049', '0.12', '0.0031', '0.0001', '<0.0001', '<0.0001', '<0.0001'],
    );
  });

  it('writes axis ticks without losing a rate axis step finer than 0.1%', () => {
    assert.deepEqual(
      [0, 0.0025, 0.05, 0.5].map((v) => formatTick('override_rate', v)),
      ['0%', '0.25%', '5%', '50%'],
    );
    assert.equal(formatTick('volume', 1500), '1,500');
    assert.equal(formatTick('latency_p95', 250), '250');
  });

  it('is a module the browser can load as it is: no imports, type-checked', () => {
    const source = readFileSync(new URL('./number.js', import.meta.url), 'utf8');
    assert.match(source, /^\/\/ @ts-check\n/);
    assert.doesNotMatch(source, /^\s*import\s/m, 'no import statements');
    assert.doesNotMatch(source, /\bimport\(/, 'no import() calls or import() types');
    assert.doesNotMatch(source, /\brequire\(|\bprocess\.|\bBuffer\b/, 'nothing only Node has');
  });
});
