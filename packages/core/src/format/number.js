// @ts-check
/**
 * How livegrade writes a number for people: the dashboard, the Slack and
 * webhook messages (services/alerter) and the CLI's tables all call these, so
 * a figure reads the same wherever it is seen.
 *
 * Plain JavaScript with JSDoc types, and no imports at run time, on purpose:
 * the API serves this very file to the browser (/dashboard/format.js) as an
 * ES module, so the dashboard runs the same code as Node without a bundler or
 * a build step in between; `// @ts-check` keeps it under the type check.
 *
 * The rules:
 * - missing (null, undefined, NaN, ±Infinity): `n/a`. Plain ASCII, and it cannot be
 *   mistaken for a minus sign or a zero, in a Slack message as in a table.
 * - counts: whole, with thousands separators: `1,234`.
 * - rates (error_rate, override_rate, ...): percentages with one decimal: `12.3%`;
 *   a difference of rates is in percentage points: `+7.8 pp`.
 * - other figures (scores, distances, kappas, ms): three significant digits (`0.123`,
 *   `45.6`, `984`), whole with separators from 1,000 up (`12,346`); latencies add ` ms`.
 * - differences: `+` or `-` (ASCII) in front, none when they round to zero.
 * - p and q values: two significant digits, `<0.0001` below 1e-4.
 * Separators are en-US whatever the viewer's locale, so every reader sees the same text.
 */

/** What stands for a value that is not there. */
export const MISSING = 'n/a';

/** @type {ReadonlySet<string>} */
const RATES = new Set(['error_rate', 'fallback_rate', 'retry_rate', 'thumbs_down_rate', 'override_rate']);

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * @param {unknown} v
 * @returns {v is null | undefined}
 */
export function isMissing(v) {
  return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v));
}

/**
 * Rates are shares of decisions and read as percentages.
 * @param {string} metric (a MetricName; any other name reads as a plain figure)
 */
export function isRateMetric(metric) {
  return RATES.has(metric);
}

/**
 * `1,234`: whole, grouped.
 * @param {number | null | undefined} n
 */
export function formatCount(n) {
  if (isMissing(n)) return MISSING;
  // + 0 turns -0 into 0, which Intl would write as "-0"
  return GROUPED.format(Math.round(n) + 0);
}

/**
 * A figure without a unit: three significant digits, whole and grouped from 1,000 up
 * (`12,346`, not `12300`: the digits a reader sees are the ones that were measured).
 * @param {number | null | undefined} v
 */
export function formatNumber(v) {
  if (isMissing(v)) return MISSING;
  const rounded = Number(v.toPrecision(3));
  if (Math.abs(rounded) >= 1000) return formatCount(v);
  // String(-0) is "0"
  return String(rounded);
}

/**
 * A share as a percentage with one decimal: 0.1234 → `12.3%`.
 * @param {number | null | undefined} share
 */
export function formatPercent(share) {
  if (isMissing(share)) return MISSING;
  return `${fixed1(share * 100)}%`;
}

/**
 * A metric's value: rates as percentages, volume as a count, latencies in ms, the rest as figures.
 * @param {string} metric (a MetricName; any other name reads as a plain figure)
 * @param {number | null | undefined} v
 */
export function formatValue(metric, v) {
  if (isMissing(v)) return MISSING;
  if (isRateMetric(metric)) return formatPercent(v);
  if (metric === 'volume') return formatCount(v);
  if (metric.startsWith('latency_')) return `${formatNumber(v)} ms`;
  return formatNumber(v);
}

/**
 * A difference on the metric's own scale (an effect, a change from the baseline),
 * signed: rates in percentage points (`+7.8 pp`), latencies in ms (`-12 ms`).
 * @param {string} metric (a MetricName; any other name reads as a plain figure)
 * @param {number | null | undefined} v
 */
export function formatEffect(metric, v) {
  if (isMissing(v)) return MISSING;
  if (isRateMetric(metric)) return `${signed(fixed1(v * 100), v)} pp`;
  if (metric === 'volume') return signed(formatCount(v), v);
  if (metric.startsWith('latency_')) return `${signed(formatNumber(v), v)} ms`;
  return signed(formatNumber(v), v);
}

/**
 * p and q values: two significant digits; below 1e-4 more digits say nothing a reader acts on.
 * @param {number | null | undefined} v
 */
export function formatP(v) {
  if (isMissing(v)) return MISSING;
  if (v < 0.0001) return '<0.0001';
  return String(Number(v.toPrecision(2)));
}

/**
 * A chart's axis tick: like formatValue, but a tick needs no unit after the number and
 * a rate axis may step by less than 0.1% (`0.25%`); a missing tick is left blank.
 * @param {string} metric (a MetricName; any other name reads as a plain figure)
 * @param {number | null | undefined} v
 */
export function formatTick(metric, v) {
  if (isMissing(v)) return '';
  if (isRateMetric(metric)) return `${Number((v * 100).toFixed(2)) + 0}%`;
  return formatNumber(v);
}

/**
 * One decimal, and never `-0.0`.
 * @param {number} v
 */
function fixed1(v) {
  const text = v.toFixed(1);
  return text === '-0.0' ? '0.0' : text;
}

/**
 * `+` in front of a positive difference; a difference that rounds to zero has no sign.
 * @param {string} text the difference already formatted (a negative one starts with `-`)
 * @param {number} v
 */
function signed(text, v) {
  if (!/[1-9]/.test(text)) return text.replace('-', '');
  return v > 0 ? `+${text}` : text;
}
