import { formatCount, formatEffect, formatP, formatValue, kindEmoji } from '@livegrade/alerter';
import type { MetricName, NotifiedAlert, SliceMetricRow } from '@livegrade/core';
import type { JsonResult } from '@livegrade/store';
import { renderTable } from '../table.ts';
import type { WebhookBody } from './alert-receiver.ts';

/** How the demo words what it shows: alerts as they arrive, and the wider slices of the alert's window. */

/** the demo's slices are compared on override rate */
export function percent(v: number | null | undefined): string {
  return formatValue('override_rate', v ?? null);
}

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function evidence(metric: MetricName, a: NotifiedAlert): string {
  const o = a.last;
  if (!o) return 'no figures';
  const q = `q ${formatP(o.q_value)}`;
  if (metric === 'override_rate') {
    return `${formatValue(metric, o.value)} of ${formatCount(o.n)} reviewed decisions, baseline ${formatValue(metric, o.baseline_value)} of ${formatCount(o.baseline_n)}, ${formatEffect(metric, o.effect)}; ${q}`;
  }
  if (metric === 'score_ks') {
    return `the scores moved: KS distance ${formatValue(metric, o.value)} between this window's ${formatCount(o.n)} scores and the baseline's ${formatCount(o.baseline_n)}; ${q}`;
  }
  return `${formatValue(metric, o.value)} (baseline ${formatValue(metric, o.baseline_value)}), n ${formatCount(o.n)}, ${formatEffect(metric, o.effect)}; ${q}`;
}

/** An alert as the webhook received it: rule, slice, value against the baseline, evidence, window. */
export function describeAlert(body: WebhookBody): string {
  const n = body.notification;
  const icon = kindEmoji(n);
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
    q: r.q_value === null ? 'not tested' : formatP(r.q_value),
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
