// @ts-check
// The trace view: a kept trace's spans as a waterfall, and its verdicts, in a dialog over the detail.

import { ApiError } from './api.js';
import { formatCount, formatNumber } from './format.js';
import { esc, fmtTime, verdictHtml } from './html.js';

/** @typedef {import('./state.js').State} State */
/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('../src/read-models.ts').TraceResponse} TraceResponse */

/**
 * @typedef {object} TraceElements
 * @property {HTMLDialogElement} trace
 * @property {HTMLElement} traceTitle
 * @property {HTMLElement} traceBody
 */

/**
 * Opens the state's trace (or closes the dialog when there is none); an answer for an older load is dropped.
 * @param {TraceElements} el
 * @param {Api} api
 * @param {State} state
 */
export async function loadTrace(el, api, state) {
  const gen = ++state.loads.trace;
  if (!state.trace) {
    if (el.trace.open) el.trace.close();
    return;
  }
  el.traceTitle.textContent = `Trace ${state.trace}`;
  el.traceBody.innerHTML = '<p class="quiet">Loading…</p>';
  if (!el.trace.open) el.trace.showModal();
  try {
    const trace = await api.trace(state.trace);
    if (gen === state.loads.trace) el.traceBody.innerHTML = traceHtml(trace);
  } catch (err) {
    if (gen !== state.loads.trace) return;
    el.traceBody.innerHTML =
      err instanceof ApiError && err.status === 404
        ? '<p class="quiet">This trace was not kept in the sample, or it has expired.</p>'
        : `<p class="err">${esc(err instanceof Error ? err.message : err)}</p>`;
  }
}

/**
 * @param {TraceResponse} trace
 * @returns {string}
 */
export function traceHtml(trace) {
  const spans = [...(trace.spans ?? [])].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const first = spans[0];
  if (!first) return '<p class="quiet">No spans stored for this trace.</p>';
  const t0 = Date.parse(first.ts);
  const end = Math.max(...spans.map((s) => Date.parse(s.ts) + s.duration_ms));
  const total = Math.max(end - t0, 1);
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  /** @param {(typeof spans)[number]} s */
  const depth = (s) => {
    let d = 0;
    for (let p = byId.get(s.parent_span_id); p && d < 20; p = byId.get(p.parent_span_id)) d++;
    return d;
  };
  const reason = spans.find((s) => s.sample_reason)?.sample_reason ?? '';
  const rows = spans
    .map((s) => {
      const left = ((Date.parse(s.ts) - t0) / total) * 100;
      const width = Math.max((s.duration_ms / total) * 100, 0.5);
      const attrs = Object.entries(s.attributes ?? {})
        .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
        .join('');
      return (
        `<details class="span${s.status_code === 2 ? ' error' : ''}" data-testid="trace-span">` +
        `<summary><span class="span-name" style="padding-left:${depth(s) * 14}px">${esc(s.name)} <small>${esc(s.service)}</small></span>` +
        `<span class="span-track"><span class="span-bar" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span></span>` +
        `<span class="span-dur">${esc(formatNumber(s.duration_ms))} ms</span></summary>` +
        (s.status_message ? `<p class="err">${esc(s.status_message)}</p>` : '') +
        `<table class="attrs">${attrs}</table></details>`
      );
    })
    .join('');
  const verdicts = (trace.verdicts ?? [])
    .map((v) =>
      verdictHtml(v, spans.find((s) => s.decision_id === v.decision_id)?.attributes?.['livegrade.decision.label']),
    )
    .join('');
  return (
    `<p class="quiet">${formatCount(spans.length)} span${spans.length === 1 ? '' : 's'} · ${esc(fmtTime(first.ts))} · ` +
    `${esc(formatNumber(total))} ms${reason ? ` · kept for <span class="chip">${esc(reason)}</span>` : ''}</p>` +
    `<div class="waterfall">${rows}</div>` +
    `<h3>Verdicts</h3><ul class="verdicts">${verdicts || '<li class="quiet">none</li>'}</ul>`
  );
}
