// `livegrade alerts check|list` and `livegrade silence add|list|expire`
// (issue 5), as a user runs them: with no instance running (the CLI opens
// the store itself), then through a running instance's API, whose routes are
// also called directly. Needs neither Kafka nor Redis.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlertState, Observation, Silence } from '@livegrade/core';
import { openStore } from '@livegrade/store';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { startTestInstance } from '../support/instance.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const RULES = `
alerts:
  receivers:
    oncall: { type: webhook, url_env: ONCALL_WEBHOOK_URL }
  rules:
    - name: override-rate
      metric: override_rate
      condition: degraded
      slices: ['*', [decision_type]]
      for: 5m
    - name: error-rate
      metric: error_rate
      condition: { op: '>', threshold: 0.2, clear: 0.15 }
      severity: critical
      receivers: [oncall]
`;

const files = tempDataDir('livegrade-alerts-files-');
after(() => files.cleanup());
function file(name: string, text: string): string {
  const path = join(files.dir, name);
  writeFileSync(path, text);
  return path;
}

describe('livegrade alerts check', () => {
  it('accepts a whole config file and a file with just alerts:', async () => {
    const whole = file('livegrade.config.yaml', `scoring:\n  windows: [15m, 1h]\n  interval: 1m\n${RULES}`);
    const r = await livegrade(['alerts', 'check', whole], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok: 2 rules, 1 receiver\n');
    const bare = await livegrade(['alerts', 'check', file('rules.yaml', RULES)], {});
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(
      bare.stdout,
      /^ok: 2 rules, 1 receiver \(windows and slices checked against the default scoring section\)\n$/,
    );
  });

  it('checks a file with just alerts: against the scoring section in use', async () => {
    const rules = file('rules-2h.yaml', RULES.replace('for: 5m', 'for: 5m\n      window: 2h'));
    const config = file('scoring-2h.yaml', 'scoring:\n  windows: [15m, 2h]\n');
    const r = await livegrade(['alerts', 'check', rules], { LIVEGRADE_CONFIG: config });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: 2 rules, 1 receiver \(windows and slices checked against .*scoring-2h\.yaml\)/);
    const defaults = await livegrade(['alerts', 'check', rules], {});
    assert.equal(defaults.code, 1);
    assert.match(defaults.stderr, /alerts\.rules\[0\] \(override-rate\): window: 2h is not scored/);
  });

  it('refuses a rule with a mistake, naming the rule and the key', async () => {
    const bad = RULES.replace('threshold: 0.2, clear: 0.15 }', 'threshold: 0.2, clear: 0.25 }').replace(
      'for: 5m',
      'for: 5',
    );
    const r = await livegrade(['alerts', 'check', file('bad.yaml', bad)], {});
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bad\.yaml/);
    assert.match(r.stderr, /bad\.yaml: alerts\.rules\[0\] \(override-rate\): for: use a duration with a unit/);
    assert.match(
      r.stderr,
      /bad\.yaml: alerts\.rules\[1\] \(error-rate\): condition\.clear: must be at most the threshold/,
    );
  });

  it('says so when the file has no alerts', async () => {
    const r = await livegrade(['alerts', 'check', file('none.yaml', 'scoring:\n  interval: 1m\n')], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no alerts: section/);
  });

  it('names a file it cannot read', async () => {
    const r = await livegrade(['alerts', 'check', join(files.dir, 'missing.yaml')], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read .*missing\.yaml/);
  });
});

const windowEnd = Math.floor(Date.now() / HOUR) * HOUR;

function observation(slice: string, value: number, q: number): Observation {
  return {
    slice,
    window_start: windowEnd - 15 * MINUTE,
    window_end: windowEnd,
    value,
    n: 400,
    baseline: 'v3-launch',
    baseline_value: 0.05,
    baseline_n: 2000,
    p_value: q / 2,
    q_value: q,
    effect: value - 0.05,
    degraded: true,
  };
}

function alert(rule: string, slice: string, state: AlertState['state'], value: number, q: number): AlertState {
  const firing = state === 'firing';
  return {
    rule,
    slice,
    state,
    active_at: windowEnd - 10 * MINUTE,
    last_held_at: windowEnd,
    fired_at: firing ? windowEnd - 5 * MINUTE : null,
    resolved_at: state === 'resolved' ? windowEnd : null,
    notified_at: firing ? windowEnd - 5 * MINUTE : null,
    firing_notification: firing ? `${rule}-firing` : '',
    last: observation(slice, value, q),
  };
}

// the store orders by q within a state; severity (from the rules) must put error-rate's critical alert first
const STATES = [
  alert('override-rate', 'decision_type=refund', 'firing', 0.31, 0.0001),
  alert('error-rate', '*', 'firing', 0.27, 0.01),
  alert('retired-rule', 'language=de', 'firing', 0.4, 0.001),
  alert('error-rate', 'language=hi', 'pending', 0.5, 0.00001),
  alert('override-rate', 'language=en', 'resolved', 0.06, 0.2),
];
const LISTED = [
  ['firing', 'critical', 'error-rate', '*'],
  ['firing', 'warning', 'override-rate', 'decision_type=refund'],
  ['firing', undefined, 'retired-rule', 'language=de'],
  ['pending', 'critical', 'error-rate', 'language=hi'],
];

describe('livegrade alerts list and silence', () => {
  const data = tempDataDir();
  const config = file('instance.config.yaml', RULES);
  // port 0 in the env: no instance is looked for, the CLI opens the store
  const offline = { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_API_PORT: '0', LIVEGRADE_CONFIG: config };

  before(async () => {
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    await store.saveAlertStates(STATES);
    await store.close();
  });
  after(() => data.cleanup());

  async function assertListed(env: Record<string, string>) {
    const json = await livegrade(['alerts', 'list', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as Array<AlertState & { severity?: string }>;
    assert.deepEqual(
      listed.map((a) => [a.state, a.severity, a.rule, a.slice]),
      LISTED,
    );
    assert.equal(listed[0]?.last?.value, 0.27);

    const table = await livegrade(['alerts', 'list'], env);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    assert.match(lines[0]!, /^state\s+severity\s+rule\s+slice\s+value\s+baseline\s+n\s+q\s+since$/);
    assert.match(lines[2]!, /^firing\s+critical\s+error-rate\s+\*\s+0\.27 vs 0\.05\s+v3-launch\s+400\s+0\.01\s+\d{4}-/);
    assert.match(lines[3]!, /^firing\s+warning\s+override-rate\s+decision_type=refund\s+/);
    assert.match(lines[5]!, /^pending\s+critical\s+error-rate\s+language=hi\s+/);
    assert.doesNotMatch(table.stdout, /language=en/);
    assert.match(table.stdout, /\(4 rows\)/);
  }

  /** add → list shows it → expire → list no longer does, --all still does; returns the silence's id */
  async function silenceRoundTrip(env: Record<string, string>, slice: string, by: string): Promise<string> {
    const add = await livegrade(
      [
        'silence',
        'add',
        '--rule',
        'error-rate',
        '--slice',
        slice,
        '--for',
        '2h',
        '--comment',
        'hindi model swap',
        '--by',
        by,
      ],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /silenced rule "error-rate" on slices matching .* until \d{4}-.* \(id [0-9a-f]+\)/);
    const id = /\(id ([0-9a-f]+)\)/.exec(add.stdout)![1]!;

    const listed = await livegrade(['silence', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const silences = JSON.parse(listed.stdout) as Silence[];
    const mine = silences.find((s) => s.id === id);
    assert.ok(mine, `silence ${id} is listed`);
    assert.equal(mine.rule, 'error-rate');
    assert.equal(mine.comment, 'hindi model swap');
    assert.equal(mine.created_by, by);
    // for: 2h is wall time from now
    assert.equal(mine.ends_at - mine.starts_at, 2 * HOUR);
    assert.ok(Math.abs(mine.starts_at - Date.now()) < MINUTE);
    const table = await livegrade(['silence', 'list'], env);
    assert.match(table.stdout, new RegExp(`${id}\\s+error-rate\\s+`));

    const expired = await livegrade(['silence', 'expire', id], env);
    assert.equal(expired.code, 0, expired.stderr);
    assert.match(expired.stdout, new RegExp(`silence ${id} expired`));
    const again = await livegrade(['silence', 'expire', id], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`silence ${id} had already ended`));

    const active = await livegrade(['silence', 'list'], env);
    assert.equal(active.code, 0, active.stderr);
    assert.doesNotMatch(active.stdout, new RegExp(id));
    const all = await livegrade(['silence', 'list', '--all'], env);
    assert.match(all.stdout, new RegExp(`${id}\\s+expired\\s+error-rate\\s+`));
    return id;
  }

  describe('with no instance running', () => {
    let id: string;

    it('lists firing then pending alerts, critical first, without resolved ones', () => assertListed(offline));

    it('adds, lists and expires a silence', async () => {
      id = await silenceRoundTrip(offline, 'language=hi', 'priya');
    });

    it('records adding and expiring a silence in alert_events', async () => {
      const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
      try {
        const events = await store.alertEvents({ kind: 'silence' });
        const mine = events.filter((e) => e.detail.includes(id));
        assert.equal(mine.length, 2, JSON.stringify(events));
        assert.ok(mine.some((e) => /added by priya until .*: hindi model swap/.test(e.detail)));
        assert.ok(mine.some((e) => /expired/.test(e.detail)));
        assert.ok(mine.every((e) => e.rule === 'error-rate'));
      } finally {
        await store.close();
      }
    });

    it('refuses a silence of a rule that does not exist, naming the rules', async () => {
      const r = await livegrade(
        ['silence', 'add', '--rule', 'eror-rate', '--slice', '*', '--for', '1h', '--comment', 'x'],
        offline,
      );
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /rule: no rule named "eror-rate" \(rules: override-rate, error-rate; or \* for every rule\)/,
      );
    });

    it('asks for the flags a silence needs', async () => {
      const r = await livegrade(['silence', 'add', '--rule', '*', '--slice', '*', '--for', '1h'], offline);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--comment is required/);
    });

    it('refuses to expire a silence that does not exist', async () => {
      const r = await livegrade(['silence', 'expire', 'nope'], offline);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no silence with id "nope"/);
    });
  });

  describe('through a running instance', () => {
    const token = 'alerts-test-token';
    let instance: Awaited<ReturnType<typeof startTestInstance>>;
    let online: Record<string, string>;
    let base: string;
    const call = (method: string, path: string, body?: unknown, auth = true) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    before(async () => {
      // the instance opens the store the offline commands wrote
      instance = await startTestInstance('embedded', {
        services: ['api'],
        env: { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_CONFIG: config, LIVEGRADE_API_TOKEN: token },
      });
      base = instance.urls.api!;
      online = { ...offline, LIVEGRADE_API_URL: base, LIVEGRADE_API_TOKEN: token };
    });
    after(() => instance?.stop());

    it('lists firing then pending alerts, critical first, without resolved ones', () => assertListed(online));

    it('adds, lists and expires a silence', async () => {
      const id = await silenceRoundTrip(online, 'decision_type=refund,language=hi', 'sam');
      const events = await instance.store!.alertEvents({ kind: 'silence' });
      assert.equal(events.filter((e) => e.detail.includes(id)).length, 2);
    });

    it('answers POST /v1/silences with 201 and the silence; unknown fields are refused', async () => {
      const res = await call('POST', '/v1/silences', { rule: '*', slice: '*', for: '30m', comment: 'maintenance' });
      assert.equal(res.status, 201);
      const { silence } = (await res.json()) as { silence: Silence };
      assert.equal(silence.rule, '*');
      assert.equal(silence.created_by, 'api');
      assert.equal(silence.ends_at - silence.starts_at, 30 * MINUTE);
      const listed = (await (await call('GET', '/v1/silences')).json()) as { silences: Silence[] };
      assert.ok(listed.silences.some((s) => s.id === silence.id));

      const extra = await call('POST', '/v1/silences', { rule: '*', slice: '*', for: '1h', comment: 'x', until: 1 });
      assert.equal(extra.status, 400);
    });

    it('refuses a bad silence with 400 naming the field', async () => {
      const ok = { rule: 'override-rate', slice: 'language=hi', for: '2h', comment: 'known issue' };
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ ...ok, rule: 'nope' }, /rule: no rule named "nope" \(rules: override-rate, error-rate/],
        [{ ...ok, slice: 'language' }, /^slice: /],
        [{ ...ok, for: '2' }, /^for: .*unit/],
        [{ ...ok, for: '31d' }, /^for: must be at most 30d/],
        [{ ...ok, for: '0s' }, /^for: must be longer than 0/],
        [{ ...ok, comment: '  ' }, /comment: say why/],
        [{ rule: 'override-rate', slice: '*', for: '1h' }, /comment/],
      ];
      for (const [body, message] of cases) {
        const res = await call('POST', '/v1/silences', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        const { detail: error } = (await res.json()) as { detail: string };
        assert.match(error, message, JSON.stringify(body));
      }
    });

    it('answers 404 to expiring an unknown silence, and 401 without the token', async () => {
      const missing = await call('POST', '/v1/silences/does-not-exist/expire');
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { detail: string }).detail, /no silence with id "does-not-exist"/);
      assert.equal((await call('GET', '/v1/alerts', undefined, false)).status, 401);
      assert.equal((await call('GET', '/v1/silences', undefined, false)).status, 401);
    });

    it('ends a silence with DELETE /v1/silences/:id, keeps it in the history, and answers a repeat harmlessly', async () => {
      const added = await call('POST', '/v1/silences', {
        rule: '*',
        slice: 'language=de',
        for: '1h',
        comment: 'deploy',
      });
      const { silence } = (await added.json()) as { silence: Silence };
      const gone = await call('DELETE', `/v1/silences/${silence.id}`);
      assert.equal(gone.status, 200);
      const body = (await gone.json()) as { silence: Silence; expired: boolean };
      assert.equal(body.expired, true);
      assert.ok(body.silence.ends_at <= Date.now());
      const again = (await (await call('DELETE', `/v1/silences/${silence.id}`)).json()) as { expired: boolean };
      assert.equal(again.expired, false);
      const active = (await (await call('GET', '/v1/silences')).json()) as { silences: Silence[] };
      assert.ok(!active.silences.some((s) => s.id === silence.id));
      const all = (await (await call('GET', '/v1/silences?all=1')).json()) as { silences: Silence[] };
      assert.ok(all.silences.some((s) => s.id === silence.id));
      assert.equal((await call('DELETE', '/v1/silences/does-not-exist')).status, 404);
    });

    it('lists expired silences only with ?all=1', async () => {
      const active = (await (await call('GET', '/v1/silences')).json()) as { silences: Silence[] };
      const all = (await (await call('GET', '/v1/silences?all=1')).json()) as { silences: Silence[] };
      const now = Date.now();
      assert.ok(active.silences.every((s) => s.ends_at > now));
      assert.ok(all.silences.some((s) => s.ends_at <= now));
      assert.ok(all.silences.length > active.silences.length);
    });
  });
});
