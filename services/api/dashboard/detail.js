// @ts-check
// The detail of one slice: its figures, its series against the baseline, its score and
// label distributions, and its recent sampled failures. uPlot (loaded before the modules
// by index.html, a global) draws the charts.

import { formatCount, formatEffect, formatP, formatPercent, formatTick, formatValue, MISSING } from './format.js';
import { esc, fmtTime, notice, sliceHtml, statusBadge, verdictHtml } from './html.js';
import { BASELINE_HINT } from './table.js';

/** @typedef {import('./state.js').State} State */
/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('../src/read-models.ts').SeriesResponse} SeriesResponse */
/** @typedef {import('../src/read-models.ts').DistributionsResponse} DistributionsResponse */
/** @typedef {import('../src/read-models.ts').FailuresResponse} FailuresResponse */
/** @typedef {InstanceType<typeof import('uplot')>} Chart */
/** @typedef {import('uplot').Axis.DynamicValues} AxisValues */

const FAILURES_LIMIT = 20;
const SERIES_HEIGHT = 190;
const SCORE_HEIGHT = 160;

/**
 * @typedef {object} DetailElements
 * @property {HTMLElement} detailEmpty
 * @property {HTMLElement} detail
 * @property {HTMLElement} title
 * @property {HTMLElement} figures
 * @property {HTMLElement & { uplot?: Chart }} seriesChart the test (and the console) read the plotted data from `uplot`
 * @property {HTMLElement} seriesEmpty
 * @property {HTMLElement} scoreChart
 * @property {HTMLElement} labels
 * @property {HTMLElement} distEmpty
 * @property {HTMLElement} failuresEmpty
 * @property {HTMLElement} failuresTable
 * @property {HTMLElement} failures
 */

/** uPlot, read when a chart is drawn: the classic script that defines it runs before the modules */
function uPlot() {
  return /** @type {typeof import('uplot')} */ (
    /** @type {{ uPlot: unknown }} */ (/** @type {unknown} */ (globalThis)).uPlot
  );
}

/** @param {HTMLElement} node */
function chartWidth(node) {
  return Math.max(240, Math.floor(node.getBoundingClientRect().width));
}

/**
 * The detail panel; its charts are its own, destroyed before they are drawn again.
 * @param {DetailElements} el
 * @param {Api} api
 * @param {{ onError: (err: unknown) => void, traceHref: (traceId: string) => string }} hooks
 */
export function createDetail(el, api, { onError, traceHref }) {
  /** @type {{ series: Chart | null, score: Chart | null }} */
  const charts = { series: null, score: null };

  function destroy() {
    charts.series?.destroy();
    charts.score?.destroy();
    charts.series = null;
    charts.score = null;
    el.seriesChart.removeAttribute('data-points');
    el.seriesChart.uplot = undefined;
  }

  /**
   * Loads and draws the open slice; an answer that comes after another load started is dropped.
   * @param {State} state
   */
  async function load(state) {
    const gen = ++state.loads.detail;
    destroy();
    if (!state.slice || !state.list) {
      el.detail.hidden = true;
      el.detailEmpty.hidden = false;
      return;
    }
    el.detailEmpty.hidden = true;
    el.detail.hidden = false;
    renderHead(state);
    const { slice, window, metric } = state;
    const current = () => gen === state.loads.detail;
    /**
     * @template T
     * @param {Promise<T>} promise
     * @param {(data: T) => void} render
     */
    const part = (promise, render) =>
      promise.then((data) => current() && render(data)).catch((err) => current() && onError(err));
    el.detail.setAttribute('aria-busy', 'true');
    await Promise.all([
      part(api.series({ slice, window, metric }), renderSeries),
      part(api.distributions({ slice, window }), renderDistributions),
      part(api.failures({ slice, limit: FAILURES_LIMIT }), renderFailures),
    ]);
    if (current()) el.detail.removeAttribute('aria-busy');
  }

  /**
   * The slice's figures in the window the table shows.
   * @param {State} state
   */
  function renderHead(state) {
    const { metric } = state;
    const r = state.list?.slices.find((x) => x.slice === state.slice);
    el.title.innerHTML = sliceHtml(state.slice);
    if (!r) {
      el.figures.innerHTML = `Not scored in the ${esc(state.window)} window shown.`;
      return;
    }
    const firing = r.firing.length
      ? ` · firing: ${r.firing.map((x) => `<span class="chip firing">${esc(x)}</span>`).join('')}`
      : '';
    el.figures.innerHTML =
      `${statusBadge(r)} <b>${esc(metric)}</b> ${esc(formatValue(metric, r.value))} on n=${formatCount(r.n)}` +
      ` · baseline ${esc(formatValue(metric, r.baseline_value))} on n=${formatCount(r.baseline_n)}` +
      (r.test ? ` · ${esc(r.test)} q=${esc(formatP(r.q_value))}` : '') +
      (r.effect === null ? '' : ` · effect ${esc(formatEffect(metric, r.effect))}`) +
      firing;
  }

  /** @param {SeriesResponse} data */
  function renderSeries(data) {
    const { metric } = data;
    const points = data.points ?? [];
    if (points.length === 0) {
      notice(el.seriesEmpty, `No scored ${esc(data.window)} windows of this slice in the range.`);
      return;
    }
    notice(el.seriesEmpty, '');
    const xs = points.map((p) => Date.parse(p.window_end) / 1000);
    const values = points.map((p) => p.value);
    const baseline = points.map((p) => p.baseline_value);
    const degraded = points.map((p) => (p.degraded ? p.value : null));
    /** @param {unknown} _u @param {number | null} v */
    const fmt = (_u, v) => formatValue(metric, v);
    /** @type {AxisValues} */
    const yTicks = (_u, ticks) => ticks.map((v) => formatTick(metric, v));
    const UPlot = uPlot();
    charts.series = new UPlot(
      {
        width: chartWidth(el.seriesChart),
        height: SERIES_HEIGHT,
        scales: { x: { time: true } },
        series: [
          { label: 'window end', value: (_u, t) => (t === null ? MISSING : fmtTime(new Date(t * 1000).toISOString())) },
          { label: metric, stroke: '#2563eb', width: 2, value: fmt, points: { show: points.length < 60 } },
          { label: 'baseline', stroke: '#6b7280', width: 1.5, dash: [6, 4], value: fmt, points: { show: false } },
          {
            label: 'degraded',
            stroke: '#dc2626',
            fill: '#dc2626',
            value: fmt,
            paths: () => null,
            points: { show: true, size: 9, stroke: '#dc2626', fill: '#dc2626' },
          },
        ],
        axes: [{ values: utcTicks }, { size: 56, values: yTicks }],
      },
      [xs, values, baseline, degraded],
      el.seriesChart,
    );
    el.seriesChart.uplot = charts.series;
    el.seriesChart.dataset.points = String(points.length);
  }

  /** @param {DistributionsResponse} data */
  function renderDistributions(data) {
    const cur = data.score?.current ?? [];
    const base = data.score?.baseline ?? [];
    const curTotal = sum(cur);
    const baseTotal = sum(base);
    const notes = [];
    if (!data.window_end) notes.push('No scored window of this slice yet.');
    if (!data.baseline) notes.push(`No active baseline to compare with: <code>${esc(BASELINE_HINT)}</code>`);
    if (data.window_end && curTotal === 0) notes.push('No decision of this slice carried a score in the window.');
    notice(el.distEmpty, notes.map((n) => `<p>${n}</p>`).join(''));

    if (curTotal > 0 || baseTotal > 0) {
      const bins = data.score.bins || cur.length || base.length;
      const xs = Array.from({ length: bins }, (_, i) => (i + 0.5) / bins);
      /** @param {unknown} _u @param {number | null} v */
      const pct = (_u, v) => formatPercent(v);
      /** @type {AxisValues} */
      const yTicks = (_u, ticks) => ticks.map((v) => formatTick('override_rate', v));
      const UPlot = uPlot();
      charts.score = new UPlot(
        {
          width: chartWidth(el.scoreChart),
          height: SCORE_HEIGHT,
          scales: {
            x: { time: false, range: [0, 1] },
            y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.1] },
          },
          cursor: { points: { show: false } },
          series: [
            { label: 'score', value: (_u, v) => formatValue('score', v) },
            {
              label: 'current',
              fill: 'rgba(37, 99, 235, 0.75)',
              stroke: '#2563eb',
              width: 0,
              value: pct,
              paths: UPlot.paths.bars?.({ size: [0.45, 40], align: -1 }),
              points: { show: false },
            },
            {
              label: 'baseline',
              fill: 'rgba(107, 114, 128, 0.45)',
              stroke: '#6b7280',
              width: 0,
              value: pct,
              paths: UPlot.paths.bars?.({ size: [0.45, 40], align: 1 }),
              points: { show: false },
            },
          ],
          axes: [{ values: (_u, ticks) => ticks.map((v) => formatValue('score', v)) }, { size: 48, values: yTicks }],
        },
        [xs, shares(cur), base.length ? shares(base) : xs.map(() => null)],
        el.scoreChart,
      );
    }
    renderLabels(data.labels?.current ?? {}, data.labels?.baseline ?? {});
  }

  /**
   * Current vs baseline share of each label, the most frequent first.
   * @param {Record<string, number>} current
   * @param {Record<string, number>} baseline
   */
  function renderLabels(current, baseline) {
    const curTotal = sum(Object.values(current));
    const baseTotal = sum(Object.values(baseline));
    const names = [...new Set([...Object.keys(current), ...Object.keys(baseline)])];
    if (names.length === 0) {
      el.labels.innerHTML = '<p class="quiet">No labels in the window.</p>';
      return;
    }
    /** @param {Record<string, number>} o @param {number} total @param {string} k */
    const share = (o, total, k) => (total > 0 ? (o[k] ?? 0) / total : 0);
    names.sort((a, b) => share(current, curTotal, b) - share(current, curTotal, a) || a.localeCompare(b));
    const top = Math.max(
      ...names.map((k) => Math.max(share(current, curTotal, k), share(baseline, baseTotal, k))),
      0.01,
    );
    el.labels.innerHTML = names
      .slice(0, 12)
      .map((k) => {
        const c = share(current, curTotal, k);
        const b = share(baseline, baseTotal, k);
        return (
          `<div class="lbl" data-testid="label-row"><span class="lbl-name" title="${esc(k)}">${esc(k)}</span>` +
          `<span class="lbl-bars"><span class="bar cur" style="width:${((c / top) * 100).toFixed(1)}%"></span>` +
          `<span class="bar base" style="width:${((b / top) * 100).toFixed(1)}%"></span></span>` +
          `<span class="lbl-pct">${formatPercent(c)}<small>${baseTotal > 0 ? formatPercent(b) : MISSING}</small></span></div>`
        );
      })
      .join('');
    el.labels.insertAdjacentHTML(
      'afterbegin',
      '<div class="legend"><span class="key cur"></span>current <span class="key base"></span>baseline</div>',
    );
  }

  /** @param {FailuresResponse} data */
  function renderFailures(data) {
    const rows = data.failures ?? [];
    el.failuresTable.hidden = rows.length === 0;
    notice(
      el.failuresEmpty,
      rows.length === 0
        ? 'No sampled failures of this slice: no kept decision had an error, a fallback, a retry, a low score, an override or a thumbs-down.'
        : '',
    );
    el.failures.innerHTML = rows
      .map(
        (f) =>
          `<tr data-testid="failure-row">` +
          `<td class="time" title="${esc(fmtTime(f.ts))}">${esc(fmtTime(f.ts).slice(5, 19))}</td>` +
          `<td><a class="trace-link" href="${esc(traceHref(f.trace_id))}" data-trace="${esc(f.trace_id)}" data-testid="trace-link" title="${esc(f.trace_id)}">${esc(f.trace_id.slice(0, 10))}…</a></td>` +
          `<td>${esc(f.label)}${f.status_message ? `<div class="err">${esc(f.status_message)}</div>` : ''}</td>` +
          `<td class="num">${esc(formatValue('score', f.score))}</td>` +
          `<td><span class="chip">${esc(f.sample_reason)}</span></td>` +
          `<td><ul class="verdicts">${(f.verdicts ?? []).map((v) => verdictHtml(v, f.label)).join('') || '<li class="quiet">none</li>'}</ul></td>` +
          '</tr>',
      )
      .join('');
  }

  function resize() {
    charts.series?.setSize({ width: chartWidth(el.seriesChart), height: SERIES_HEIGHT });
    charts.score?.setSize({ width: chartWidth(el.scoreChart), height: SCORE_HEIGHT });
  }

  return { load, renderHead, destroy, resize };
}

/**
 * Time-axis ticks in UTC: `05:00`, with the date on the first tick and where the day changes.
 * @type {AxisValues}
 */
function utcTicks(_u, ticks) {
  let day = '';
  return ticks.map((t) => {
    const iso = new Date(t * 1000).toISOString();
    const label = iso.slice(11, 16);
    if (iso.slice(0, 10) === day) return label;
    day = iso.slice(0, 10);
    return `${label}\n${day}`;
  });
}

/** @param {number[]} xs */
function sum(xs) {
  return xs.reduce((a, b) => a + b, 0);
}

/** @param {number[]} counts */
function shares(counts) {
  const total = sum(counts);
  return counts.map((c) => (total > 0 ? c / total : 0));
}
