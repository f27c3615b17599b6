import type {
  AlertCondition,
  MetricName,
  Notification,
  NotificationKind,
  Severity,
  ThresholdOp,
} from '@livegrade/core';

/** How figures read in a message: the same for Slack and the webhook summary. */

const PERCENT_METRICS = new Set<MetricName>([
  'error_rate',
  'fallback_rate',
  'retry_rate',
  'thumbs_down_rate',
  'override_rate',
]);

export function isRateMetric(metric: MetricName): boolean {
  return PERCENT_METRICS.has(metric);
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Three significant digits, never in exponent notation for the magnitudes metrics take. */
function sig3(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** A metric's value: rates as percentages with one decimal, counts whole, the rest to 3 significant digits. */
export function formatValue(metric: MetricName, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (isRateMetric(metric)) return `${(v * 100).toFixed(1)}%`;
  if (metric === 'volume') return GROUPED.format(v);
  if (metric.startsWith('latency_')) return `${sig3(v)} ms`;
  return sig3(v);
}

/** An effect on the metric's own scale: a rate difference reads in percentage points. */
export function formatEffect(metric: MetricName, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  const sign = v > 0 ? '+' : '';
  if (isRateMetric(metric)) return `${sign}${(v * 100).toFixed(1)} pp`;
  if (metric === 'volume') return `${sign}${GROUPED.format(v)}`;
  if (metric.startsWith('latency_')) return `${sign}${sig3(v)} ms`;
  return `${sign}${sig3(v)}`;
}

/** p and q values: two significant digits; below 1e-4 the digits say nothing more. */
export function formatP(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (v < 0.0001) return '<0.0001';
  return String(Number(v.toPrecision(2)));
}

export function formatCount(n: number): string {
  return GROUPED.format(n);
}

/** ISO 8601 in UTC, without the milliseconds when they are zero (window edges always are). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
};

export const KIND_TITLE: Record<NotificationKind, string> = {
  firing: 'FIRING',
  repeat: 'still firing',
  resolved: 'RESOLVED',
};

/** A resolved message carries a check mark: a red dot on good news reads as an alarm. */
export function kindEmoji(n: Pick<Notification, 'kind' | 'severity'>): string {
  return n.kind === 'resolved' ? '✅' : SEVERITY_EMOJI[n.severity];
}

const NEGATED: Record<ThresholdOp, string> = { '>': '<=', '>=': '<', '<': '>=', '<=': '>' };

/** The condition in words: `degraded against baseline b1`, or `override_rate > 0.2`. */
export function describeCondition(metric: MetricName, condition: AlertCondition, baseline: string): string {
  if (condition.kind === 'degraded') {
    return baseline ? `${metric} degraded against baseline ${baseline}` : `${metric} degraded (no baseline)`;
  }
  const clears = condition.clear === condition.fire ? '' : ` (clears at ${NEGATED[condition.op]} ${condition.clear})`;
  return `${metric} ${condition.op} ${condition.fire}${clears}`;
}

/** The baseline the notification's figures were compared against ('' when none). */
export function baselineOf(n: Notification): string {
  return n.alerts.find((a) => a.last?.baseline)?.last?.baseline ?? '';
}

export function pluralSlices(count: number): string {
  return `${count} slice${count === 1 ? '' : 's'}`;
}

/**
 * One line of plain text: the Slack notification text (what a phone shows)
 * and the webhook's `summary`. Names at most ten slices.
 */
export function summarise(n: Notification): string {
  const shown = n.alerts.slice(0, 10).map((a) => a.slice);
  const more = n.alerts.length > shown.length ? ` and ${n.alerts.length - shown.length} more` : '';
  const what = describeCondition(n.metric, n.condition, baselineOf(n));
  const verb = n.kind === 'resolved' ? 'cleared on' : 'on';
  return `${kindEmoji(n)} ${KIND_TITLE[n.kind]} ${n.rule} (${n.severity}): ${what}, ${verb} ${pluralSlices(n.alerts.length)}: ${shown.join('; ')}${more}`;
}
