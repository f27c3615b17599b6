import type { AlertRule, AlertState, Observation, ThresholdOp } from './types.ts';

/**
 * The life of one (rule, slice): inactive → pending → firing → resolved,
 * stepped once per evaluated window, on window ends (data time). Pure.
 */

/**
 * Whether `obs` holds the rule's condition. `active` (the alert is pending
 * or firing) switches a threshold to its clear value: the hysteresis that
 * keeps a value hovering at the threshold from flapping.
 */
export function conditionHolds(
  rule: Pick<AlertRule, 'condition' | 'min_samples'>,
  obs: Observation | undefined,
  active: boolean,
): boolean {
  if (obs === undefined || obs.value === null || obs.n < rule.min_samples) return false;
  const c = rule.condition;
  if (c.kind === 'degraded') return obs.degraded;
  return thresholdHolds(obs.value, c.op, active ? c.clear : c.fire);
}

/** `value op bound` */
export function thresholdHolds(value: number, op: ThresholdOp, bound: number): boolean {
  switch (op) {
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
  }
}

/** The state of a (rule, slice) nothing has happened to. */
export function inactiveState(rule: string, slice: string, last: Observation | null = null): AlertState {
  return {
    rule,
    slice,
    state: 'inactive',
    active_at: null,
    last_held_at: null,
    fired_at: null,
    resolved_at: null,
    notified_at: null,
    firing_notification: '',
    last,
  };
}

/**
 * The state after the window ending at `at`, given the one before (undefined:
 * never seen) and the window's observation (undefined: the slice has no row
 * this window, which does not hold the condition). Notification bookkeeping
 * (notified_at, firing_notification) is left to the caller, except that an
 * alert firing anew has not been notified yet.
 */
export function step(
  prev: AlertState | undefined,
  rule: Pick<AlertRule, 'name' | 'condition' | 'min_samples' | 'for' | 'resolve_after'>,
  slice: string,
  obs: Observation | undefined,
  at: number,
): AlertState {
  const from = prev?.state ?? 'inactive';
  const holds = conditionHolds(rule, obs, from === 'pending' || from === 'firing');
  const last = obs ?? prev?.last ?? null;
  switch (from) {
    case 'inactive':
    case 'resolved': {
      if (!holds) return prev && from === 'resolved' ? { ...prev, last } : inactiveState(rule.name, slice, last);
      const pending: AlertState = {
        ...inactiveState(rule.name, slice, last),
        state: 'pending',
        active_at: at,
        last_held_at: at,
      };
      return rule.for <= 0 ? fire(pending, at) : pending;
    }
    case 'pending': {
      if (!holds) return inactiveState(rule.name, slice, last);
      const held: AlertState = { ...prev!, last_held_at: at, last };
      return at - (held.active_at ?? at) >= rule.for ? fire(held, at) : held;
    }
    case 'firing': {
      if (holds) return { ...prev!, last_held_at: at, last };
      const clearFor = at - (prev!.last_held_at ?? Number.NEGATIVE_INFINITY);
      if (clearFor >= rule.resolve_after) return { ...prev!, state: 'resolved', resolved_at: at, last };
      return { ...prev!, last };
    }
  }
}

function fire(s: AlertState, at: number): AlertState {
  return { ...s, state: 'firing', fired_at: at, resolved_at: null, notified_at: null, firing_notification: '' };
}
