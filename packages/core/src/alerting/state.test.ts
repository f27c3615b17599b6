import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionHolds, inactiveState, step } from './state.ts';
import type { AlertCondition, AlertRule, AlertState, AlertStateName, Observation } from './types.ts';

const MIN = 60_000;
const T0 = 1_700_000_000_000;

function rule(over: Partial<AlertRule> = {}): AlertRule {
  return {
    name: 'overrides',
    metric: 'override_rate',
    window: 15 * MIN,
    slices: [[]],
    condition: { kind: 'degraded' },
    min_samples: 100,
    for: 5 * MIN,
    resolve_after: 10 * MIN,
    repeat_interval: 4 * 60 * MIN,
    severity: 'warning',
    receivers: [],
    ...over,
  };
}

function obs(at: number, over: Partial<Observation> = {}): Observation {
  return {
    slice: '*',
    window_start: at - 15 * MIN,
    window_end: at,
    value: 0.3,
    n: 500,
    baseline: 'b1',
    baseline_value: 0.1,
    baseline_n: 5000,
    p_value: 0.0001,
    q_value: 0.001,
    effect: 0.2,
    degraded: true,
    ...over,
  };
}

const HOLDS = obs(T0);
const CLEAR = obs(T0, { degraded: false, value: 0.1, effect: 0, p_value: 0.5, q_value: 0.7 });

function state(name: AlertStateName, over: Partial<AlertState> = {}): AlertState {
  return { ...inactiveState('overrides', '*', HOLDS), state: name, ...over };
}

const PENDING = state('pending', { active_at: T0 - 2 * MIN, last_held_at: T0 - MIN });
const FIRING = state('firing', {
  active_at: T0 - 30 * MIN,
  last_held_at: T0 - MIN,
  fired_at: T0 - 25 * MIN,
  notified_at: T0 - 25 * MIN,
  firing_notification: 'overrides.firing.1',
});
const RESOLVED = state('resolved', {
  active_at: T0 - 60 * MIN,
  last_held_at: T0 - 20 * MIN,
  fired_at: T0 - 55 * MIN,
  resolved_at: T0 - 10 * MIN,
  notified_at: T0 - 55 * MIN,
  firing_notification: 'overrides.firing.1',
});

describe('step', () => {
  const cases: Array<{
    name: string;
    prev: AlertState | undefined;
    rule?: Partial<AlertRule>;
    obs: Observation | undefined;
    at?: number;
    expect: Partial<AlertState>;
  }> = [
    {
      name: 'never seen + holds → pending since now',
      prev: undefined,
      obs: HOLDS,
      expect: { state: 'pending', active_at: T0, last_held_at: T0, fired_at: null, notified_at: null },
    },
    {
      name: 'never seen + holds with for 0 → firing at once, not yet notified',
      prev: undefined,
      rule: { for: 0 },
      obs: HOLDS,
      expect: { state: 'firing', active_at: T0, fired_at: T0, notified_at: null, firing_notification: '' },
    },
    { name: 'never seen + clear → inactive', prev: undefined, obs: CLEAR, expect: { state: 'inactive', last: CLEAR } },
    {
      name: 'never seen, no observation → inactive',
      prev: undefined,
      obs: undefined,
      expect: state('inactive', { last: null }),
    },
    {
      name: 'inactive + holds → pending',
      prev: state('inactive'),
      obs: HOLDS,
      expect: { state: 'pending', active_at: T0, last_held_at: T0 },
    },
    {
      name: 'pending + holds, before `for` → still pending, held now',
      prev: PENDING,
      obs: HOLDS,
      expect: { state: 'pending', active_at: T0 - 2 * MIN, last_held_at: T0, fired_at: null },
    },
    {
      name: 'pending + holds, exactly `for` after active_at → firing',
      prev: PENDING,
      rule: { for: 2 * MIN },
      obs: HOLDS,
      expect: { state: 'firing', active_at: T0 - 2 * MIN, fired_at: T0, last_held_at: T0, notified_at: null },
    },
    {
      name: 'pending + holds, 1 ms short of `for` → still pending',
      prev: PENDING,
      rule: { for: 2 * MIN + 1 },
      obs: HOLDS,
      expect: { state: 'pending', fired_at: null },
    },
    {
      name: 'pending + clear → inactive, forgetting when it started',
      prev: PENDING,
      obs: CLEAR,
      expect: { state: 'inactive', active_at: null, last_held_at: null, last: CLEAR },
    },
    {
      name: 'pending, no observation → inactive, keeping the last figures',
      prev: PENDING,
      obs: undefined,
      expect: { state: 'inactive', active_at: null, last: HOLDS },
    },
    {
      name: 'firing + holds → firing, held now, notification bookkeeping kept',
      prev: FIRING,
      obs: HOLDS,
      expect: {
        state: 'firing',
        fired_at: T0 - 25 * MIN,
        last_held_at: T0,
        notified_at: T0 - 25 * MIN,
        firing_notification: 'overrides.firing.1',
      },
    },
    {
      name: 'firing + clear, 1 ms short of resolve_after → still firing',
      prev: FIRING,
      rule: { resolve_after: MIN + 1 },
      obs: CLEAR,
      expect: { state: 'firing', last_held_at: T0 - MIN, resolved_at: null, last: CLEAR },
    },
    {
      name: 'firing + clear, exactly resolve_after since it last held → resolved, notified_at kept',
      prev: FIRING,
      rule: { resolve_after: MIN },
      obs: CLEAR,
      expect: {
        state: 'resolved',
        resolved_at: T0,
        fired_at: T0 - 25 * MIN,
        notified_at: T0 - 25 * MIN,
        firing_notification: 'overrides.firing.1',
      },
    },
    {
      name: 'firing + clear with resolve_after 0 → resolved at once',
      prev: FIRING,
      rule: { resolve_after: 0 },
      obs: CLEAR,
      expect: { state: 'resolved', resolved_at: T0 },
    },
    {
      name: 'firing, no observation, within resolve_after → firing with the last figures',
      prev: FIRING,
      obs: undefined,
      expect: { state: 'firing', last: HOLDS, last_held_at: T0 - MIN },
    },
    {
      name: 'resolved + clear → stays resolved as it was',
      prev: RESOLVED,
      obs: CLEAR,
      expect: { ...RESOLVED, last: CLEAR },
    },
    {
      name: 'resolved + holds → pending anew, the old alert forgotten',
      prev: RESOLVED,
      obs: HOLDS,
      expect: {
        state: 'pending',
        active_at: T0,
        fired_at: null,
        resolved_at: null,
        notified_at: null,
        firing_notification: '',
      },
    },
    {
      name: 'resolved + holds with for 0 → a new firing alert, not yet notified',
      prev: RESOLVED,
      rule: { for: 0 },
      obs: HOLDS,
      expect: { state: 'firing', fired_at: T0, resolved_at: null, notified_at: null, firing_notification: '' },
    },
    {
      name: 'too few samples do not hold the condition',
      prev: undefined,
      obs: obs(T0, { n: 99 }),
      expect: { state: 'inactive' },
    },
    {
      name: 'exactly min_samples holds it',
      prev: undefined,
      obs: obs(T0, { n: 100 }),
      expect: { state: 'pending' },
    },
    {
      name: 'too few samples clear a firing alert',
      prev: FIRING,
      rule: { resolve_after: 0 },
      obs: obs(T0, { n: 10 }),
      expect: { state: 'resolved' },
    },
    {
      name: 'a null value does not hold, even flagged degraded',
      prev: undefined,
      obs: obs(T0, { value: null }),
      expect: { state: 'inactive' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const next = step(c.prev, rule(c.rule), '*', c.obs, c.at ?? T0);
      const picked = Object.fromEntries(Object.keys(c.expect).map((k) => [k, next[k as keyof AlertState]]));
      assert.deepEqual(picked, c.expect);
      assert.equal(next.rule, 'overrides');
      assert.equal(next.slice, '*');
    });
  }

  it('never changes the state it is given', () => {
    const prev = structuredClone(FIRING);
    step(prev, rule({ resolve_after: 0 }), '*', CLEAR, T0);
    assert.deepEqual(prev, FIRING);
  });
});

describe('conditionHolds', () => {
  const threshold = (op: '>' | '>=' | '<' | '<=', fire: number, clear: number): AlertCondition => ({
    kind: 'threshold',
    op,
    fire,
    clear,
  });
  const cases: Array<[string, AlertCondition, number, boolean, boolean]> = [
    ['> at the threshold', threshold('>', 0.2, 0.15), 0.2, false, false],
    ['> above the threshold', threshold('>', 0.2, 0.15), 0.2001, false, true],
    ['>= at the threshold', threshold('>=', 0.2, 0.15), 0.2, false, true],
    ['> between clear and fire, not active', threshold('>', 0.2, 0.15), 0.18, false, false],
    ['> between clear and fire, active', threshold('>', 0.2, 0.15), 0.18, true, true],
    ['> at clear, active', threshold('>', 0.2, 0.15), 0.15, true, false],
    ['>= at clear, active', threshold('>=', 0.2, 0.15), 0.15, true, true],
    ['< at the threshold', threshold('<', 0.6, 0.7), 0.6, false, false],
    ['<= at the threshold', threshold('<=', 0.6, 0.7), 0.6, false, true],
    ['< between fire and clear, not active', threshold('<', 0.6, 0.7), 0.65, false, false],
    ['< between fire and clear, active', threshold('<', 0.6, 0.7), 0.65, true, true],
    ['<= at clear, active', threshold('<=', 0.6, 0.7), 0.7, true, true],
    ['< at clear, active', threshold('<', 0.6, 0.7), 0.7, true, false],
  ];
  for (const [name, condition, value, active, expected] of cases) {
    it(name, () => {
      assert.equal(
        conditionHolds({ condition, min_samples: 1 }, obs(T0, { value, degraded: false }), active),
        expected,
      );
    });
  }

  it('reads the verdict for degraded, whatever the value', () => {
    const r = { condition: { kind: 'degraded' } as const, min_samples: 1 };
    assert.equal(conditionHolds(r, obs(T0, { degraded: true, value: 0 }), false), true);
    assert.equal(conditionHolds(r, obs(T0, { degraded: false, value: 1 }), true), false);
    assert.equal(conditionHolds(r, undefined, true), false);
  });
});

/** Steps one slice through `held` (one flag per window, a window a minute) and returns the state names. */
function run(r: AlertRule, values: Array<boolean | number | undefined>): AlertStateName[] {
  let s: AlertState | undefined;
  return values.map((v, i) => {
    const at = T0 + i * MIN;
    const o =
      v === undefined
        ? undefined
        : typeof v === 'number'
          ? obs(at, { value: v, degraded: false })
          : obs(at, { degraded: v });
    s = step(s, r, '*', o, at);
    return s.state;
  });
}

describe('flapping input', () => {
  it('a condition that holds every other window never outlasts `for`', () => {
    const states = run(rule({ for: 2 * MIN }), [true, false, true, false, true, false, true]);
    assert.deepEqual(states, ['pending', 'inactive', 'pending', 'inactive', 'pending', 'inactive', 'pending']);
  });

  it('one missing window restarts `for`', () => {
    const states = run(rule({ for: 2 * MIN }), [true, true, undefined, true, true, true]);
    assert.deepEqual(states, ['pending', 'pending', 'inactive', 'pending', 'pending', 'firing']);
  });

  it('resolve_after keeps a firing alert through short clear spells, and resolves after a long one', () => {
    const states = run(rule({ for: 0, resolve_after: 2 * MIN }), [true, false, true, false, false, false, true]);
    // held at 0 and 2 min; clear at 1 min (1 min < 2), and from 3 min: 2 min after the last hold, at 4, it resolves
    assert.deepEqual(states, ['firing', 'firing', 'firing', 'firing', 'resolved', 'resolved', 'firing']);
  });

  it('without resolve_after, every clear window resolves and the next holding one fires again', () => {
    const states = run(rule({ for: 0, resolve_after: 0 }), [true, false, true, false]);
    assert.deepEqual(states, ['firing', 'resolved', 'firing', 'resolved']);
  });

  it('a value hovering at the threshold flaps without a clear value, and not with one', () => {
    const hovering = [0.21, 0.19, 0.21, 0.19, 0.16, 0.14];
    const condition = (clear: number): AlertCondition => ({ kind: 'threshold', op: '>', fire: 0.2, clear });
    assert.deepEqual(run(rule({ for: 0, resolve_after: 0, condition: condition(0.2) }), hovering), [
      'firing',
      'resolved',
      'firing',
      'resolved',
      'resolved',
      'resolved',
    ]);
    assert.deepEqual(run(rule({ for: 0, resolve_after: 0, condition: condition(0.15) }), hovering), [
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'resolved',
    ]);
  });

  it('a re-fired alert starts its own life: new fired_at, not notified', () => {
    const r = rule({ for: 0, resolve_after: 0 });
    const first = { ...step(undefined, r, '*', HOLDS, T0), notified_at: T0, firing_notification: 'overrides.firing.x' };
    const resolved = step(first, r, '*', obs(T0 + MIN, { degraded: false }), T0 + MIN);
    const again = step(resolved, r, '*', obs(T0 + 2 * MIN), T0 + 2 * MIN);
    assert.equal(resolved.notified_at, T0);
    assert.deepEqual(
      [again.state, again.fired_at, again.notified_at, again.firing_notification],
      ['firing', T0 + 2 * MIN, null, ''],
    );
  });
});
