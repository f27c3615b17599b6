// @ts-check
// The livegrade dashboard: it reads only the API (the contract is services/api/src/read-models.ts)
// and runs as it is served, ES modules the browser loads itself: no build step, no framework.
// This module wires the others: it finds the page's elements, keeps the one state object and
// passes it to them, and routes. The view (window, metric, slice, trace) lives in the URL's query,
// so a view is a link: `/?slice=<key>&window=15m` opens that slice's detail (Slack alerts link there).
//
//   state.js  the state and its URL      api.js     the API and its token
//   format.js the shared number format   html.js    escaping and markup
//   table.js  header, alerts, slices     detail.js  one slice    trace.js  one trace

import { ApiError, createApi, promptToken } from './api.js';
import { createDetail } from './detail.js';
import { createState, urlOf, viewFrom, viewOf } from './state.js';
import { markSelected, renderAlerts, renderPickers, renderScope, renderSlices } from './table.js';
import { loadTrace } from './trace.js';

/** @typedef {import('./state.js').View} View */

/** a little under the scorer's default interval, so a new window shows up without a reload */
const REFRESH_MS = 60_000;
/** the API's own cap on /v1/slices; the table is built to stay fast at this size */
const SLICES_LIMIT = 1000;

/**
 * The element `selector` finds, of the type the page gives it.
 * @template {Element} T
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
function find(selector, type) {
  const node = document.querySelector(selector);
  if (!(node instanceof type)) throw new Error(`dashboard: ${selector} is missing from index.html`);
  return node;
}

const el = {
  window: find('#window', HTMLSelectElement),
  metric: find('#metric', HTMLSelectElement),
  scope: find('[data-testid=scope]', HTMLElement),
  status: find('[data-testid=status]', HTMLElement),
  alerts: find('[data-testid=alerts]', HTMLElement),
  error: find('[data-testid=error]', HTMLElement),
  filter: find('#filter', HTMLInputElement),
  count: find('[data-testid=slice-count]', HTMLElement),
  slicesEmpty: find('[data-testid=slices-empty]', HTMLElement),
  rows: find('#slice-rows', HTMLElement),
  detailEmpty: find('[data-testid=detail-empty]', HTMLElement),
  detail: find('#detail-body', HTMLElement),
  title: find('[data-testid=detail-title]', HTMLElement),
  figures: find('[data-testid=detail-figures]', HTMLElement),
  seriesChart: find('#series-chart', HTMLElement),
  seriesEmpty: find('[data-testid=series-empty]', HTMLElement),
  scoreChart: find('#score-chart', HTMLElement),
  labels: find('#label-bars', HTMLElement),
  distEmpty: find('[data-testid=dist-empty]', HTMLElement),
  failuresEmpty: find('[data-testid=failures-empty]', HTMLElement),
  failuresTable: find('[data-testid=failures-table]', HTMLElement),
  failures: find('#failure-rows', HTMLElement),
  trace: find('#trace', HTMLDialogElement),
  traceTitle: find('#trace-title', HTMLElement),
  traceBody: find('#trace-body', HTMLElement),
  token: find('#token', HTMLDialogElement),
  tokenInput: find('#token-input', HTMLInputElement),
};

const state = createState();
const api = createApi({
  askToken: () => promptToken(el.token, el.tokenInput, sessionStorage),
  storage: sessionStorage,
});
const detail = createDetail(el, api, {
  onError: showError,
  traceHref: (trace) => urlOf(viewFrom(state, { trace })),
});

/** @param {unknown} err */
function showError(err) {
  if (!err) {
    el.error.hidden = true;
    el.error.textContent = '';
    return;
  }
  el.error.textContent =
    err instanceof ApiError
      ? err.message
      : `The dashboard could not load: ${err instanceof Error ? err.message : String(err)}`;
  el.error.hidden = false;
}

/** The slices of the state's window and metric, and the alerts; false when a newer load overtook this one. */
async function loadList() {
  const gen = ++state.loads.list;
  el.status.textContent = 'Loading…';
  const [list, alerts] = await Promise.all([
    api.slices({ window: state.window, metric: state.metric, limit: SLICES_LIMIT }),
    // the table is still worth showing without the alerts
    api.alerts().then(
      (a) => ({ alerts: a.alerts, error: '' }),
      (err) => ({ alerts: [], error: err instanceof Error ? err.message : String(err) }),
    ),
  ]);
  if (gen !== state.loads.list) return false;
  state.list = list;
  state.alerts = alerts.alerts;
  state.alertsError = alerts.error;
  if (state.window !== list.window || state.metric !== list.metric) {
    // the API filled in its defaults: record them, without a history entry
    state.window = list.window;
    state.metric = list.metric;
    history.replaceState(null, '', urlOf(viewFrom(state)));
  }
  renderPickers(el, list, state);
  renderScope(el, list);
  renderAlerts(el, state);
  renderSlices(el, list, state);
  el.status.textContent = `Updated ${new Date().toISOString().slice(11, 19)}Z`;
  return true;
}

/** Shows the view the URL asks for, loading only what changed. */
async function route() {
  const next = viewOf(location.search, location.hash);
  // a hash link (the form before the query) is rewritten as the query it stands for
  if (location.hash) history.replaceState(null, '', urlOf(next));
  const listChanged = !state.list || next.window !== state.window || next.metric !== state.metric;
  const sliceChanged = next.slice !== state.slice;
  const traceChanged = next.trace !== state.trace;
  Object.assign(state, next);
  showError(null);
  try {
    if (listChanged) {
      const loaded = await loadList();
      if (!loaded) return;
    }
    if (listChanged || sliceChanged) {
      markSelected(el, state.slice);
      // the trace view opens over the detail, without waiting for it
      const shown = detail.load(state);
      if (traceChanged || listChanged) await loadTrace(el, api, state);
      await shown;
    } else if (traceChanged) {
      await loadTrace(el, api, state);
    }
  } catch (err) {
    el.status.textContent = '';
    if (listChanged && err instanceof ApiError && err.status === 400 && (state.window || state.metric)) {
      // a link with a window or metric this instance does not score: show its defaults, and say why
      history.replaceState(null, '', urlOf(viewFrom(state, { window: '', metric: '' })));
      state.list = null;
      await route();
      showError(new ApiError(400, `${err.message} (showing the defaults instead)`));
      return;
    }
    showError(err);
  }
}

/**
 * A new view, as a history entry.
 * @param {Partial<View>} changes
 */
function navigate(changes) {
  history.pushState(null, '', urlOf(viewFrom(state, changes)));
  return route();
}

/** Redraws on a timer; the detail only when a newer window was scored. */
async function refresh() {
  if (document.visibilityState !== 'visible' || !state.list) return;
  const scored = state.list.window_end;
  try {
    if (!(await loadList())) return;
    showError(null);
    if (state.list.window_end !== scored) await detail.load(state);
    else if (state.slice) detail.renderHead(state);
  } catch (err) {
    showError(err);
  }
}

/** @param {string | undefined} slice */
function select(slice) {
  if (slice && slice !== state.slice) navigate({ slice, trace: '' });
}

/**
 * The slice of the row or chip an event happened in.
 * @param {Event} e
 */
function sliceOf(e) {
  const target = e.target instanceof Element ? e.target.closest('[data-slice]') : null;
  return target instanceof HTMLElement ? target.dataset.slice : undefined;
}

// one delegated handler per region, whatever the number of rows
el.rows.addEventListener('click', (e) => select(sliceOf(e)));
el.rows.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') select(sliceOf(e));
});
el.alerts.addEventListener('click', (e) => select(sliceOf(e)));
el.failures.addEventListener('click', (e) => {
  const link = e.target instanceof Element ? e.target.closest('a[data-trace]') : null;
  // a modified click opens the link (a new tab, say) as the browser does
  if (!(link instanceof HTMLAnchorElement) || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
    return;
  e.preventDefault();
  navigate({ trace: link.dataset.trace ?? '' });
});
el.window.addEventListener('change', () => navigate({ window: el.window.value }));
el.metric.addEventListener('change', () => navigate({ metric: el.metric.value }));
el.filter.addEventListener('input', () => {
  state.filter = el.filter.value;
  if (state.list) renderSlices(el, state.list, state);
});
el.trace.addEventListener('close', () => {
  if (state.trace) navigate({ trace: '' });
});
window.addEventListener('popstate', route);
// a hand-edited hash still opens its view (route rewrites it as the query)
window.addEventListener('hashchange', route);
window.addEventListener('resize', () => detail.resize());
setInterval(refresh, REFRESH_MS);

route();
