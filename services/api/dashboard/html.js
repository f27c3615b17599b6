// @ts-check
// Markup and text shared by the table, the detail and the trace view. Every string
// that comes from the API goes through esc() before it reaches innerHTML; the page's
// CSP (services/api/src/dashboard.ts) is the second line of defence.

/** @typedef {import('../src/read-models.ts').SliceRow} SliceRow */
/** @typedef {import('../src/read-models.ts').VerdictView} VerdictView */

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** @param {unknown} value */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * A notice: shown with its markup, hidden when there is none.
 * @param {HTMLElement} node
 * @param {string} html
 */
export function notice(node, html) {
  node.innerHTML = html;
  node.hidden = !html;
}

/**
 * `2026-11-23 05:00:00Z`: UTC everywhere, as in the API and the logs.
 * @param {string | null | undefined} iso
 */
export function fmtTime(iso) {
  return iso
    ? String(iso)
        .replace('T', ' ')
        .replace(/(\.\d+)?Z$/, 'Z')
    : '';
}

/**
 * A window's span, the date once when both ends share it.
 * @param {string | null} start
 * @param {string | null} end
 */
export function fmtRange(start, end) {
  if (!start || !end) return '';
  const a = fmtTime(start).slice(0, 16);
  const b = fmtTime(end).slice(0, 16);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a}–${b.slice(11)} UTC` : `${a} – ${b} UTC`;
}

/**
 * `decision_type=refund,language=hi` with the dimension names muted.
 * @param {string} slice
 */
export function sliceHtml(slice) {
  if (slice === '*') return '<span class="all">* (all traffic)</span>';
  return slice
    .split(',')
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? esc(pair) : `<span class="dim">${esc(pair.slice(0, at + 1))}</span>${esc(pair.slice(at + 1))}`;
    })
    .join('<span class="sep">, </span>');
}

/**
 * Degraded, untested (too few samples or no baseline) or ok.
 * @param {SliceRow} r
 */
export function statusBadge(r) {
  if (r.degraded) return '<span class="badge bad" data-testid="degraded-badge">degraded</span>';
  if (!r.test) return '<span class="badge muted" title="too few samples, or no baseline">untested</span>';
  return '<span class="badge ok">ok</span>';
}

/**
 * A review (an override when its label differs from the decision's) or a feedback.
 * @param {VerdictView} v
 * @param {string | undefined} decisionLabel
 */
export function verdictHtml(v, decisionLabel) {
  if (v.kind === 'feedback') {
    return (
      `<li class="verdict feedback${v.value === 'thumbs_down' || v.value === 'down' ? ' bad' : ''}" data-testid="verdict">` +
      `feedback <b>${esc(v.value)}</b>${v.rationale ? ` <q>${esc(v.rationale)}</q>` : ''}</li>`
    );
  }
  const overridden = v.label && v.label !== decisionLabel;
  return (
    `<li class="verdict review${overridden ? ' bad' : ''}" data-testid="verdict">` +
    `${overridden ? 'override →' : 'review'} <b>${esc(v.label)}</b> by <span class="who">${esc(v.reviewer_id)}` +
    `${v.seniority ? ` (${esc(v.seniority)})` : ''}</span>${v.rationale ? ` <q>${esc(v.rationale)}</q>` : ''}</li>`
  );
}
