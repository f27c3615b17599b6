import type { ClickHouseClient } from '@clickhouse/client';
import type {
  AlertEvent,
  AlertEventKind,
  AlertState,
  AlertStateName,
  DeliveryOutcome,
  Notification,
  Observation,
  Silence,
} from '@livegrade/core';
import { type Int64Text, jsonRows } from './json-rows.ts';

/** Delivery outcomes after which a (notification, receiver) is never attempted again. */
const TERMINAL_OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'rejected', 'gave_up'];

/** Page size of alertEvents when the caller names none. */
export const DEFAULT_ALERT_EVENTS_LIMIT = 100;

/**
 * Times come out as epoch ms through toUnixTimestamp64Milli (a DateTime64
 * reads as a text date) under an `_ms` alias: an alias named as its column
 * would stand for the converted value in WHERE and ORDER BY too. 64-bit
 * integers may come back as strings (the HTTP interface quotes them), hence
 * a Number() on each.
 */

const OBSERVATION_FIGURES = 'value, n, baseline, baseline_value, baseline_n, p_value, q_value, effect, degraded';

const STATE_COLUMNS = `rule, slice, state, firing_notification,
  toUnixTimestamp64Milli(active_at) AS active_at_ms, toUnixTimestamp64Milli(last_held_at) AS last_held_at_ms,
  toUnixTimestamp64Milli(fired_at) AS fired_at_ms, toUnixTimestamp64Milli(resolved_at) AS resolved_at_ms,
  toUnixTimestamp64Milli(notified_at) AS notified_at_ms,
  toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms,
  ${OBSERVATION_FIGURES}`;

const OBSERVATION_COLUMNS = `metric, slice,
  toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms,
  ${OBSERVATION_FIGURES}`;

const SILENCE_COLUMNS = `id, rule, slice, comment, created_by,
  toUnixTimestamp64Milli(starts_at) AS starts_at_ms, toUnixTimestamp64Milli(ends_at) AS ends_at_ms,
  toUnixTimestamp64Milli(created_at) AS created_at_ms, toUnixTimestamp64Milli(updated_at) AS updated_at_ms`;

const EVENT_COLUMNS =
  'toUnixTimestamp64Milli(at) AS at_ms, kind, rule, slice, notification, receiver, attempt, outcome, status, detail, ref';

interface FiguresRow {
  slice: string;
  value: number | null;
  n: Int64Text;
  baseline: string;
  baseline_value: number | null;
  baseline_n: Int64Text;
  p_value: number | null;
  q_value: number | null;
  effect: number | null;
  degraded: boolean | number;
}

type ObservationRow = FiguresRow & { metric: string; window_start_ms: Int64Text; window_end_ms: Int64Text };

interface StateRow extends FiguresRow {
  rule: string;
  state: AlertStateName;
  firing_notification: string;
  active_at_ms: Int64Text | null;
  last_held_at_ms: Int64Text | null;
  fired_at_ms: Int64Text | null;
  resolved_at_ms: Int64Text | null;
  notified_at_ms: Int64Text | null;
  window_start_ms: Int64Text | null;
  window_end_ms: Int64Text | null;
}

interface SilenceRow {
  id: string;
  rule: string;
  slice: string;
  comment: string;
  created_by: string;
  starts_at_ms: Int64Text;
  ends_at_ms: Int64Text;
  created_at_ms: Int64Text;
  updated_at_ms: Int64Text;
}

type EventRow = Omit<AlertEvent, 'at'> & { at_ms: Int64Text };

function msOrNull(v: Int64Text | null): number | null {
  return v === null ? null : Number(v);
}

function toObservation(r: FiguresRow, windowStart: Int64Text, windowEnd: Int64Text): Observation {
  return {
    slice: r.slice,
    window_start: Number(windowStart),
    window_end: Number(windowEnd),
    value: r.value,
    n: Number(r.n),
    baseline: r.baseline,
    baseline_value: r.baseline_value,
    baseline_n: Number(r.baseline_n),
    p_value: r.p_value,
    q_value: r.q_value,
    effect: r.effect,
    degraded: Boolean(r.degraded),
  };
}

/** A state's observation is of the state's own slice: alert_state keeps no second slice column. */
function toAlertState(r: StateRow): AlertState {
  return {
    rule: r.rule,
    slice: r.slice,
    state: r.state,
    active_at: msOrNull(r.active_at_ms),
    last_held_at: msOrNull(r.last_held_at_ms),
    fired_at: msOrNull(r.fired_at_ms),
    resolved_at: msOrNull(r.resolved_at_ms),
    notified_at: msOrNull(r.notified_at_ms),
    firing_notification: r.firing_notification,
    last: r.window_end_ms === null ? null : toObservation(r, r.window_start_ms ?? r.window_end_ms, r.window_end_ms),
  };
}

function alertStateRow(s: AlertState, version: number) {
  const last = s.last;
  return {
    rule: s.rule,
    slice: s.slice,
    state: s.state,
    active_at: s.active_at,
    last_held_at: s.last_held_at,
    fired_at: s.fired_at,
    resolved_at: s.resolved_at,
    notified_at: s.notified_at,
    firing_notification: s.firing_notification,
    window_start: last?.window_start ?? null,
    window_end: last?.window_end ?? null,
    value: last?.value ?? null,
    n: last?.n ?? 0,
    baseline: last?.baseline ?? '',
    baseline_value: last?.baseline_value ?? null,
    baseline_n: last?.baseline_n ?? 0,
    p_value: last?.p_value ?? null,
    q_value: last?.q_value ?? null,
    effect: last?.effect ?? null,
    degraded: last?.degraded ?? false,
    version,
  };
}

function toSilence(r: SilenceRow): Silence {
  return {
    id: r.id,
    rule: r.rule,
    slice: r.slice,
    starts_at: Number(r.starts_at_ms),
    ends_at: Number(r.ends_at_ms),
    comment: r.comment,
    created_by: r.created_by,
    created_at: Number(r.created_at_ms),
  };
}

function toAlertEvent(r: EventRow): AlertEvent {
  const { at_ms, ...rest } = r;
  return { ...rest, at: Number(at_ms), attempt: Number(r.attempt), status: Number(r.status) };
}

/**
 * Alerting's tables (0009_alerts.sql): alert_state, alert_rule_progress,
 * alert_notifications (the outbox), alert_events and silences. Times are
 * epoch ms. Replacing tables are read with FINAL, on the writer session.
 */
export function createAlertsRepository(writer: ClickHouseClient) {
  const rows = jsonRows(writer);
  async function insert(table: string, values: readonly object[]) {
    if (values.length === 0) return;
    await writer.insert({ table, values: values as object[], format: 'JSONEachRow' });
  }
  async function silenceRow(id: string): Promise<SilenceRow | null> {
    const [r] = await rows<SilenceRow>(`SELECT ${SILENCE_COLUMNS} FROM silences FINAL WHERE id = {id:String}`, { id });
    return r ?? null;
  }

  return {
    /** The latest state of every (rule, slice), or of these rules' only; ordered by rule and slice. */
    async alertStates(rules?: string[]): Promise<AlertState[]> {
      if (rules?.length === 0) return [];
      const raw = await rows<StateRow>(
        `SELECT ${STATE_COLUMNS} FROM alert_state FINAL
         ${rules ? 'WHERE rule IN {rules:Array(String)}' : ''}
         ORDER BY rule, slice`,
        rules ? { rules } : {},
      );
      return raw.map(toAlertState);
    },

    /**
     * Replaces the state of each (rule, slice) given: a higher version wins,
     * of equal versions the later write. The states of one call are of
     * distinct (rule, slice).
     */
    async saveAlertStates(states: readonly AlertState[], version = Date.now()) {
      await insert(
        'alert_state',
        states.map((s) => alertStateRow(s, version)),
      );
    },

    /** rule → the latest window end it evaluated. */
    async ruleWatermarks(): Promise<Map<string, number>> {
      const raw = await rows<{ rule: string; at: Int64Text }>(
        'SELECT rule, toUnixTimestamp64Milli(max(evaluated_at)) AS at FROM alert_rule_progress GROUP BY rule',
      );
      return new Map(raw.map((r) => [r.rule, Number(r.at)]));
    },

    /** Moves watermarks forward; a mark behind the stored one is kept but never read (the furthest wins). */
    async saveRuleWatermarks(entries: ReadonlyArray<{ rule: string; evaluated_at: number }>) {
      await insert(
        'alert_rule_progress',
        entries.map((e) => ({ rule: e.rule, evaluated_at: e.evaluated_at })),
      );
    },

    /**
     * The latest run of the scored window [end - window_ms, end): its rows of
     * these metrics, by metric (every metric asked for has an entry, [] when
     * the window has no row of it), each ordered by slice.
     */
    async ruleObservations(
      window: { window_ms: number; end_ms: number },
      metrics: readonly string[],
    ): Promise<Map<string, Observation[]>> {
      const out = new Map<string, Observation[]>(metrics.map((m) => [m, []]));
      if (metrics.length === 0) return out;
      const raw = await rows<ObservationRow>(
        `SELECT ${OBSERVATION_COLUMNS} FROM slice_metrics FINAL
         WHERE window_start = fromUnixTimestamp64Milli({start:Int64}) AND window_end = fromUnixTimestamp64Milli({end:Int64})
           AND metric IN {metrics:Array(String)}
         ORDER BY metric, slice`,
        { start: window.end_ms - window.window_ms, end: window.end_ms, metrics },
      );
      for (const r of raw) out.get(r.metric)?.push(toObservation(r, r.window_start_ms, r.window_end_ms));
      return out;
    },

    /** Writes notifications to the outbox; writing an id again replaces its row. */
    async insertNotifications(ns: readonly Notification[], createdAt = Date.now()) {
      await insert(
        'alert_notifications',
        ns.map((n) => ({
          id: n.id,
          created_at: createdAt,
          rule: n.rule,
          kind: n.kind,
          at: n.at,
          receivers: n.receivers,
          body: JSON.stringify(n),
        })),
      );
    },

    async notification(id: string): Promise<Notification | null> {
      const [r] = await rows<{ body: string }>('SELECT body FROM alert_notifications FINAL WHERE id = {id:String}', {
        id,
      });
      return r ? (JSON.parse(r.body) as Notification) : null;
    },

    /**
     * Every (notification, receiver) of the notifications created since
     * `sinceMs` that has no final delivery event (delivered, rejected or
     * gave_up): what to queue again after a restart. One whose attempts all
     * asked for a retry is still pending. Oldest notification first.
     */
    async pendingDeliveries(sinceMs: number): Promise<Array<{ notification: string; receiver: string }>> {
      return rows<{ notification: string; receiver: string }>(
        `SELECT id AS notification, receiver
         FROM alert_notifications FINAL
         ARRAY JOIN receivers AS receiver
         WHERE created_at >= fromUnixTimestamp64Milli({since:Int64})
           AND (id, receiver) NOT IN (
             SELECT notification, toString(receiver) FROM alert_events
             WHERE kind = 'delivery' AND outcome IN {terminal:Array(String)}
               AND notification IN (SELECT id FROM alert_notifications
                                    WHERE created_at >= fromUnixTimestamp64Milli({since:Int64})))
         ORDER BY created_at, notification, receiver`,
        { since: Math.floor(sinceMs), terminal: TERMINAL_OUTCOMES },
      );
    },

    async insertAlertEvents(events: readonly AlertEvent[]) {
      await insert('alert_events', events);
    },

    /** Events matching every filter given, newest first; at most `limit` (default DEFAULT_ALERT_EVENTS_LIMIT). */
    async alertEvents(filter: {
      rule?: string;
      notification?: string;
      kind?: AlertEventKind;
      limit?: number;
    }): Promise<AlertEvent[]> {
      const where = [
        filter.rule !== undefined && 'rule = {rule:String}',
        filter.notification !== undefined && 'notification = {notification:String}',
        filter.kind !== undefined && 'kind = {kind:String}',
      ].filter((c): c is string => typeof c === 'string');
      const raw = await rows<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM alert_events
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at DESC, attempt DESC
         LIMIT {limit:UInt32}`,
        {
          ...(filter.rule !== undefined ? { rule: filter.rule } : {}),
          ...(filter.notification !== undefined ? { notification: filter.notification } : {}),
          ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
          limit: filter.limit ?? DEFAULT_ALERT_EVENTS_LIMIT,
        },
      );
      return raw.map(toAlertEvent);
    },

    /** Where the receiver put this notification (e.g. a Slack `channel/ts`), or null when not delivered there. */
    async deliveredRef(notification: string, receiver: string): Promise<string | null> {
      const [r] = await rows<{ ref: string }>(
        `SELECT ref FROM alert_events
         WHERE notification = {notification:String} AND receiver = {receiver:String}
           AND kind = 'delivery' AND outcome = 'delivered'
         ORDER BY at DESC LIMIT 1`,
        { notification, receiver },
      );
      return r ? r.ref : null;
    },

    /** Adds a silence, or replaces the one of that id. */
    async insertSilence(s: Silence) {
      await insert('silences', [{ ...s, updated_at: Date.now() }]);
    },

    /** Silences active at `now` (starts_at <= now < ends_at), or all of them with includeExpired; by creation. */
    async silences(opts: { now: number; includeExpired?: boolean }): Promise<Silence[]> {
      const raw = await rows<SilenceRow>(
        `SELECT ${SILENCE_COLUMNS} FROM silences FINAL
         ${opts.includeExpired ? '' : 'WHERE starts_at <= fromUnixTimestamp64Milli({now:Int64}) AND ends_at > fromUnixTimestamp64Milli({now:Int64})'}
         ORDER BY created_at, id`,
        { now: Math.floor(opts.now) },
      );
      return raw.map(toSilence);
    },

    async silence(id: string): Promise<Silence | null> {
      const r = await silenceRow(id);
      return r ? toSilence(r) : null;
    },

    /** Ends a silence at `now` (one already over keeps its end); null when there is no such silence. */
    async expireSilence(id: string, now: number): Promise<Silence | null> {
      const prior = await silenceRow(id);
      if (!prior) return null;
      const expired = { ...toSilence(prior), ends_at: Math.min(Number(prior.ends_at_ms), now) };
      // strictly newer than the row it replaces, even within the same millisecond or behind a skewed clock
      const updatedAt = Math.max(Date.now(), Number(prior.updated_at_ms) + 1);
      await insert('silences', [{ ...expired, updated_at: updatedAt }]);
      return expired;
    },

    /**
     * The alerts to show (`alerts list`): firing ones, then pending ones.
     * Within each, worst first: lowest q_value (no q_value last), then largest
     * |effect| (none last), then by rule and slice. Severity is the rule's,
     * not the state's, so callers that know the rules may re-rank by it.
     */
    async alertsList(): Promise<AlertState[]> {
      const raw = await rows<StateRow>(
        `SELECT ${STATE_COLUMNS} FROM alert_state FINAL
         WHERE state IN ('firing', 'pending')
         ORDER BY state = 'firing' DESC, q_value ASC NULLS LAST, abs(effect) DESC NULLS LAST, rule, slice`,
      );
      return raw.map(toAlertState);
    },
  };
}

export type AlertsRepository = ReturnType<typeof createAlertsRepository>;
