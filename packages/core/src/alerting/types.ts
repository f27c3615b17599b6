/**
 * The alerting contract (docs/ARCHITECTURE.md §7, issue 5): rules as validated from the
 * `alerts:` section, the persisted state of each (rule, slice), and the
 * notifications an evaluation produces. Pure data; no I/O.
 *
 * Two clocks, on purpose:
 * - rule timing (`for`, `resolve_after`, `repeat_interval`) runs on window
 *   ends (data time), so a backlog scored late still walks through its
 *   transitions in order, and an accelerated-time run behaves like a live one;
 * - silences run on wall time, as they do in Alertmanager: a silence "for 2h"
 *   means two hours from now, whatever window is being evaluated.
 */
import type { MetricName } from '../scoring/types.ts';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const THRESHOLD_OPS = ['>', '>=', '<', '<='] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];

export type AlertCondition =
  /** the scorer's verdict: significant after FDR, at least min_effect, on enough samples both sides */
  | { kind: 'degraded' }
  /**
   * `value op fire` starts the condition; once pending or firing it holds
   * while `value op clear` (clear defaults to fire; it may only be more
   * lenient, e.g. op '>' fire 0.2 clear 0.15), so a value hovering at the
   * threshold does not flap.
   */
  | { kind: 'threshold'; op: ThresholdOp; fire: number; clear: number };

export interface AlertRule {
  name: string;
  metric: MetricName;
  /** window length (ms) of the scored windows the rule reads; one of scoring.windows */
  window: number;
  /** grouping sets watched, each sorted; [] is the whole traffic `*` */
  slices: string[][];
  condition: AlertCondition;
  /** an observation on fewer samples (its row's n) does not hold the condition */
  min_samples: number;
  /** how long (data time) the condition must hold before pending becomes firing; 0 fires at once */
  for: number;
  /** how long (data time) the condition must stay clear before firing resolves (Prometheus' keep_firing_for) */
  resolve_after: number;
  /** a firing alert is notified again after this long (data time) */
  repeat_interval: number;
  severity: Severity;
  /** names of receivers declared under alerts.receivers */
  receivers: string[];
}

export type ReceiverConfig =
  /**
   * Slack: with LIVEGRADE_SLACK_BOT_TOKEN and a channel, posts through the
   * Web API (repeats and the resolve go in the firing message's thread, and
   * the firing message is updated once resolved); otherwise posts to the
   * incoming webhook LIVEGRADE_SLACK_WEBHOOK_URL.
   */
  | { type: 'slack'; channel?: string }
  /** generic JSON webhook; the URL is read from the environment variable named here (it is a secret) */
  | { type: 'webhook'; url_env: string };

/** The `alerts:` section of livegrade.config.yaml, after validation (durations in ms). */
export interface AlertsConfig {
  receivers: Record<string, ReceiverConfig>;
  rules: AlertRule[];
}

export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];

/** What one scored window says of one (metric, slice): a slice_metrics row, reduced. */
export interface Observation {
  slice: string;
  window_start: number;
  window_end: number;
  value: number | null;
  n: number;
  baseline: string;
  baseline_value: number | null;
  baseline_n: number;
  p_value: number | null;
  q_value: number | null;
  effect: number | null;
  degraded: boolean;
}

/** The persisted state of one (rule, slice). Times are epoch ms; data-time unless said otherwise. */
export interface AlertState {
  rule: string;
  slice: string;
  state: AlertStateName;
  /** when the condition started holding (pending since); null when inactive */
  active_at: number | null;
  /** last evaluation at which the condition held */
  last_held_at: number | null;
  fired_at: number | null;
  resolved_at: number | null;
  /** data time of the last firing or repeat notification; null: not notified since it fired */
  notified_at: number | null;
  /** id of the notification that announced this alert firing ('' before): repeats and the resolve thread under it */
  firing_notification: string;
  /** the latest observation (figures shown in messages and `alerts list`) */
  last: Observation | null;
}

/** A silence: suppresses notifications of matching alerts while now (wall time) is in [starts_at, ends_at). */
export interface Silence {
  id: string;
  /** rule name, or '*' for every rule */
  rule: string;
  /**
   * `*`, or `dim=value` pairs joined by ',': matches a slice that has every
   * pair (so `language=hi` matches `decision_type=refund,language=hi`)
   */
  slice: string;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string;
  created_at: number;
}

export type NotificationKind = 'firing' | 'repeat' | 'resolved';

/** One alert inside a notification, with the figures to show. */
export interface NotifiedAlert {
  slice: string;
  state: AlertStateName;
  fired_at: number | null;
  resolved_at: number | null;
  /** the firing notification this alert was announced in ('' for a firing notification itself) */
  firing_notification: string;
  last: Observation | null;
}

/**
 * One message of one rule from one evaluation: every newly firing slice in
 * one 'firing' notification, the still-firing ones due again in one
 * 'repeat', the resolved ones in one 'resolved'. Ids are deterministic
 * (rule, kind, window end), so re-running an evaluation queues nothing twice.
 */
export interface Notification {
  id: string;
  kind: NotificationKind;
  rule: string;
  metric: MetricName;
  severity: Severity;
  condition: AlertCondition;
  window_ms: number;
  /** window end of the evaluation that produced it */
  at: number;
  receivers: string[];
  alerts: NotifiedAlert[];
}

/** Why a due notification of an alert was not sent. */
export type Suppression =
  | { slice: string; reason: 'silenced'; silence: string }
  /** a wider slice of the same rule is firing (its slice key named) */
  | { slice: string; reason: 'inhibited'; by: string };

/** A state change, recorded in alert_events. */
export interface Transition {
  rule: string;
  slice: string;
  from: AlertStateName;
  to: AlertStateName;
  at: number;
}

/** Everything one evaluation of one rule over one window decided. */
export interface RuleEvaluation {
  rule: string;
  /** window end evaluated: the rule's watermark (a window ending at or before it is not evaluated again) */
  evaluated_at: number;
  /**
   * the new state of every (rule, slice) that changed, to persist: a new
   * state, a notification sent, or a new observation of a pending or firing
   * alert. A slice that stays inactive has no row at all.
   */
  states: AlertState[];
  transitions: Transition[];
  notifications: Notification[];
  suppressed: Array<Suppression & { rule: string; kind: NotificationKind }>;
}

export type AlertEventKind =
  /** a (rule, slice) changed state: detail is `from->to` */
  | 'transition'
  /** a notification was written and queued to a receiver */
  | 'notification'
  /** a due notification of an alert was not sent: detail names the silence or the inhibiting slice */
  | 'suppressed'
  /** one delivery attempt and its outcome */
  | 'delivery'
  /** a silence was added or expired: detail says which */
  | 'silence';

export type DeliveryOutcome =
  /** the receiver accepted it */
  | 'delivered'
  /** failed (network, 5xx); another attempt follows after backoff */
  | 'retry'
  /** 429: another attempt follows after the receiver's Retry-After */
  | 'rate_limited'
  /** 4xx other than 429: permanent, not retried */
  | 'rejected'
  /** the last attempt failed */
  | 'gave_up';

/**
 * A row of alert_events: the audit trail of alerting. Never holds a webhook
 * URL or a token; `detail` is a message written by livegrade.
 */
export interface AlertEvent {
  /** wall time, epoch ms */
  at: number;
  kind: AlertEventKind;
  rule: string;
  slice: string;
  notification: string;
  receiver: string;
  /** delivery attempt number, from 1; 0 for other kinds */
  attempt: number;
  outcome: DeliveryOutcome | '';
  /** HTTP status of a delivery attempt, 0 when there was no response */
  status: number;
  detail: string;
  /** where a delivered message lives, e.g. a Slack `channel/ts`, so repeats can thread under it */
  ref: string;
}
