// The livegrade dashboard. It reads only the API (the contract is
// services/api/src/read-models.ts) and runs as it is served: no build step,
// no framework; uPlot draws the charts. Every string that comes from the API
// goes through esc() before it reaches innerHTML.

/* global uPlot */

const TOKEN_KEY = 'livegrade.api-token';
/** a little under the scorer's default interval, so a new window shows up without a reload */
const REFRESH_MS = 60_000;
const FAILURES_LIMIT = 20;
/** the API's own cap on /v1/slices; the table is built to stay fast at this size */
const SLICES_LIMIT = 1000;
const BASELINE_HINT = 'npx livegrade baseline register --name v1 --from now-7d --to now-1d --activate';

const $ = (selector) => document.querySelector(selector);
const el = {
  window: $('#window'),
  metric: $('#metric'),
  scope: $('[data-testid=scope]'),
  status: $('[data-testid=status]'),
  alerts: $('[data-testid=alerts]'),
  error: $('[data-testid=error]'),
  filter: $('#filter'),
  count: $('[data-testid=slice-count]'),
  slicesEmpty: $('[data-testid=slices-empty]'),
  rows: $('#slice-rows'),
  detailEmpty: $('[data-testid=detail-empty]'),
  detail: $('#detail-body'),
  title: $('[data-testid=detail-title]'),
  figures: $('[data-testid=detail-figures]'),
  seriesChart: $('#series-chart'),
  seriesEmpty: $('[data-testid=series-empty]'),
  scoreChart: $('#score-chart'),
  labels: $('#label-bars'),
  distEmpty: $('[data-testid=dist-empty]'),
  failuresEmpty: $('[data-testid=failures-empty]'),
  failuresTable: $('[data-testid=failures-table]'),
  failures: $('#failure-rows'),
  trace: $('#trace'),
  traceTitle: $('#trace-title'),
  traceBody: $('#trace-body'),
  token: $('#token'),
  tokenInput: $('#token-input'),
};

/** What the page shows; window, metric, slice and trace also live in the URL hash, so a view is linkable. */
const state = {
  window: '',
  metric: '',
  slice: '',
  trace: '',
  filter: '',
  /** the last /v1/slices answer */
  list: null,
  alerts: [],
  alertsError: '',
};
/** uPlot instances, destroyed before they are drawn again */
const charts = { series: null, score: null };
/** each load bumps its counter; an answer for an older one is dropped */
const generation = { list: 0, detail: 0, trace: 0 };

// ---------------------------------------------------------------- escaping

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** one question per page load, shared by the requests that were refused together */
let tokenAnswer = null;

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

function askToken() {
  tokenAnswer ??= new Promise((resolve) => {
    el.tokenInput.value = '';
    el.token.addEventListener(
      'close',
      () => {
        const token = el.token.returnValue === 'ok' ? el.tokenInput.value.trim() : '';
        if (token) sessionStorage.setItem(TOKEN_KEY, token);
        resolve(token);
      },
      { once: true },
    );
    el.token.showModal();
  });
  return tokenAnswer;
}

async function api(path) {
  let res = await fetch(path, { headers: authHeaders() });
  if (res.status === 401 && (await askToken())) res = await fetch(path, { headers: authHeaders() });
  if (res.ok) return res.json();
  const body = await res.json().catch(() => null);
  const message = body && typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
  if (res.status === 401) {
    // a refused token is forgotten, so the next load asks again
    sessionStorage.removeItem(TOKEN_KEY);
    throw new ApiError(401, `${message}. Reload the page to enter LIVEGRADE_API_TOKEN again.`);
  }
  throw new ApiError(res.status, `${path.split('?')[0]}: ${message}`);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, String(v));
  return q.toString();
}

// ---------------------------------------------------------------- formatting

const intFormat = new Intl.NumberFormat('en-US');
const isRate = (metric) => metric.endsWith('_rate');
const isLatency = (metric) => metric.startsWith('latency_');
const isMissing = (v) => v === null || v === undefined || Number.isNaN(v);

function fmtValue(metric, v) {
  if (isMissing(v)) return '–';
  if (metric === 'volume') return intFormat.format(v);
  if (isRate(metric)) return `${(v * 100).toFixed(1)}%`;
  if (isLatency(metric)) return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ms`;
  return v.toFixed(3);
}

function fmtAxis(metric, v) {
  if (isMissing(v)) return '';
  if (isRate(metric)) return `${+(v * 100).toFixed(2)}%`;
  if (metric === 'volume' || isLatency(metric)) return intFormat.format(v);
  return String(+v.toFixed(3));
}

function signed(text, v) {
  return v > 0 ? `+${text}` : v < 0 ? `−${text.replace('-', '')}` : text;
}

function fmtChange(metric, v, base) {
  if (isMissing(v) || isMissing(base)) return '';
  const d = v - base;
  if (isRate(metric)) return `${signed((d * 100).toFixed(1), d)} pp`;
  if (metric === 'volume') return base > 0 ? `${signed(((d / base) * 100).toFixed(0), d)}%` : '';
  if (isLatency(metric)) return `${signed(d.toFixed(0), d)} ms`;
  return signed(d.toFixed(3), d);
}

function fmtQ(q) {
  if (isMissing(q)) return '–';
  return q < 0.001 ? q.toExponential(1) : q.toFixed(3);
}

function fmtShare(v) {
  return `${(v * 100).toFixed(1)}%`;
}

/** `2026-11-23 05:00:00Z`: UTC everywhere, as in the API and the logs */
function fmtTime(iso) {
  return iso
    ? String(iso)
        .replace('T', ' ')
        .replace(/(\.\d+)?Z$/, 'Z')
    : '';
}

function fmtRange(start, end) {
  if (!start || !end) return '';
  const a = fmtTime(start).slice(0, 16);
  const b = fmtTime(end).slice(0, 16);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a}–${b.slice(11)} UTC` : `${a} – ${b} UTC`;
}

/** `decision_type=refund,language=hi` with the dimension names muted */
function sliceHtml(slice) {
  if (slice === '*') return '<span class="all">* (all traffic)</span>';
  return slice
    .split(',')
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? esc(pair) : `<span class="dim">${esc(pair.slice(0, at + 1))}</span>${esc(pair.slice(at + 1))}`;
    })
    .join('<span class="sep">, </span>');
}

// ---------------------------------------------------------------- URL hash

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  return {
    window: h.get('window') ?? '',
    metric: h.get('metric') ?? '',
    slice: h.get('slice') ?? '',
    trace: h.get('trace') ?? '',
  };
}

function hashOf(changes) {
  const next = { window: state.window, metric: state.metric, slice: state.slice, trace: state.trace, ...changes };
  return `#${query(next)}`;
}

function navigate(changes) {
  location.hash = hashOf(changes);
}

// ---------------------------------------------------------------- status and errors

function showError(err) {
  if (!err) {
    el.error.hidden = true;
    el.error.textContent = '';
    return;
  }
  el.error.textContent = err instanceof ApiError ? err.message : `The dashboard could not load: ${err.message ?? err}`;
  el.error.hidden = false;
}

function notice(node, html) {
  node.innerHTML = html ?? '';
  node.hidden = !html;
}

// ---------------------------------------------------------------- slices table

async function loadList() {
  const gen = ++generation.list;
  el.status.textContent = 'Loading…';
  const [list, alerts] = await Promise.all([
    api(`/v1/slices?${query({ window: state.window, metric: state.metric, limit: SLICES_LIMIT })}`),
    // the table is still worth showing without the alerts
    api('/v1/alerts').catch((err) => ({ alerts: [], error: err.message })),
  ]);
  if (gen !== generation.list) return false;
  state.list = list;
  state.alerts = alerts.alerts ?? [];
  state.alertsError = alerts.error ?? '';
  if (state.window !== list.window || state.metric !== list.metric) {
    // the API filled in its defaults: record them, without a history entry
    state.window = list.window;
    state.metric = list.metric;
    history.replaceState(null, '', hashOf({}));
  }
  renderPickers();
  renderScope();
  renderAlerts();
  renderSlices();
  el.status.textContent = `Updated ${new Date().toISOString().slice(11, 19)}Z`;
  return true;
}

function renderPickers() {
  const { windows, metrics } = state.list;
  el.window.innerHTML = windows.map((w) => `<option value="${esc(w)}">${esc(w)}</option>`).join('');
  el.metric.innerHTML = metrics.map((m) => `<option value="${esc(m)}">${esc(m)}</option>`).join('');
  el.window.value = state.window;
  el.metric.value = state.metric;
  el.window.disabled = false;
  el.metric.disabled = false;
}

function renderScope() {
  const l = state.list;
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

function renderAlerts() {
  const firing = state.alerts.filter((a) => a.state === 'firing');
  const pending = state.alerts.filter((a) => a.state === 'pending');
  if (state.alertsError) {
    el.alerts.innerHTML = `<span class="err">Alerts could not be loaded: ${esc(state.alertsError)}</span>`;
    return;
  }
  if (firing.length === 0 && pending.length === 0) {
    el.alerts.innerHTML = '<span class="quiet" data-testid="alerts-none">No alerts firing.</span>';
    return;
  }
  const chip = (a) => {
    const last = a.last ?? {};
    const value = isMissing(last.value) ? '' : ` · ${+Number(last.value).toPrecision(3)}`;
    const base = isMissing(last.baseline_value) ? '' : ` (baseline ${+Number(last.baseline_value).toPrecision(3)})`;
    const since = a.fired_at ? ` · since ${esc(fmtTime(new Date(a.fired_at).toISOString()).slice(5, 16))}` : '';
    return (
      `<button type="button" class="alert ${esc(a.state)} sev-${esc(a.severity ?? 'none')}" data-slice="${esc(a.slice)}" data-testid="alert">` +
      `<b>${esc(a.rule)}</b> ${sliceHtml(a.slice)}${esc(value)}${esc(base)}${since}</button>`
    );
  };
  el.alerts.innerHTML =
    `<span class="label">${firing.length} firing</span>` +
    firing.map(chip).join('') +
    (pending.length ? `<span class="label pending">${pending.length} pending</span>${pending.map(chip).join('')}` : '');
}

function statusBadge(r) {
  if (r.degraded) return '<span class="badge bad" data-testid="degraded-badge">degraded</span>';
  if (!r.test) return '<span class="badge muted" title="too few samples, or no baseline">untested</span>';
  return '<span class="badge ok">ok</span>';
}

/**
 * Every row in one string and one innerHTML, into a table of fixed layout: the
 * browser parses and lays out 1,000 rows once, and no row has a listener.
 */
function renderSlices() {
  const { slices, metric, total } = state.list;
  const filter = state.filter.trim().toLowerCase();
  const html = [];
  let shown = 0;
  for (let i = 0; i < slices.length; i++) {
    const r = slices[i];
    if (filter && !r.slice.toLowerCase().includes(filter)) continue;
    shown++;
    const classes = [r.degraded ? 'degraded' : '', r.slice === state.slice ? 'selected' : ''].join(' ').trim();
    html.push(
      `<tr data-slice="${esc(r.slice)}" data-testid="slice-row" tabindex="0"${classes ? ` class="${classes}"` : ''}>` +
        `<td class="num rank">${i + 1}</td>` +
        `<td class="slice" data-testid="slice-name">${sliceHtml(r.slice)}</td>` +
        `<td class="num">${esc(fmtValue(metric, r.value))}</td>` +
        `<td class="num muted">${esc(fmtValue(metric, r.baseline_value))}</td>` +
        `<td class="num change">${esc(fmtChange(metric, r.value, r.baseline_value))}</td>` +
        `<td class="num">${intFormat.format(r.n)}</td>` +
        `<td class="num">${esc(fmtQ(r.q_value))}</td>` +
        `<td>${statusBadge(r)} ${r.firing.map((rule) => `<span class="chip firing" data-testid="firing-rule">${esc(rule)}</span>`).join('')}</td>` +
        '</tr>',
    );
  }
  el.rows.innerHTML = html.join('');
  const more =
    total > slices.length ? ` (the worst ${intFormat.format(slices.length)} of ${intFormat.format(total)})` : '';
  el.count.textContent = filter
    ? `${intFormat.format(shown)} of ${intFormat.format(slices.length)} slices`
    : `${intFormat.format(slices.length)} slices${more}`;
}

function markSelected() {
  for (const tr of el.rows.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  if (!state.slice) return;
  el.rows.querySelector(`tr[data-slice="${CSS.escape(state.slice)}"]`)?.classList.add('selected');
}

// ---------------------------------------------------------------- detail panel

function rowOf(slice) {
  return state.list?.slices.find((r) => r.slice === slice);
}

async function loadDetail() {
  const gen = ++generation.detail;
  destroyCharts();
  if (!state.slice || !state.list) {
    el.detail.hidden = true;
    el.detailEmpty.hidden = false;
    return;
  }
  el.detailEmpty.hidden = true;
  el.detail.hidden = false;
  renderDetailHead();
  const { slice, window, metric } = state;
  const current = () => gen === generation.detail;
  const part = (promise, render) =>
    promise.then((data) => current() && render(data)).catch((err) => current() && showError(err));
  el.detail.setAttribute('aria-busy', 'true');
  await Promise.all([
    part(api(`/v1/slices/series?${query({ slice, window, metric })}`), renderSeries),
    part(api(`/v1/slices/distributions?${query({ slice, window })}`), renderDistributions),
    part(api(`/v1/slices/failures?${query({ slice, limit: FAILURES_LIMIT })}`), renderFailures),
  ]);
  if (current()) el.detail.removeAttribute('aria-busy');
}

function renderDetailHead() {
  const { metric } = state;
  const r = rowOf(state.slice);
  el.title.innerHTML = sliceHtml(state.slice);
  if (!r) {
    el.figures.innerHTML = `Not scored in the ${esc(state.window)} window shown.`;
    return;
  }
  const firing = r.firing.length
    ? ` · firing: ${r.firing.map((x) => `<span class="chip firing">${esc(x)}</span>`).join('')}`
    : '';
  el.figures.innerHTML =
    `${statusBadge(r)} <b>${esc(metric)}</b> ${esc(fmtValue(metric, r.value))} on n=${intFormat.format(r.n)}` +
    ` · baseline ${esc(fmtValue(metric, r.baseline_value))} on n=${intFormat.format(r.baseline_n)}` +
    (r.test ? ` · ${esc(r.test)} q=${esc(fmtQ(r.q_value))}` : '') +
    (isMissing(r.effect) ? '' : ` · effect ${esc(Number(r.effect).toFixed(3))}`) +
    firing;
}

function destroyCharts() {
  for (const key of Object.keys(charts)) {
    charts[key]?.destroy();
    charts[key] = null;
  }
  el.seriesChart.removeAttribute('data-points');
  el.seriesChart.uplot = undefined;
}

/** time-axis ticks in UTC: `05:00`, with the date on the first tick and where the day changes */
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
  const fmt = (_u, v) => fmtValue(metric, v);
  charts.series = new uPlot(
    {
      width: chartWidth(el.seriesChart),
      height: 190,
      scales: { x: { time: true } },
      series: [
        { label: 'window end', value: (_u, t) => (t === null ? '–' : fmtTime(new Date(t * 1000).toISOString())) },
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
      axes: [{ values: utcTicks }, { size: 56, values: (_u, ticks) => ticks.map((v) => fmtAxis(metric, v)) }],
    },
    [xs, values, baseline, degraded],
    el.seriesChart,
  );
  // the test (and the console) read the plotted data from here
  el.seriesChart.uplot = charts.series;
  el.seriesChart.dataset.points = String(points.length);
}

function shares(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

function renderDistributions(data) {
  const cur = data.score?.current ?? [];
  const base = data.score?.baseline ?? [];
  const curTotal = cur.reduce((a, b) => a + b, 0);
  const baseTotal = base.reduce((a, b) => a + b, 0);
  const notes = [];
  if (!data.window_end) notes.push('No scored window of this slice yet.');
  if (!data.baseline) notes.push(`No active baseline to compare with: <code>${esc(BASELINE_HINT)}</code>`);
  if (data.window_end && curTotal === 0) notes.push('No decision of this slice carried a score in the window.');
  notice(el.distEmpty, notes.map((n) => `<p>${n}</p>`).join(''));

  if (curTotal > 0 || baseTotal > 0) {
    const bins = data.score.bins || cur.length || base.length;
    const xs = Array.from({ length: bins }, (_, i) => (i + 0.5) / bins);
    const pct = (_u, v) => (isMissing(v) ? '–' : fmtShare(v));
    charts.score = new uPlot(
      {
        width: chartWidth(el.scoreChart),
        height: 160,
        scales: { x: { time: false, range: [0, 1] }, y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.1] } },
        cursor: { points: { show: false } },
        series: [
          { label: 'score', value: (_u, v) => (isMissing(v) ? '–' : v.toFixed(3)) },
          {
            label: 'current',
            fill: 'rgba(37, 99, 235, 0.75)',
            stroke: '#2563eb',
            width: 0,
            value: pct,
            paths: uPlot.paths.bars({ size: [0.45, 40], align: -1 }),
            points: { show: false },
          },
          {
            label: 'baseline',
            fill: 'rgba(107, 114, 128, 0.45)',
            stroke: '#6b7280',
            width: 0,
            value: pct,
            paths: uPlot.paths.bars({ size: [0.45, 40], align: 1 }),
            points: { show: false },
          },
        ],
        axes: [
          { values: (_u, ticks) => ticks.map((v) => String(+v.toFixed(2))) },
          { size: 48, values: (_u, ticks) => ticks.map((v) => `${+(v * 100).toFixed(1)}%`) },
        ],
      },
      [xs, shares(cur), base.length ? shares(base) : xs.map(() => null)],
      el.scoreChart,
    );
  }
  renderLabels(data.labels?.current ?? {}, data.labels?.baseline ?? {});
}

/** Current vs baseline share of each label, the most frequent first. */
function renderLabels(current, baseline) {
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  const curTotal = sum(current);
  const baseTotal = sum(baseline);
  const names = [...new Set([...Object.keys(current), ...Object.keys(baseline)])];
  if (names.length === 0) {
    el.labels.innerHTML = '<p class="quiet">No labels in the window.</p>';
    return;
  }
  const share = (o, total, k) => (total > 0 ? (o[k] ?? 0) / total : 0);
  names.sort((a, b) => share(current, curTotal, b) - share(current, curTotal, a) || a.localeCompare(b));
  const top = Math.max(...names.map((k) => Math.max(share(current, curTotal, k), share(baseline, baseTotal, k))), 0.01);
  el.labels.innerHTML = names
    .slice(0, 12)
    .map((k) => {
      const c = share(current, curTotal, k);
      const b = share(baseline, baseTotal, k);
      return (
        `<div class="lbl" data-testid="label-row"><span class="lbl-name" title="${esc(k)}">${esc(k)}</span>` +
        `<span class="lbl-bars"><span class="bar cur" style="width:${((c / top) * 100).toFixed(1)}%"></span>` +
        `<span class="bar base" style="width:${((b / top) * 100).toFixed(1)}%"></span></span>` +
        `<span class="lbl-pct">${fmtShare(c)}<small>${baseTotal > 0 ? fmtShare(b) : '–'}</small></span></div>`
      );
    })
    .join('');
  el.labels.insertAdjacentHTML(
    'afterbegin',
    '<div class="legend"><span class="key cur"></span>current <span class="key base"></span>baseline</div>',
  );
}

function verdictHtml(v, decisionLabel) {
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
        `<td><a class="trace-link" href="${esc(hashOf({ trace: f.trace_id }))}" data-testid="trace-link" title="${esc(f.trace_id)}">${esc(f.trace_id.slice(0, 10))}…</a></td>` +
        `<td>${esc(f.label)}${f.status_message ? `<div class="err">${esc(f.status_message)}</div>` : ''}</td>` +
        `<td class="num">${isMissing(f.score) ? '–' : esc(Number(f.score).toFixed(3))}</td>` +
        `<td><span class="chip">${esc(f.sample_reason)}</span></td>` +
        `<td><ul class="verdicts">${(f.verdicts ?? []).map((v) => verdictHtml(v, f.label)).join('') || '<li class="quiet">none</li>'}</ul></td>` +
        '</tr>',
    )
    .join('');
}

// ---------------------------------------------------------------- trace view

async function loadTrace() {
  const gen = ++generation.trace;
  if (!state.trace) {
    if (el.trace.open) el.trace.close();
    return;
  }
  el.traceTitle.textContent = `Trace ${state.trace}`;
  el.traceBody.innerHTML = '<p class="quiet">Loading…</p>';
  if (!el.trace.open) el.trace.showModal();
  try {
    const trace = await api(`/v1/traces/${encodeURIComponent(state.trace)}`);
    if (gen === generation.trace) renderTrace(trace);
  } catch (err) {
    if (gen !== generation.trace) return;
    el.traceBody.innerHTML =
      err instanceof ApiError && err.status === 404
        ? '<p class="quiet">This trace was not kept in the sample, or it has expired.</p>'
        : `<p class="err">${esc(err.message)}</p>`;
  }
}

function renderTrace(trace) {
  const spans = [...(trace.spans ?? [])].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  if (spans.length === 0) {
    el.traceBody.innerHTML = '<p class="quiet">No spans stored for this trace.</p>';
    return;
  }
  const t0 = Date.parse(spans[0].ts);
  const end = Math.max(...spans.map((s) => Date.parse(s.ts) + s.duration_ms));
  const total = Math.max(end - t0, 1);
  const byId = new Map(spans.map((s) => [s.span_id, s]));
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
        `<span class="span-dur">${esc(Number(s.duration_ms).toFixed(0))} ms</span></summary>` +
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
  el.traceBody.innerHTML =
    `<p class="quiet">${spans.length} span${spans.length === 1 ? '' : 's'} · ${esc(fmtTime(spans[0].ts))} · ` +
    `${esc(total.toFixed(0))} ms${reason ? ` · kept for <span class="chip">${esc(reason)}</span>` : ''}</p>` +
    `<div class="waterfall">${rows}</div>` +
    `<h3>Verdicts</h3><ul class="verdicts">${verdicts || '<li class="quiet">none</li>'}</ul>`;
}

// ---------------------------------------------------------------- routing

function chartWidth(node) {
  return Math.max(240, Math.floor(node.getBoundingClientRect().width));
}

async function route() {
  const next = readHash();
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
      markSelected();
      // the trace view opens over the detail, without waiting for it
      const detail = loadDetail();
      if (traceChanged || listChanged) await loadTrace();
      await detail;
    } else if (traceChanged) {
      await loadTrace();
    }
  } catch (err) {
    el.status.textContent = '';
    if (listChanged && err instanceof ApiError && err.status === 400 && (state.window || state.metric)) {
      // a link with a window or metric this instance does not score: show its defaults, and say why
      history.replaceState(null, '', hashOf({ window: '', metric: '' }));
      state.list = null;
      await route();
      showError(new ApiError(400, `${err.message} (showing the defaults instead)`));
      return;
    }
    showError(err);
  }
}

async function refresh() {
  if (document.visibilityState !== 'visible' || !state.list) return;
  const scored = state.list.window_end;
  try {
    if (!(await loadList())) return;
    showError(null);
    // the detail is redrawn only when a newer window was scored
    if (state.list.window_end !== scored) await loadDetail();
    else if (state.slice) renderDetailHead();
  } catch (err) {
    showError(err);
  }
}

function select(slice) {
  if (slice && slice !== state.slice) navigate({ slice, trace: '' });
}

// one delegated handler per region, whatever the number of rows
el.rows.addEventListener('click', (e) => select(e.target.closest('tr[data-slice]')?.dataset.slice));
el.rows.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') select(e.target.closest('tr[data-slice]')?.dataset.slice);
});
el.alerts.addEventListener('click', (e) => select(e.target.closest('[data-slice]')?.dataset.slice));
el.window.addEventListener('change', () => navigate({ window: el.window.value }));
el.metric.addEventListener('change', () => navigate({ metric: el.metric.value }));
el.filter.addEventListener('input', () => {
  state.filter = el.filter.value;
  if (state.list) renderSlices();
});
el.trace.addEventListener('close', () => {
  if (state.trace) navigate({ trace: '' });
});
window.addEventListener('hashchange', route);
window.addEventListener('resize', () => {
  if (charts.series) charts.series.setSize({ width: chartWidth(el.seriesChart), height: 190 });
  if (charts.score) charts.score.setSize({ width: chartWidth(el.scoreChart), height: 160 });
});
setInterval(refresh, REFRESH_MS);

route();
