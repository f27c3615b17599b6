import {
  type AlertEvent,
  type AlertState,
  evaluateRule,
  type Notification,
  type QUEUES,
  type RuleEvaluation,
  type ScoreWindowJob,
  sliceKeys,
} from '@livegrade/core';
import type { JobQueue } from '@livegrade/jobs';
import type { Repository } from '@livegrade/store';
import type { AlerterConfig } from './config.ts';

export interface EvaluateDeps {
  store: Repository;
  deliveries: JobQueue<typeof QUEUES.alertDelivery>;
  config: AlerterConfig;
  /** wall clock, for silences and event times */
  now: () => number;
}

export interface WindowEvaluation {
  window_ms: number;
  end_ms: number;
  /** rules that read this window length and had not evaluated it yet */
  rules: number;
  transitions: number;
  notifications: number;
  suppressed: number;
}

/**
 * Runs every rule that reads this window's length over the window's scored
 * rows, once: a rule's watermark (the last window end it evaluated) skips
 * windows at or before it, so a retried job or a catch-up window scored
 * late does not step the state machine backwards.
 *
 * Writes in an order that survives a crash anywhere: the notifications
 * first (the outbox; ids are deterministic, so a re-run rewrites the same
 * rows), then states and events, then the watermark, then the delivery
 * jobs. A crash before the jobs are queued leaves notifications without a
 * delivery outcome, which the alerter queues again when it starts.
 */
export async function evaluateWindow(deps: EvaluateDeps, window: ScoreWindowJob): Promise<WindowEvaluation> {
  const { store, config } = deps;
  const out: WindowEvaluation = { ...window, rules: 0, transitions: 0, notifications: 0, suppressed: 0 };
  const reading = config.alerts.rules.filter((r) => r.window === window.window_ms);
  if (reading.length === 0) return out;
  const watermarks = await store.ruleWatermarks();
  const due = reading.filter((r) => (watermarks.get(r.name) ?? Number.NEGATIVE_INFINITY) < window.end_ms);
  if (due.length === 0) return out;
  const now = deps.now();
  const [observations, states, silences] = await Promise.all([
    store.ruleObservations(window, [...new Set(due.map((r) => r.metric))]),
    store.alertStates(due.map((r) => r.name)),
    store.silences({ now }),
  ]);
  const statesOf = new Map<string, AlertState[]>();
  for (const s of states) {
    const list = statesOf.get(s.rule);
    if (list) list.push(s);
    else statesOf.set(s.rule, [s]);
  }
  const keys = sliceKeys();
  const results = due.map((rule) =>
    evaluateRule({
      rule,
      at: window.end_ms,
      observations: observations.get(rule.metric) ?? [],
      states: statesOf.get(rule.name) ?? [],
      silences,
      now,
      sliceKeys: keys,
    }),
  );
  const notifications = results.flatMap((r) => r.notifications);
  await store.insertNotifications(notifications, now);
  await store.saveAlertStates(
    results.flatMap((r) => r.states),
    now,
  );
  await store.insertAlertEvents(results.flatMap((r) => eventsOf(r, now)));
  await store.saveRuleWatermarks(results.map((r) => ({ rule: r.rule, evaluated_at: r.evaluated_at })));
  for (const n of notifications) await queueDeliveries(deps, n);
  out.rules = due.length;
  for (const r of results) {
    out.transitions += r.transitions.length;
    out.notifications += r.notifications.length;
    out.suppressed += r.suppressed.length;
  }
  return out;
}

/**
 * One delivery job per receiver; the job id makes queuing it again (a re-run,
 * the outbox replay) a no-op. Returns how many jobs were added.
 */
export async function queueDeliveries(
  deps: Pick<EvaluateDeps, 'deliveries' | 'config'>,
  n: Pick<Notification, 'id' | 'receivers'>,
  only?: string,
): Promise<number> {
  const p = deps.config.delivery;
  let added = 0;
  for (const receiver of n.receivers) {
    if (only !== undefined && receiver !== only) continue;
    const r = await deps.deliveries.add(
      'deliver',
      { notification: n.id, receiver },
      {
        jobId: deliveryJobId(n.id, receiver),
        attempts: p.attempts,
        backoffMs: p.backoffMs,
        backoffMaxMs: p.maxBackoffMs,
        jitter: p.jitter,
      },
    );
    if (r.added) added++;
  }
  return added;
}

export function deliveryJobId(notification: string, receiver: string): string {
  return `${notification}.${receiver}`;
}

function eventsOf(r: RuleEvaluation, now: number): AlertEvent[] {
  const base = {
    at: now,
    rule: r.rule,
    notification: '',
    receiver: '',
    attempt: 0,
    outcome: '' as const,
    status: 0,
    ref: '',
  };
  return [
    ...r.transitions.map(
      (t): AlertEvent => ({ ...base, kind: 'transition', slice: t.slice, detail: `${t.from}->${t.to}` }),
    ),
    ...r.notifications.flatMap((n) =>
      n.receivers.map(
        (receiver): AlertEvent => ({
          ...base,
          kind: 'notification',
          slice: slicesOf(n),
          notification: n.id,
          receiver,
          detail: `${n.kind}: ${n.alerts.length} slice${n.alerts.length === 1 ? '' : 's'}`,
        }),
      ),
    ),
    ...r.suppressed.map(
      (s): AlertEvent => ({
        ...base,
        kind: 'suppressed',
        slice: s.slice,
        detail: s.reason === 'silenced' ? `${s.kind} silenced by ${s.silence}` : `${s.kind} inhibited by ${s.by}`,
      }),
    ),
  ];
}

/** The slices of a notification, as alert_events records them in one row. */
export function slicesOf(n: Pick<Notification, 'alerts'>): string {
  return n.alerts.map((a) => a.slice).join(' | ');
}
