import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAlertRules, type LivegradeConfig, parseConfig } from '../config.ts';
import { ConfigError } from '../env.ts';

const MIN = 60_000;

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

const RECEIVERS = {
  slack: { type: 'slack', channel: '#ml-alerts' },
  oncall: { type: 'webhook', url_env: 'ONCALL_WEBHOOK_URL' },
};

const minimal = { name: 'overrides', metric: 'override_rate', condition: 'degraded' };

describe('alerts config', () => {
  it('defaults to no receivers and no rules', () => {
    assert.deepEqual(parseConfig({}).alerts, { receivers: {}, rules: [] });
    assert.deepEqual(parseConfig({ alerts: null }).alerts, { receivers: {}, rules: [] });
  });

  it('fills a rule from the scoring section and the declared receivers', () => {
    const c = parseConfig({
      scoring: { windows: ['1h', '15m'], slices: [['language', 'decision_type'], ['model_version']] },
      alerts: { receivers: RECEIVERS, rules: [minimal] },
    });
    assert.deepEqual(c.alerts.receivers, RECEIVERS);
    assert.deepEqual(c.alerts.rules, [
      {
        name: 'overrides',
        metric: 'override_rate',
        window: 60 * MIN,
        slices: [[], ['decision_type', 'language'], ['model_version']],
        condition: { kind: 'degraded' },
        min_samples: 100,
        for: 0,
        resolve_after: 0,
        repeat_interval: 4 * 60 * MIN,
        severity: 'warning',
        receivers: ['slack', 'oncall'],
      },
    ]);
  });

  it('parses every key of a rule', () => {
    const c = parseConfig({
      alerts: {
        receivers: RECEIVERS,
        rules: [
          {
            name: 'latency.p95-refunds_v2',
            metric: 'latency_p95',
            window: '1h',
            slices: ['*', ['language', 'decision_type']],
            condition: { op: '>=', threshold: 2000, clear: 1500 },
            min_samples: 0,
            for: '5m',
            keep_firing_for: '10m',
            repeat_interval: '30m',
            severity: 'critical',
            receivers: ['oncall'],
          },
          {
            ...minimal,
            name: 'kappa',
            metric: 'model_kappa',
            condition: { op: '<', threshold: 0.6 },
            resolve_after: '2m',
          },
        ],
      },
    });
    assert.deepEqual(c.alerts.rules[0], {
      name: 'latency.p95-refunds_v2',
      metric: 'latency_p95',
      window: 60 * MIN,
      slices: [[], ['decision_type', 'language']],
      condition: { kind: 'threshold', op: '>=', fire: 2000, clear: 1500 },
      min_samples: 0,
      for: 5 * MIN,
      resolve_after: 10 * MIN,
      repeat_interval: 30 * MIN,
      severity: 'critical',
      receivers: ['oncall'],
    });
    assert.deepEqual(c.alerts.rules[1]!.condition, { kind: 'threshold', op: '<', fire: 0.6, clear: 0.6 });
    assert.equal(c.alerts.rules[1]!.resolve_after, 2 * MIN);
  });

  it('accepts a clear value equal to the threshold, and an empty receivers list', () => {
    const c = parseConfig({
      alerts: { rules: [{ ...minimal, condition: { op: '>', threshold: 0.2, clear: 0.2 }, receivers: [] }] },
    });
    assert.deepEqual(c.alerts.rules[0]!.receivers, []);
  });
});

describe('alerts config errors name the rule and the key', () => {
  const rule = (over: Record<string, unknown>) => ({ ...minimal, ...over });
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'a window that is not scored',
      { rules: [rule({ name: 'a' }), rule({ name: 'b' }), rule({ name: 'override-rate', window: '5m' })] },
      /^ {2}livegrade\.config\.yaml: alerts\.rules\[2\] \(override-rate\): window: 5m is not scored; scoring\.windows has 15m, 1h$/m,
    ],
    [
      'a grouping set that is not scored',
      { rules: [rule({ slices: ['*', ['language']] })] },
      /alerts\.rules\[0\] \(overrides\): slices\[1\]: \[language\] is not scored; scoring\.slices has \*, \[decision_type\], \[decision_type, language\], \[model_version\]$/m,
    ],
    [
      'an empty grouping set',
      { rules: [rule({ slices: [[]] })] },
      /alerts\.rules\[0\] \(overrides\): slices\[0\]: a grouping set needs at least one dimension; write "\*" for the whole traffic \(got \[\]\)/,
    ],
    [
      'a grouping set that is neither "*" nor a list',
      { rules: [rule({ slices: ['all'] })] },
      /alerts\.rules\[0\] \(overrides\): slices\[0\]: expected "\*" or a list of dimensions .* \(got "all"\)/,
    ],
    [
      'a grouping set given twice, in another order',
      {
        rules: [
          rule({
            slices: [
              ['decision_type', 'language'],
              ['language', 'decision_type'],
            ],
          }),
        ],
      },
      /alerts\.rules\[0\] \(overrides\): slices\[1\]: duplicate grouping set/,
    ],
    [
      'an unknown receiver',
      { receivers: RECEIVERS, rules: [rule({ receivers: ['pager'] })] },
      /alerts\.rules\[0\] \(overrides\): receivers\[0\]: "pager" is not declared; alerts\.receivers has slack, oncall$/m,
    ],
    [
      'a misspelt receiver',
      { receivers: RECEIVERS, rules: [rule({ receivers: ['slak'] })] },
      /alerts\.rules\[0\] \(overrides\): receivers\[0\]: "slak" is not declared; did you mean "slack"\?$/m,
    ],
    [
      'a receiver when none is declared',
      { rules: [rule({ receivers: ['slack'] })] },
      /receivers\[0\]: "slack" is not declared; alerts\.receivers declares none/,
    ],
    [
      'two rules of one name',
      { rules: [rule({}), rule({ metric: 'error_rate' })] },
      /alerts\.rules\[1\] \(overrides\): name: "overrides" is also the name of alerts\.rules\[0\]$/m,
    ],
    [
      'an unknown metric',
      { rules: [rule({ metric: 'overide_rate' })] },
      /alerts\.rules\[0\] \(overrides\): metric: unknown metric \(did you mean "override_rate"\?\) \(got "overide_rate"\)/,
    ],
    [
      'a name that cannot be a job id',
      { rules: [rule({ name: 'Over:rides' })] },
      /alerts\.rules\[0\] \(Over:rides\): name: expected a name in lower case/,
    ],
    [
      'a rule without a name',
      { rules: [{ metric: 'volume', condition: 'degraded' }] },
      /alerts\.rules\[0\]: name: missing: every rule needs a name$/m,
    ],
    [
      'a rule without a condition',
      { rules: [{ name: 'x', metric: 'volume' }] },
      /alerts\.rules\[0\] \(x\): condition: missing: every rule needs a condition$/m,
    ],
    [
      'a misspelt condition',
      { rules: [rule({ condition: 'degradation' })] },
      /alerts\.rules\[0\] \(overrides\): condition: expected "degraded" or a mapping \{ op, threshold, clear \} \(got "degradation"\)/,
    ],
    [
      'an unknown operator',
      { rules: [rule({ condition: { op: '=>', threshold: 1 } })] },
      /alerts\.rules\[0\] \(overrides\): condition\.op: expected one of >, >=, <, <= \(got "=>"\)/,
    ],
    [
      'a clear value above a > threshold',
      { rules: [rule({ condition: { op: '>', threshold: 0.2, clear: 0.25 } })] },
      /alerts\.rules\[0\] \(overrides\): condition\.clear: must be at most the threshold \(0\.2\) with op ">".* \(got 0\.25\)/,
    ],
    [
      'a clear value below a <= threshold',
      { rules: [rule({ condition: { op: '<=', threshold: 0.6, clear: 0.5 } })] },
      /condition\.clear: must be at least the threshold \(0\.6\) with op "<=".* \(got 0\.5\)/,
    ],
    [
      'an unknown key in a condition',
      { rules: [rule({ condition: { op: '>', threshold: 1, fire: 2 } })] },
      /alerts\.rules\[0\] \(overrides\): condition\.fire: unknown key \(expected one of: op, threshold, clear\)/,
    ],
    [
      'both resolve_after and keep_firing_for',
      { rules: [rule({ resolve_after: '5m', keep_firing_for: '5m' })] },
      /alerts\.rules\[0\] \(overrides\): keep_firing_for: resolve_after and keep_firing_for are the same setting; give only one/,
    ],
    [
      'a misspelt rule key',
      { rules: [rule({ severty: 'info' })] },
      /alerts\.rules\[0\] \(overrides\): severty: unknown key \(did you mean "severity"\?\) \(got "info"\)/,
    ],
    [
      'a duration without a unit',
      { rules: [rule({ for: 300 })] },
      /alerts\.rules\[0\] \(overrides\): for: use a duration with a unit, e\.g\. 5s \(got 300\)/,
    ],
    [
      'an unknown severity',
      { rules: [rule({ severity: 'page' })] },
      /alerts\.rules\[0\] \(overrides\): severity: expected one of: critical, warning, info \(got "page"\)/,
    ],
    [
      'a rule that is not a mapping',
      { rules: ['overrides'] },
      /alerts\.rules\[0\]: expected a rule: a mapping with at least name, metric and condition \(got "overrides"\)/,
    ],
    [
      'an unknown receiver type',
      { receivers: { mail: { type: 'email' } } },
      /alerts\.receivers\.mail\.type: expected type: slack or webhook \(got "email"\)/,
    ],
    [
      'a webhook without url_env',
      { receivers: { oncall: { type: 'webhook' } } },
      /alerts\.receivers\.oncall\.url_env: missing: a webhook receiver needs url_env/,
    ],
    [
      'a receiver name that cannot be a job id',
      { receivers: { 'on:call': { type: 'slack' } } },
      /alerts\.receivers\.on:call: invalid receiver name: .* \(got "on:call"\)/,
    ],
    [
      'an unknown key in a slack receiver',
      { receivers: { slack: { type: 'slack', chanel: '#x' } } },
      /alerts\.receivers\.slack\.chanel: unknown key \(did you mean "channel"\?\)/,
    ],
  ];
  for (const [name, alerts, expected] of cases) {
    it(`reports ${name}`, () => {
      const message = problems(() => parseConfig({ alerts }));
      assert.match(message, expected);
      assert.match(message, /\(1 problem\)/);
    });
  }

  it('never echoes a webhook URL written in the file', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXX';
    const message = problems(() =>
      parseConfig({
        alerts: {
          receivers: {
            a: { type: 'webhook', url },
            b: { type: 'webhook', url_env: url },
            c: url,
          },
        },
      }),
    );
    assert.match(message, /alerts\.receivers\.a\.url: unknown key \(did you mean "url_env"\?\) \(got \(hidden\)\)/);
    assert.match(
      message,
      /alerts\.receivers\.b\.url_env: expected the name of an environment variable .*\(got \(hidden\)\)/,
    );
    assert.match(message, /alerts\.receivers\.c: expected a receiver: .*\(got \(hidden\)\)/);
    assert.doesNotMatch(message, /hooks\.slack\.com/);
  });

  it('lists every problem at once, the cross-section ones with the rest', () => {
    const message = problems(() =>
      parseConfig({
        scoring: { windows: ['15m', 60] },
        alerts: {
          rules: [
            rule({ window: '5m', severity: 'loud' }),
            rule({ name: 'second', slices: [['segment']], receivers: ['nobody'] }),
            rule({ name: 'second', window: 5 }),
          ],
        },
      }),
    );
    const lines = message.split('\n').slice(1);
    assert.deepEqual(lines.sort(), [
      '  livegrade.config.yaml: alerts.rules[0] (overrides): severity: expected one of: critical, warning, info (got "loud")',
      '  livegrade.config.yaml: alerts.rules[1] (second): receivers[0]: "nobody" is not declared; alerts.receivers declares none',
      '  livegrade.config.yaml: alerts.rules[1] (second): slices[0]: [segment] is not scored; scoring.slices has *, [decision_type], [decision_type, language], [model_version]',
      '  livegrade.config.yaml: alerts.rules[2] (second): name: "second" is also the name of alerts.rules[1]',
      '  livegrade.config.yaml: alerts.rules[2] (second): window: use a duration with a unit, e.g. 5s (got 5)',
      '  livegrade.config.yaml: scoring.windows[1]: use a duration with a unit, e.g. 5s (got 60)',
    ]);
    // rules[0]'s 5m is not checked against windows that are themselves wrong: one mistake, one line
  });
});

describe('checkAlertRules', () => {
  const alerts = { receivers: RECEIVERS, rules: [{ ...minimal, window: '5m' }] };
  const base: LivegradeConfig = parseConfig({ scoring: { windows: ['5m', '1h'] } });

  it('checks a document holding only the alerts section against the running configuration', () => {
    const rules = checkAlertRules({ alerts }, 'rules.yaml', base);
    assert.equal(rules.rules[0]!.window, 5 * MIN);
    assert.deepEqual(rules.rules[0]!.receivers, ['slack', 'oncall']);
    assert.deepEqual(checkAlertRules(alerts, 'rules.yaml', base), rules, 'receivers:/rules: at the top also do');
  });

  it('refuses what the running configuration does not score, with the messages of parseConfig', () => {
    const message = problems(() => checkAlertRules({ alerts }, 'rules.yaml'));
    assert.match(
      message,
      /^invalid configuration in rules\.yaml \(1 problem\):\n {2}rules\.yaml: alerts\.rules\[0\] \(overrides\): window: 5m is not scored; scoring\.windows has 15m, 1h$/,
    );
  });

  it('checks a whole livegrade.config.yaml against its own scoring section', () => {
    const whole = { scoring: { windows: ['5m'] }, alerts };
    assert.equal(checkAlertRules(whole, 'livegrade.config.yaml').rules[0]!.window, 5 * MIN);
    const message = problems(() =>
      checkAlertRules({ scoring: { windows: ['1h'] }, alerts }, 'livegrade.config.yaml', base),
    );
    assert.match(message, /window: 5m is not scored; scoring\.windows has 1h$/m);
  });

  it('accepts an empty file, and refuses keys beside alerts', () => {
    assert.deepEqual(checkAlertRules(null, 'rules.yaml'), { receivers: {}, rules: [] });
    assert.match(
      problems(() => checkAlertRules({ alerts, alert: {} }, 'rules.yaml', base)),
      /rules\.yaml: alert: unknown key \(did you mean "alerts"\?\)/,
    );
  });
});
