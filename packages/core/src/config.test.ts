import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './env.ts';
import { DEFAULT_CONFIG, type LivegradeConfig, parseConfig, parseDuration } from './index.ts';

/** The ConfigError message parseConfig throws for `input`; fails the test if it does not throw. */
function problems(input: unknown, source?: string): string {
  try {
    parseConfig(input, source);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail('expected parseConfig to throw');
}

const DEFAULTS: LivegradeConfig = {
  sampling: {
    slice_by: ['language'],
    per_slice_target_per_hour: 100,
    min_probability: 0.001,
    decision_wait: 5_000,
    max_buffered_traces: 50_000,
    keep_always: {
      error: true,
      fallback: true,
      retried: true,
      guardrail: true,
      score_below: 0.2,
      decision_types: [],
    },
    recent_horizon: 72 * 3_600_000,
  },
  scoring: {
    interval: 60_000,
    windows: [15 * 60_000, 3_600_000],
    lag: 30_000,
    catch_up: 5,
    slices: [['decision_type'], ['decision_type', 'language'], ['model_version']],
    min_samples: 100,
    fdr: 0.05,
    min_effect: { rate: 0.05, ks: 0.1, js: 0.1 },
  },
  alerts: { receivers: {}, rules: [] },
  bank: { capture_interval: 30_000, capture_lookback: 15 * 60_000 },
};

describe('config defaults', () => {
  it('fills every key when the file is empty or a section is', () => {
    assert.deepEqual(DEFAULT_CONFIG, DEFAULTS);
    assert.deepEqual(parseConfig({}), DEFAULTS);
    assert.deepEqual(parseConfig(null), DEFAULTS, 'an empty YAML file parses to null');
    assert.deepEqual(parseConfig({ sampling: null }), DEFAULTS, '"sampling:" with every key commented out');
    assert.deepEqual(parseConfig({ sampling: { keep_always: {} } }), DEFAULTS);
  });

  it('fills the keys a section leaves out and keeps the ones it sets', () => {
    const c = parseConfig({ sampling: { min_probability: 0.5, keep_always: { error: false } } });
    assert.equal(c.sampling.min_probability, 0.5);
    assert.equal(c.sampling.per_slice_target_per_hour, 100);
    assert.deepEqual(c.sampling.keep_always, { ...DEFAULTS.sampling.keep_always, error: false });
  });

  it('shares no mutable state through DEFAULT_CONFIG', () => {
    assert.ok(Object.isFrozen(DEFAULT_CONFIG.sampling.slice_by));
    const c = parseConfig({});
    c.sampling.slice_by.push('segment');
    assert.deepEqual(parseConfig({}).sampling.slice_by, ['language']);
  });
});

describe('a full config file', () => {
  it('parses every key, durations to milliseconds', () => {
    const c = parseConfig({
      sampling: {
        slice_by: ['language', 'segment', 'tenant.region', 'plan-tier'],
        per_slice_target_per_hour: 12.5,
        min_probability: 1,
        decision_wait: '250ms',
        max_buffered_traces: 100,
        keep_always: {
          error: false,
          fallback: false,
          retried: true,
          guardrail: false,
          score_below: null,
          decision_types: ['refund', 'account_closure'],
        },
        recent_horizon: '7d',
      },
      scoring: {
        interval: '30s',
        windows: ['5m', '1h', '1d'],
        lag: '0s',
        catch_up: 0,
        slices: [['language', 'decision_type'], ['segment']],
        min_samples: 30,
        fdr: 0.1,
        min_effect: { rate: 0.02, ks: 0.2, js: 0 },
      },
      bank: { capture_interval: '5m', capture_lookback: '1h' },
    });
    assert.deepEqual(c, {
      scoring: {
        interval: 30_000,
        windows: [300_000, 3_600_000, 86_400_000],
        lag: 0,
        catch_up: 0,
        slices: [['language', 'decision_type'], ['segment']],
        min_samples: 30,
        fdr: 0.1,
        min_effect: { rate: 0.02, ks: 0.2, js: 0 },
      },
      sampling: {
        slice_by: ['language', 'segment', 'tenant.region', 'plan-tier'],
        per_slice_target_per_hour: 12.5,
        min_probability: 1,
        decision_wait: 250,
        max_buffered_traces: 100,
        keep_always: {
          error: false,
          fallback: false,
          retried: true,
          guardrail: false,
          score_below: null,
          decision_types: ['refund', 'account_closure'],
        },
        recent_horizon: 7 * 86_400_000,
      },
      alerts: { receivers: {}, rules: [] },
      bank: { capture_interval: 300_000, capture_lookback: 3_600_000 },
    });
  });

  it('keeps the capture lookback at least as long as a late promotion can take', () => {
    // decision_wait 10m: an orphan trace waits max(30s, 6 × 10m) = 60m, a verdict 10m + 60m + 30s for it;
    // the capture must reach that far back past its last watermark, one interval (30s) later: 71m
    const slow = parseConfig({ sampling: { decision_wait: '10m' }, bank: { capture_lookback: '15m' } });
    assert.equal(slow.bank.capture_lookback, 71 * 60_000);
    // with the default 5s decision_wait (95s at most) the configured 15m stands
    assert.equal(parseConfig({ bank: { capture_lookback: '15m' } }).bank.capture_lookback, 15 * 60_000);
  });

  it('accepts the bounds themselves', () => {
    const c = parseConfig({ sampling: { decision_wait: '10m', recent_horizon: '1h', slice_by: [] } });
    assert.equal(c.sampling.decision_wait, 600_000);
    assert.equal(c.sampling.recent_horizon, 3_600_000);
    assert.deepEqual(c.sampling.slice_by, []);
    assert.equal(parseConfig({ sampling: { recent_horizon: '30d' } }).sampling.recent_horizon, 30 * 86_400_000);
    assert.equal(parseConfig({ sampling: { keep_always: { score_below: 0 } } }).sampling.keep_always.score_below, 0);
  });
});

describe('durations', () => {
  it('parse integers and decimals in every unit to ms', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('0.1h'), 360_000, 'no floating-point residue');
    assert.equal(parseDuration('72h'), 259_200_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('0s'), 0);
  });

  it('refuse bare numbers with a hint to add a unit, and anything else', () => {
    assert.throws(() => parseDuration('5'), /use a duration with a unit, e\.g\. 5s/);
    for (const bad of ['soon', '5 s', '-5s', '5sec', '1e3ms', '.5s', '5S', '']) {
      assert.throws(() => parseDuration(bad), /expected a duration such as 250ms, 5s/, bad);
    }
  });
});

describe('config errors name the key and the value', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'min_probability above 1',
      { sampling: { min_probability: 2 } },
      /^ {2}livegrade\.config\.yaml: sampling\.min_probability: must be greater than 0 and at most 1 \(got 2\)$/m,
    ],
    [
      'min_probability 0',
      { sampling: { min_probability: 0 } },
      /^ {2}livegrade\.config\.yaml: sampling\.min_probability: must be greater than 0 and at most 1 \(got 0\)$/m,
    ],
    [
      'negative target',
      { sampling: { per_slice_target_per_hour: -5 } },
      /livegrade\.config\.yaml: sampling\.per_slice_target_per_hour: must be greater than 0 \(got -5\)/,
    ],
    [
      'a bare number as a duration string',
      { sampling: { decision_wait: '5' } },
      /livegrade\.config\.yaml: sampling\.decision_wait: use a duration with a unit, e\.g\. 5s \(got "5"\)/,
    ],
    [
      'a bare number as a YAML number',
      { sampling: { decision_wait: 5 } },
      /livegrade\.config\.yaml: sampling\.decision_wait: use a duration with a unit, e\.g\. 5s \(got 5\)/,
    ],
    [
      'a word as a duration',
      { sampling: { decision_wait: 'soon' } },
      /sampling\.decision_wait: expected a duration such as 250ms, 5s, 2m, 72h or 7d \(got "soon"\)/,
    ],
    [
      'decision_wait over 10m',
      { sampling: { decision_wait: '11m' } },
      /sampling\.decision_wait: must be at most 10m \(got "11m"\)/,
    ],
    [
      'recent_horizon under 1h',
      { sampling: { recent_horizon: '59m' } },
      /sampling\.recent_horizon: must be at least 1h \(got "59m"\)/,
    ],
    [
      'recent_horizon over 30d',
      { sampling: { recent_horizon: '31d' } },
      /sampling\.recent_horizon: must be at most 30d \(got "31d"\)/,
    ],
    [
      'an unknown key in a section',
      { sampling: { slice_bye: ['language'] } },
      /livegrade\.config\.yaml: sampling\.slice_bye: unknown key \(did you mean "slice_by"\?\) \(got \["language"\]\)/,
    ],
    [
      'an unknown top-level section',
      { sampler: { min_probability: 0.1 } },
      /^ {2}livegrade\.config\.yaml: sampler: unknown key \(did you mean "sampling"\?\) \(got \{"min_probability":0\.1\}\)$/m,
    ],
    [
      'an unknown key far from any known one',
      { sampling: { keep_always: { colour: 'red' } } },
      /sampling\.keep_always\.colour: unknown key \(expected one of: error, fallback, retried, guardrail, score_below, decision_types\)/,
    ],
    [
      'a duplicate slice dimension',
      { sampling: { slice_by: ['language', 'segment', 'language'] } },
      /sampling\.slice_by\[2\]: duplicate dimension "language" \(got "language"\)/,
    ],
    [
      'a malformed slice dimension',
      { sampling: { slice_by: ['9lives'] } },
      /sampling\.slice_by\[0\]: expected a dimension name.* \(got "9lives"\)/,
    ],
    [
      'score_below above 1',
      { sampling: { keep_always: { score_below: 1.5 } } },
      /sampling\.keep_always\.score_below: must be between 0 and 1, or null to turn it off \(got 1\.5\)/,
    ],
    [
      'a fractional buffer size',
      { sampling: { max_buffered_traces: 1000.5 } },
      /sampling\.max_buffered_traces: must be a whole number \(got 1000\.5\)/,
    ],
    [
      'a small buffer',
      { sampling: { max_buffered_traces: 10 } },
      /sampling\.max_buffered_traces: must be at least 100 \(got 10\)/,
    ],
    [
      'a string for a boolean',
      { sampling: { keep_always: { error: 'yes' } } },
      /sampling\.keep_always\.error: .*boolean.* \(got "yes"\)/,
    ],
    [
      'a scoring window without a unit',
      { scoring: { windows: ['15m', 60] } },
      /scoring\.windows\[1\]: use a duration with a unit, e\.g\. 5s \(got 60\)/,
    ],
    [
      'a repeated scoring window',
      { scoring: { windows: ['1h', '60m'] } },
      /scoring\.windows\[1\]: duplicate window length \(got "60m"\)/,
    ],
    ['no scoring window', { scoring: { windows: [] } }, /scoring\.windows: list at least one window \(got \[\]\)/],
    [
      'an empty grouping set',
      { scoring: { slices: [['decision_type'], []] } },
      /scoring\.slices\[1\]: a grouping set needs at least one dimension .*\(got \[\]\)/,
    ],
    [
      'a dimension repeated in a grouping set',
      { scoring: { slices: [['language', 'language']] } },
      /scoring\.slices\[0\]\[1\]: duplicate dimension "language"/,
    ],
    ['an fdr of 1', { scoring: { fdr: 1 } }, /scoring\.fdr: must be greater than 0 and less than 1 \(got 1\)/],
    [
      'a misspelt min_effect key',
      { scoring: { min_effect: { rates: 0.1 } } },
      /scoring\.min_effect\.rates: unknown key \(did you mean "rate"\?\)/,
    ],
    [
      'a section that is not a mapping',
      { sampling: 'on' },
      /livegrade\.config\.yaml: sampling: expected a mapping .* \(got "on"\)/,
    ],
    [
      'a file that is not a mapping',
      ['sampling'],
      /livegrade\.config\.yaml: expected a mapping of sections.* \(got \["sampling"\]\)/,
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(`reports ${name}`, () => {
      const message = problems(input);
      assert.match(message, expected);
      assert.match(message, /^invalid configuration in livegrade\.config\.yaml \(1 problem\):\n/);
    });
  }

  it('reports every problem at once, each on its own line, under the given source', () => {
    const message = problems(
      {
        sampling: {
          min_probability: 0,
          decision_wait: 'soon',
          slice_bye: [],
          keep_always: { score_below: 1.5 },
        },
        notify: {},
      },
      '/etc/livegrade/prod.yaml',
    );
    const lines = message.split('\n');
    assert.equal(lines[0], 'invalid configuration in /etc/livegrade/prod.yaml (5 problems):');
    assert.deepEqual(lines.slice(1).sort(), [
      '  /etc/livegrade/prod.yaml: notify: unknown key (expected one of: sampling, scoring, alerts, bank) (got {})',
      '  /etc/livegrade/prod.yaml: sampling.decision_wait: expected a duration such as 250ms, 5s, 2m, 72h or 7d (got "soon")',
      '  /etc/livegrade/prod.yaml: sampling.keep_always.score_below: must be between 0 and 1, or null to turn it off (got 1.5)',
      '  /etc/livegrade/prod.yaml: sampling.min_probability: must be greater than 0 and at most 1 (got 0)',
      '  /etc/livegrade/prod.yaml: sampling.slice_bye: unknown key (did you mean "slice_by"?) (got [])',
    ]);
  });

  it('reports a value nested too deep to print, or not finite, instead of throwing something else', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    // JSON.stringify of the value in the message overflowed the stack: a RangeError escaped instead
    assert.match(problems({ sampling: { slice_by: deep } }), /sampling\.slice_by\[0\]: .* \(got \[\.\.\.\]\)/);
    assert.match(problems({ zz: { a: deep } }), /zz: unknown key .* \(got \{\.\.\.\}\)/);
    // JSON would print both as null
    const notFinite = problems({
      sampling: { min_probability: Number.NaN, per_slice_target_per_hour: Number.POSITIVE_INFINITY },
    });
    assert.match(notFinite, /sampling\.min_probability: .* \(got NaN\)/);
    assert.match(notFinite, /sampling\.per_slice_target_per_hour: .* \(got Infinity\)/);
    assert.match(problems({ sampling: { max_buffered_traces: 10n } }), /max_buffered_traces: .* \(got 10\)/);
  });

  it('never echoes a value under a key that looks secret', () => {
    const message = problems({ slack_webhook_url: 'https://hooks.slack.com/services/T000/B000/XXXX' });
    assert.match(message, /slack_webhook_url: unknown key .* \(got \(hidden\)\)/);
    assert.doesNotMatch(message, /hooks\.slack\.com/);
  });
});
