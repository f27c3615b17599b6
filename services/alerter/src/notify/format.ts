import type {
  AlertCondition,
  MetricName,
  Notification,
  NotificationKind,
  Severity,
  ThresholdOp,
} from '@livegrade/core';

/**
 * How figures read in a message: the same for Slack and the webhook summary, and the
 * same as on the dashboard and in the CLI's tables: the numbers are written by the one
 * shared format in @livegrade/core (packages/core/src/format/number.js), re-exported here
 * under the names the alerter and the CLI's demo import.
 */
export { formatCount, formatEffect, formatP, formatValue, isRateMetric } from '@livegrade/core';

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
