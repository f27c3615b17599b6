import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule } from './plan.ts';
import type { AlertRule, AlertState, Observation, RuleEvaluation, Silence } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = 1_700_000_400_000;
const REFUND = 'decision_type=refund';
const LOAN = 'decision_type=loan';
const REFUND_HI = 'decision_type=refund,language=hi';
const REFUND_EN = 'decision_type=refund,language=en';
const LOAN_HI = 'decision_type=loan,language=hi';

function rule(over: Partial<AlertRule> = {}): AlertRule {
  return {
    name: 'overrides.refunds',
    metric: 'override_rate',
    window: 15 * MIN,
    slices: [[], ['decision_type'], ['decision_type', 'language']],
    condition: { kind: 'degraded' },
    min_samples: 100,
    for: 0,
    resolve_after: 0,
    repeat_interval: 4 * HOUR,
    severity: 'critical',
    receivers: ['slack', 'oncall'],
    ...over,
  };
}

function obs(slice: string, at: number, degraded = true): Observation {
  return {
    slice,
    window_start: at - 15 * MIN,
    window_end: at,
    value: degraded ? 0.4 : 0.1,
    n: 400,
    baseline: 'base',
    baseline_value: 0.1,
    baseline_n: 4000,
    p_value: degraded ? 1e-6 : 0.6,
    q_value: degraded ? 1e-5 : 0.8,
    effect: degraded ? 0.3 : 0,
    degraded,
  };
}

function silence(over: Partial<Silence> = {}): Silence {
  return {
    id: 'sil-1',
    rule: 'overrides.refunds',
    slice: 'language=hi',
    starts_at: T0,
    ends_at: T0 + 2 * HOUR,
    comment: 'known: hi reviewers onboarding',
    created_by: 'asha',
    created_at: T0,
    ...over,
  };
}

/**
 * Runs evaluations in order the way the alerter does: the stored states are
 * the rows each evaluation returned, written over the ones before.
 */
class Harness {
  readonly states = new Map<string, AlertState>();
  constructor(readonly r: AlertRule = rule()) {}

  eval(at: number, degraded: string[], clear: string[] = [], silences: Silence[] = [], now = at): RuleEvaluation {
    const observations = [...degraded.map((s) => obs(s, at)), ...clear.map((s) => obs(s, at, false))];
    const result = evaluateRule({ rule: this.r, at, observations, states: [...this.states.values()], silences, now });
    for (const s of result.states) this.states.set(s.slice, s);
    return result;
  }

  state(slice: string): AlertState {
    const s = this.states.get(slice);
    assert.ok(s, `no state for ${slice}`);
    return s;
  }
}

function kinds(r: RuleEvaluation): string[] {
  return r.notifications.map((n) => n.kind);
}

function slicesOf(r: RuleEvaluation, kind: string): string[] {
  return r.notifications.find((n) => n.kind === kind)?.alerts.map((a) => a.slice) ?? [];
}

describe('evaluateRule: firing', () => {
  it('sends one firing notification carrying every newly firing slice', () => {
    const h = new Harness();
    const r = h.eval(T0, [REFUND_HI, LOAN_HI], [REFUND_EN, '*']);
    assert.equal(r.notifications.length, 1);
    const [n] = r.notifications;
    assert.deepEqual(
      { ...n!, alerts: n!.alerts.map((a) => [a.slice, a.state, a.fired_at, a.firing_notification]) },
      {
        id: `overrides.refunds.firing.${T0}`,
        kind: 'firing',
        rule: 'overrides.refunds',
        metric: 'override_rate',
        severity: 'critical',
        condition: { kind: 'degraded' },
        window_ms: 15 * MIN,
        at: T0,
        receivers: ['slack', 'oncall'],
        alerts: [
          [LOAN_HI, 'firing', T0, ''],
          [REFUND_HI, 'firing', T0, ''],
        ],
      },
    );
    assert.equal(n!.alerts[0]!.last?.value, 0.4, 'the figures of the window travel with the alert');
    assert.doesNotMatch(n!.id, /:/, 'a notification id prefixes BullMQ job ids');
    assert.deepEqual(
      r.transitions.map((t) => `${t.slice} ${t.from}->${t.to}`),
      [`${LOAN_HI} inactive->firing`, `${REFUND_HI} inactive->firing`],
    );
    assert.deepEqual(r.suppressed, []);
    assert.equal(r.evaluated_at, T0);
  });

  it('records who was notified, and writes no row for slices that stay inactive', () => {
    const h = new Harness();
    const r = h.eval(T0, [REFUND_HI], [REFUND_EN, '*', REFUND]);
    assert.deepEqual(
      r.states.map((s) => [s.slice, s.state, s.notified_at, s.firing_notification]),
      [[REFUND_HI, 'firing', T0, `overrides.refunds.firing.${T0}`]],
    );
  });

  it('waits out `for`: pending rows are written, nothing is sent until it fires', () => {
    const h = new Harness(rule({ for: 2 * MIN }));
    const first = h.eval(T0, [REFUND_HI]);
    assert.deepEqual(first.notifications, []);
    assert.deepEqual(
      first.states.map((s) => [s.slice, s.state]),
      [[REFUND_HI, 'pending']],
    );
    assert.deepEqual(h.eval(T0 + MIN, [REFUND_HI]).notifications, []);
    assert.equal(h.state(REFUND_HI).last?.window_end, T0 + MIN, 'a pending alert keeps its latest figures');
    const fired = h.eval(T0 + 2 * MIN, [REFUND_HI]);
    assert.deepEqual(kinds(fired), ['firing']);
    assert.deepEqual(
      fired.transitions.map((t) => `${t.from}->${t.to}`),
      ['pending->firing'],
    );
  });

  it('reads only the rule: observations outside its grouping sets and states of other rules are ignored', () => {
    const r = evaluateRule({
      rule: rule({ slices: [['decision_type', 'language']] }),
      at: T0,
      observations: [obs('*', T0), obs(REFUND, T0), obs('model_version=v2', T0), obs(REFUND_HI, T0)],
      states: [
        {
          rule: 'another',
          slice: LOAN_HI,
          state: 'firing',
          active_at: T0 - HOUR,
          last_held_at: T0 - MIN,
          fired_at: T0 - HOUR,
          resolved_at: null,
          notified_at: T0 - HOUR,
          firing_notification: 'another.firing.1',
          last: null,
        },
      ],
      silences: [],
      now: T0,
    });
    assert.deepEqual(
      r.states.map((s) => s.slice),
      [REFUND_HI],
    );
    assert.deepEqual(slicesOf(r, 'firing'), [REFUND_HI]);
  });

  it('ignores min_samples-short observations', () => {
    const r = evaluateRule({
      rule: rule(),
      at: T0,
      observations: [{ ...obs(REFUND_HI, T0), n: 99 }],
      states: [],
      silences: [],
      now: T0,
    });
    assert.deepEqual([r.states, r.notifications, r.transitions], [[], [], []]);
  });
});

describe('evaluateRule: repeat and resolve', () => {
  it('repeats a still-firing alert after repeat_interval, not before, threaded under the firing message', () => {
    const h = new Harness();
    const firing = h.eval(T0, [REFUND_HI]);
    const firingId = firing.notifications[0]!.id;
    assert.deepEqual(kinds(h.eval(T0 + HOUR, [REFUND_HI])), []);
    assert.deepEqual(kinds(h.eval(T0 + 4 * HOUR - MIN, [REFUND_HI])), []);
    const repeat = h.eval(T0 + 4 * HOUR, [REFUND_HI]);
    assert.deepEqual(kinds(repeat), ['repeat']);
    assert.equal(repeat.notifications[0]!.id, `overrides.refunds.repeat.${T0 + 4 * HOUR}`);
    assert.equal(repeat.notifications[0]!.alerts[0]!.firing_notification, firingId);
    assert.equal(h.state(REFUND_HI).notified_at, T0 + 4 * HOUR);
    assert.equal(h.state(REFUND_HI).firing_notification, firingId, 'a repeat does not replace the firing message');
    assert.deepEqual(kinds(h.eval(T0 + 4 * HOUR + MIN, [REFUND_HI])), []);
    assert.deepEqual(kinds(h.eval(T0 + 8 * HOUR, [REFUND_HI])), ['repeat']);
  });

  it('sends a resolve once, carrying the firing message to thread under', () => {
    const h = new Harness();
    const firingId = h.eval(T0, [REFUND_HI, LOAN_HI]).notifications[0]!.id;
    const resolved = h.eval(T0 + MIN, [LOAN_HI], [REFUND_HI]);
    assert.deepEqual(kinds(resolved), ['resolved']);
    const [alert] = resolved.notifications[0]!.alerts;
    assert.deepEqual(
      [alert!.slice, alert!.state, alert!.resolved_at, alert!.firing_notification],
      [REFUND_HI, 'resolved', T0 + MIN, firingId],
    );
    assert.deepEqual(
      resolved.transitions.map((t) => `${t.slice} ${t.from}->${t.to}`),
      [`${REFUND_HI} firing->resolved`],
    );
    const after = h.eval(T0 + 2 * MIN, [LOAN_HI], [REFUND_HI]);
    assert.deepEqual(after.notifications, []);
    assert.deepEqual(after.transitions, []);
    // a resolved alert with no row this window stays as it was, and is not written again
    assert.deepEqual(
      h.eval(T0 + 3 * MIN, [LOAN_HI]).states.map((s) => s.slice),
      [LOAN_HI],
    );
  });

  it('resolves only after resolve_after without the condition', () => {
    const h = new Harness(rule({ resolve_after: 10 * MIN }));
    h.eval(T0, [REFUND_HI]);
    assert.deepEqual(kinds(h.eval(T0 + 9 * MIN, [], [REFUND_HI])), []);
    assert.equal(h.state(REFUND_HI).state, 'firing');
    assert.deepEqual(kinds(h.eval(T0 + 10 * MIN, [], [REFUND_HI])), ['resolved']);
  });

  it('resolves an alert that was never notified without a message', () => {
    const h = new Harness();
    const fired = h.eval(T0, [REFUND_HI], [], [silence()]);
    assert.deepEqual(fired.notifications, []);
    const resolved = h.eval(T0 + MIN, [], [REFUND_HI], [silence()]);
    assert.deepEqual(resolved.notifications, []);
    assert.deepEqual(
      resolved.transitions.map((t) => `${t.from}->${t.to}`),
      ['firing->resolved'],
    );
    assert.equal(h.state(REFUND_HI).state, 'resolved');
  });

  it('sends the resolve of a notified alert even while a silence or a wider alert covers it', () => {
    const h = new Harness();
    h.eval(T0, [REFUND_HI]);
    const r = h.eval(T0 + MIN, [REFUND], [REFUND_HI], [silence({ starts_at: T0 + MIN })]);
    assert.deepEqual(slicesOf(r, 'resolved'), [REFUND_HI]);
  });

  it('fires and resolves in separate notifications of one evaluation', () => {
    const h = new Harness();
    h.eval(T0, [REFUND_HI]);
    const r = h.eval(T0 + MIN, [LOAN_HI], [REFUND_HI]);
    assert.deepEqual(kinds(r), ['firing', 'resolved']);
    assert.deepEqual(
      r.notifications.map((n) => n.id),
      [`overrides.refunds.firing.${T0 + MIN}`, `overrides.refunds.resolved.${T0 + MIN}`],
    );
  });
});

describe('evaluateRule: inhibition', () => {
  it('a firing `*` inhibits every narrower slice: one alert, not one per slice', () => {
    const h = new Harness();
    const r = h.eval(T0, ['*', REFUND, REFUND_HI, LOAN_HI]);
    assert.deepEqual(slicesOf(r, 'firing'), ['*']);
    assert.deepEqual(r.suppressed, [
      { slice: LOAN_HI, reason: 'inhibited', by: '*', rule: 'overrides.refunds', kind: 'firing' },
      { slice: REFUND, reason: 'inhibited', by: '*', rule: 'overrides.refunds', kind: 'firing' },
      { slice: REFUND_HI, reason: 'inhibited', by: '*', rule: 'overrides.refunds', kind: 'firing' },
    ]);
    for (const slice of [REFUND, REFUND_HI, LOAN_HI]) {
      assert.equal(h.state(slice).state, 'firing', `${slice} stays firing`);
      assert.equal(h.state(slice).notified_at, null, `${slice} is not notified`);
    }
  });

  it('decision_type=refund inhibits refund,hi but not loan,hi', () => {
    const h = new Harness();
    const r = h.eval(T0, [REFUND, REFUND_HI, LOAN_HI], ['*']);
    assert.deepEqual(slicesOf(r, 'firing'), [LOAN_HI, REFUND]);
    assert.deepEqual(
      r.suppressed.map((s) => [s.slice, s.reason === 'inhibited' ? s.by : s.silence]),
      [[REFUND_HI, REFUND]],
    );
  });

  it('a narrower slice is not inhibited by a wider one that is only pending', () => {
    const r = evaluateRule({
      rule: rule(),
      at: T0,
      observations: [obs(REFUND, T0), obs(REFUND_HI, T0)],
      states: [
        {
          rule: 'overrides.refunds',
          slice: REFUND_HI,
          state: 'pending',
          active_at: T0 - 5 * MIN,
          last_held_at: T0 - MIN,
          fired_at: null,
          resolved_at: null,
          notified_at: null,
          firing_notification: '',
          last: null,
        },
      ],
      silences: [],
      now: T0,
    });
    // with `for` 0 both fire now, and the wider one inhibits
    assert.deepEqual(slicesOf(r, 'firing'), [REFUND]);
    const pendingWider = evaluateRule({
      rule: rule({ for: 5 * MIN }),
      at: T0,
      observations: [obs(REFUND, T0), obs(REFUND_HI, T0)],
      states: [{ ...r.states.find((s) => s.slice === REFUND_HI)! }],
      silences: [],
      now: T0 + MIN,
    });
    assert.deepEqual(
      pendingWider.states.map((s) => [s.slice, s.state]),
      [
        [REFUND, 'pending'],
        [REFUND_HI, 'firing'],
      ],
    );
    assert.deepEqual(slicesOf(pendingWider, 'firing'), [REFUND_HI]);
  });

  it('an inhibited alert is notified as firing once the wider alert resolves', () => {
    const h = new Harness();
    h.eval(T0, [REFUND, REFUND_HI]);
    assert.equal(h.state(REFUND_HI).notified_at, null);
    const r = h.eval(T0 + MIN, [REFUND_HI], [REFUND]);
    assert.deepEqual(kinds(r), ['firing', 'resolved']);
    assert.deepEqual(slicesOf(r, 'firing'), [REFUND_HI]);
    assert.deepEqual(slicesOf(r, 'resolved'), [REFUND]);
    assert.equal(h.state(REFUND_HI).fired_at, T0, 'it fired when it fired, whenever it was announced');
    assert.equal(h.state(REFUND_HI).firing_notification, `overrides.refunds.firing.${T0 + MIN}`);
  });

  it('withholds the repeats of a notified alert while a wider one fires', () => {
    const h = new Harness();
    h.eval(T0, [REFUND_HI]);
    h.eval(T0 + MIN, [REFUND_HI, REFUND]);
    const r = h.eval(T0 + 4 * HOUR + MIN, [REFUND_HI, REFUND]);
    assert.deepEqual(slicesOf(r, 'repeat'), [REFUND]);
    assert.deepEqual(
      r.suppressed.map((s) => [s.slice, s.kind, s.reason]),
      [[REFUND_HI, 'repeat', 'inhibited']],
    );
    assert.equal(h.state(REFUND_HI).notified_at, T0);
    assert.deepEqual(h.eval(T0 + 4 * HOUR + 2 * MIN, [REFUND_HI, REFUND]).suppressed, [], 'reported once');
  });

  it('handles a thousand slices under one wide alert', () => {
    const narrow = Array.from({ length: 1000 }, (_, i) => `decision_type=t${i % 50},language=l${Math.floor(i / 50)}`);
    const types = Array.from({ length: 50 }, (_, i) => `decision_type=t${i}`);
    const h = new Harness();
    const r = h.eval(T0, [...narrow, ...types.slice(0, 10)], types.slice(10));
    // t0..t9 inhibit their 20 languages each; the other 800 are notified with them
    const free = narrow.filter((s) => !/^decision_type=t\d,/.test(s));
    assert.equal(free.length, 800);
    assert.equal(r.notifications.length, 1);
    assert.deepEqual(slicesOf(r, 'firing'), [...types.slice(0, 10), ...free].sort());
    assert.equal(r.suppressed.length, 200);
    assert.ok(r.suppressed.every((s) => s.reason === 'inhibited' && s.slice.startsWith(`${s.by},`)));
    assert.equal(h.states.size, 1010, 'a row per firing slice, none for the 40 clear ones');
  });
});

describe('evaluateRule: silences', () => {
  it('a silence suppresses, and its expiry un-suppresses: the alert is then notified as firing', () => {
    const h = new Harness();
    const sil = silence({ ends_at: T0 + 30 * MIN });
    const first = h.eval(T0, [REFUND_HI, REFUND_EN], [], [sil]);
    assert.deepEqual(slicesOf(first, 'firing'), [REFUND_EN]);
    assert.deepEqual(first.suppressed, [
      { slice: REFUND_HI, reason: 'silenced', silence: 'sil-1', rule: 'overrides.refunds', kind: 'firing' },
    ]);
    assert.equal(h.state(REFUND_HI).state, 'firing');

    const during = h.eval(T0 + MIN, [REFUND_HI, REFUND_EN], [], [sil], T0 + 29 * MIN);
    assert.deepEqual(during.notifications, []);
    assert.deepEqual(
      during.suppressed,
      [],
      'a suppression is reported when the notification falls due, not every window',
    );

    // wall time has passed the silence's end: it no longer matches, whatever window is evaluated
    const after = h.eval(T0 + 2 * MIN, [REFUND_HI, REFUND_EN], [], [sil], T0 + 30 * MIN);
    assert.deepEqual(kinds(after), ['firing']);
    assert.deepEqual(slicesOf(after, 'firing'), [REFUND_HI]);
    assert.equal(h.state(REFUND_HI).notified_at, T0 + 2 * MIN);
  });

  it('matches on the rule (or any rule) and on every pair of its slice', () => {
    const r = (silences: Silence[]) => slicesOf(new Harness().eval(T0, [REFUND_HI, LOAN_HI], [], silences), 'firing');
    assert.deepEqual(r([silence({ rule: 'another' })]), [LOAN_HI, REFUND_HI]);
    assert.deepEqual(r([silence({ rule: '*' })]), []);
    assert.deepEqual(r([silence({ slice: REFUND_HI })]), [LOAN_HI]);
    assert.deepEqual(r([silence({ slice: 'decision_type=refund,language=en' })]), [LOAN_HI, REFUND_HI]);
    assert.deepEqual(r([silence({ slice: '*' })]), []);
    assert.deepEqual(r([silence({ starts_at: T0 + 1 })]), [LOAN_HI, REFUND_HI], 'not yet in effect');
  });
});

describe('evaluateRule: idempotence', () => {
  it('evaluating the same window again with the states it returned sends nothing new', () => {
    const h = new Harness();
    h.eval(T0, [REFUND_HI, REFUND], [], [silence()]);
    h.eval(T0 + 4 * HOUR, [REFUND_HI, REFUND, LOAN_HI], [], [silence()]);
    const before = new Map(h.states);
    const again = h.eval(T0 + 4 * HOUR, [REFUND_HI, REFUND, LOAN_HI], [], [silence()]);
    assert.deepEqual(again.notifications, []);
    assert.deepEqual(again.transitions, []);
    assert.deepEqual(again.suppressed, []);
    assert.deepEqual(new Map(h.states), before, 'the rows written again are the same');
  });

  it('a window evaluated twice from the same stored states decides the same, ids included', () => {
    const states: AlertState[] = [];
    const input = {
      rule: rule(),
      at: T0,
      observations: [obs(REFUND_HI, T0), obs(LOAN, T0)],
      states,
      silences: [],
      now: T0,
    };
    assert.deepEqual(evaluateRule(input), evaluateRule(input));
  });
});
