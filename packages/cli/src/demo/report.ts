import type { MetricName, NotifiedAlert, SliceMetricRow } from '@livegrade/core';
import type { JsonResult } from '@livegrade/store';
import { renderTable } from '../table.ts';
import type { WebhookBody } from './alert-receiver.ts';

/** How the demo words what it shows: alerts as they arrive, and the wider slices of the alert's window. */

const RATES = new Set<MetricName>(['error_rate', 'fallback_rate', 'retry_rate', 'thumbs_down_rate', 'override_rate']);

export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

export function count(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

function q(v: number | null): string {
  if (v === null) return 'n/a';
  return v < 0.0001 ? '< 0.0001' : `= ${Number(v.toPrecision(2))}`;
}

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function evidence(metric: MetricName, a: NotifiedAlert): string {
  const o = a.last;
  if (!o) return 'no figures';
  if (RATES.has(metric)) {
    const unit = metric === 'override_rate' ? 'reviewed decisions' : 'decisions';
    const pp = o.effect === null ? '' : `, ${o.effect >= 0 ? '+' : ''}${(o.effect * 100).toFixed(1)} pp`;
    return `${percent(o.value)} of ${count(o.n)} ${unit}, baseline ${percent(o.baseline_value)} of ${count(o.baseline_n)}${pp}; q ${q(o.q_value)}`;
  }
  if (metric === 'score_ks') {
    return `the scores moved: KS distance ${o.value?.toFixed(2) ?? 'n/a'} between this window's ${count(o.n)} scores and the baseline's ${count(o.baseline_n)}; q ${q(o.q_value)}`;
  }
  return `${o.value ?? 'n/a'} (baseline ${o.baseline_value ?? 'n/a'}), n ${count(o.n)}; q ${q(o.q_value)}`;
}

/** An alert as the webhook received it: rule, slice, value against the baseline, evidence, window. */
export function describeAlert(body: WebhookBody): string {
  const n = body.notification;
  const icon = n.kind === 'resolved' ? '✅' : n.severity === 'critical' ? '🔴' : '🟠';
  // the summary starts with the kind, rule and severity, said here already
  const what = body.summary.replace(/^.*?\((critical|warning|info)\):\s*/, '');
  const lines = [`${icon} ALERT ${n.kind.toUpperCase()} ${n.rule} (${n.severity}): ${what}`];
  for (const a of n.alerts) {
    lines.push(`     slice   ${a.slice}`);
    lines.push(`     ${n.metric.padEnd(7)} ${evidence(n.metric, a)}`);
    if (a.last) lines.push(`     window  ${clock(a.last.window_start)}–${clock(a.last.window_end)} UTC`);
  }
  return lines.join('\n');
}

/** A metric of several slices in one window, as a table: the narrow slice next to the averages that hide it. */
export function slicesTable(rows: readonly SliceMetricRow[]): string {
  const data = rows.map((r) => ({
    slice: r.slice,
    value: percent(r.value),
    baseline: percent(r.baseline_value),
    n: r.n,
    q: r.q_value === null ? 'not tested' : r.q_value < 0.0001 ? '<0.0001' : Number(r.q_value.toPrecision(2)),
    degraded: r.degraded ? 'DEGRADED' : 'no',
  }));
  const result: JsonResult = {
    meta: [
      { name: 'slice', type: 'String' },
      { name: 'value', type: 'Float64' },
      { name: 'baseline', type: 'Float64' },
      { name: 'n', type: 'UInt64' },
      { name: 'q', type: 'Float64' },
      { name: 'degraded', type: 'String' },
    ],
    data,
    rows: data.length,
  } as JsonResult;
  return renderTable(result);
}
