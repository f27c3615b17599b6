// @ts-check
// The header (pickers, scope), the alert chips and the table of slices, worst first.

import { formatCount, formatEffect, formatNumber, formatP, formatValue, isMissing } from './format.js';
import { esc, fmtRange, fmtTime, notice, sliceHtml, statusBadge } from './html.js';

/** @typedef {import('./state.js').State} State */
/** @typedef {import('../src/read-models.ts').SlicesResponse} SlicesResponse */
/** @typedef {import('../src/read-models.ts').AlertView} AlertView */

/**
 * @typedef {object} TableElements
 * @property {HTMLSelectElement} window
 * @property {HTMLSelectElement} metric
 * @property {HTMLElement} scope
 * @property {HTMLElement} alerts
 * @property {HTMLElement} count
 * @property {HTMLElement} slicesEmpty
 * @property {HTMLElement} rows
 */

export const BASELINE_HINT = 'npx livegrade baseline register --name v1 --from now-7d --to now-1d --activate';

/**
 * @param {TableElements} el
 * @param {SlicesResponse} list
 * @param {State} state
 */
export function renderPickers(el, list, state) {
  el.window.innerHTML = list.windows.map((w) => `<option value="${esc(w)}">${esc(w)}</option>`).join('');
  el.metric.innerHTML = list.metrics.map((m) => `<option value="${esc(m)}">${esc(m)}</option>`).join('');
  el.window.value = state.window;
  el.metric.value = state.metric;
  el.window.disabled = false;
  el.metric.disabled = false;
}

/**
 * The window shown and its baseline, or what to do when there is nothing to show.
 * @param {TableElements} el
 * @param {SlicesResponse} l
 */
export function renderScope(el, l) {
  const parts = [];
  // the baseline is the one the window's rows were compared with: unknown until a window is scored
  if (l.window_end) {
    parts.push(`window ${esc(fmtRange(l.window_start, l.window_end))}`);
    parts.push(l.baseline ? `baseline <b>${esc(l.baseline)}</b>` : 'no baseline');
  }
  el.scope.innerHTML = parts.join(' · ');

  const notes = [];
  if (!l.window_end) {
    notes.push(
      `No ${esc(l.window)} window is scored yet. The scorer scores each window once it has ended, at every ` +
        '<code>scoring.interval</code> (after <code>scoring.lag</code>): send traffic and this table fills in.',
    );
  } else if (l.total === 0) {
    notes.push(`The ${esc(l.window)} window ${esc(fmtRange(l.window_start, l.window_end))} has no scored slices.`);
  }
  if (l.window_end && !l.baseline) {
    notes.push(
      'No active baseline, so nothing is compared and no slice can be degraded. Register one over a normal period: ' +
        `<code>${esc(BASELINE_HINT)}</code>`,
    );
  }
  notice(el.slicesEmpty, notes.map((n) => `<p>${n}</p>`).join(''));
}

/**
 * One chip per firing or pending alert; a click opens its slice (main.js listens).
 * @param {TableElements} el
 * @param {State} state
 */
export function renderAlerts(el, state) {
  if (state.alertsError) {
    el.alerts.innerHTML = `<span class="err">Alerts could not be loaded: ${esc(state.alertsError)}</span>`;
    return;
  }
  const firing = state.alerts.filter((a) => a.state === 'firing');
  const pending = state.alerts.filter((a) => a.state === 'pending');
  if (firing.length === 0 && pending.length === 0) {
    el.alerts.innerHTML = '<span class="quiet" data-testid="alerts-none">No alerts firing.</span>';
    return;
  }
  el.alerts.innerHTML =
    `<span class="label">${firing.length} firing</span>` +
    firing.map(alertChip).join('') +
    (pending.length
      ? `<span class="label pending">${pending.length} pending</span>${pending.map(alertChip).join('')}`
      : '');
}

/**
 * An alert does not say its rule's metric, so its figures are plain numbers.
 * @param {AlertView} a
 */
function alertChip(a) {
  const last = a.last;
  const value = last && !isMissing(last.value) ? ` · ${formatNumber(last.value)}` : '';
  const base = last && !isMissing(last.baseline_value) ? ` (baseline ${formatNumber(last.baseline_value)})` : '';
  const since = a.fired_at ? ` · since ${esc(fmtTime(new Date(a.fired_at).toISOString()).slice(5, 16))}` : '';
  return (
    `<button type="button" class="alert ${esc(a.state)} sev-${esc(a.severity ?? 'none')}" data-slice="${esc(a.slice)}" data-testid="alert">` +
    `<b>${esc(a.rule)}</b> ${sliceHtml(a.slice)}${esc(value)}${esc(base)}${since}</button>`
  );
}

/**
 * The change from the baseline, on the metric's scale; blank when either side is missing.
 * @param {string} metric
 * @param {number | null} value
 * @param {number | null} baseline
 */
export function fmtChange(metric, value, baseline) {
  if (value === null || baseline === null) return '';
  return formatEffect(metric, value - baseline);
}

/**
 * Every row in one string and one innerHTML, into a table of fixed layout: the
 * browser parses and lays out 1,000 rows once, and no row has a listener.
 * @param {TableElements} el
 * @param {SlicesResponse} list
 * @param {State} state
 */
export function renderSlices(el, list, state) {
  const { slices, metric, total } = list;
  const filter = state.filter.trim().toLowerCase();
  const html = [];
  let shown = 0;
  for (const [i, r] of slices.entries()) {
    if (filter && !r.slice.toLowerCase().includes(filter)) continue;
    shown++;
    const classes = [r.degraded ? 'degraded' : '', r.slice === state.slice ? 'selected' : ''].join(' ').trim();
    html.push(
      `<tr data-slice="${esc(r.slice)}" data-testid="slice-row" tabindex="0"${classes ? ` class="${classes}"` : ''}>` +
        `<td class="num rank">${i + 1}</td>` +
        `<td class="slice" data-testid="slice-name">${sliceHtml(r.slice)}</td>` +
        `<td class="num">${esc(formatValue(metric, r.value))}</td>` +
        `<td class="num muted">${esc(formatValue(metric, r.baseline_value))}</td>` +
        `<td class="num change">${esc(fmtChange(metric, r.value, r.baseline_value))}</td>` +
        `<td class="num">${formatCount(r.n)}</td>` +
        `<td class="num">${esc(formatP(r.q_value))}</td>` +
        `<td>${statusBadge(r)} ${r.firing.map((rule) => `<span class="chip firing" data-testid="firing-rule">${esc(rule)}</span>`).join('')}</td>` +
        '</tr>',
    );
  }
  el.rows.innerHTML = html.join('');
  const more = total > slices.length ? ` (the worst ${formatCount(slices.length)} of ${formatCount(total)})` : '';
  el.count.textContent = filter
    ? `${formatCount(shown)} of ${formatCount(slices.length)} slices`
    : `${formatCount(slices.length)} slices${more}`;
}

/**
 * Marks the open slice's row without redrawing the table.
 * @param {TableElements} el
 * @param {string} slice
 */
export function markSelected(el, slice) {
  for (const tr of el.rows.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  if (!slice) return;
  el.rows.querySelector(`tr[data-slice="${CSS.escape(slice)}"]`)?.classList.add('selected');
}
