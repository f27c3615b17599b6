import { z } from 'zod';
import { closest, dimensionName, durationSchema, formatDuration, hintFor, section } from '../config-schema.ts';
import { METRICS, type ScoringConfig } from '../scoring/types.ts';
import { type AlertRule, type AlertsConfig, SEVERITIES, THRESHOLD_OPS } from './types.ts';

/**
 * The `alerts:` section of livegrade.config.yaml. What a rule can say on its
 * own is checked here by the schema; what depends on the scoring section
 * (windows, grouping sets) and on the rest of the section (receivers, unique
 * names) is checked by alertsProblems, and the defaults that come from the
 * scoring section are filled in by resolveAlerts.
 */

/** Rule and receiver names end up in BullMQ job ids, which must not hold ':'. */
const RULE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const RECEIVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const RECEIVER_NAME_RULE = 'a letter or digit, then letters, digits, _, . or -';
const receiverName = z.string().regex(RECEIVER_NAME, `expected a receiver name: ${RECEIVER_NAME_RULE}`);

const SlackReceiverSchema = z
  .strictObject({
    type: z.literal('slack'),
    channel: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'channel (e.g. "#ml-alerts" or its ID) posted to through the Web API when LIVEGRADE_SLACK_BOT_TOKEN is set; without a token, messages go to LIVEGRADE_SLACK_WEBHOOK_URL',
      ),
  })
  .describe('Slack: Block Kit messages; repeats and the resolve thread under the firing message with a bot token');

const WebhookReceiverSchema = z
  .strictObject({
    type: z.literal('webhook'),
    url_env: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? 'missing: a webhook receiver needs url_env, the environment variable holding its URL'
            : 'expected the name of an environment variable',
      })
      .regex(ENV_NAME, 'expected the name of an environment variable holding the URL, e.g. ONCALL_WEBHOOK_URL')
      .describe(
        'environment variable holding the webhook URL: the URL is a secret, so it is never written in this file',
      ),
  })
  .describe('generic JSON webhook: each notification is POSTed as JSON');

const ReceiverSchema = z.discriminatedUnion('type', [SlackReceiverSchema, WebhookReceiverSchema], {
  error: (iss) =>
    iss.input !== null && typeof iss.input === 'object' && !Array.isArray(iss.input)
      ? 'expected type: slack or webhook'
      : 'expected a receiver: a mapping with type: slack or type: webhook',
});

/**
 * `'*'` or a list of dimensions, stored sorted ('*' as []), so it compares
 * with scoring.slices and names slices as the scorer keys them.
 */
const GroupingSetSchema = z.union(
  [
    z.literal('*').transform((): string[] => []),
    z
      .array(dimensionName)
      .min(1, 'a grouping set needs at least one dimension; write "*" for the whole traffic')
      .superRefine((dims, ctx) => {
        dims.forEach((d, i) => {
          if (dims.indexOf(d) !== i) ctx.addIssue({ code: 'custom', message: `duplicate dimension "${d}"`, path: [i] });
        });
      })
      .transform((dims) => [...dims].sort()),
  ],
  { error: 'expected "*" or a list of dimensions such as [decision_type, language]' },
);

const SlicesSchema = z
  .array(GroupingSetSchema)
  .min(1, 'list at least one grouping set, e.g. ["*"]')
  .superRefine((sets, ctx) => {
    const keys = sets.map((s) => s.join(','));
    keys.forEach((k, i) => {
      if (keys.indexOf(k) !== i) ctx.addIssue({ code: 'custom', message: 'duplicate grouping set', path: [i] });
    });
  });

const ThresholdConditionSchema = z
  .strictObject({
    op: z
      .enum(THRESHOLD_OPS, { error: 'expected one of >, >=, <, <=' })
      .describe('the condition starts holding when `value op threshold`'),
    threshold: z.number({ error: 'expected a number' }).describe('the value the metric is compared with to fire'),
    clear: z
      .number({ error: 'expected a number' })
      .optional()
      .describe(
        'once pending or firing, the condition holds while `value op clear`; defaults to threshold, and may only be more lenient (below it for > and >=, above it for < and <=), so a value hovering at the threshold does not flap',
      ),
  })
  .superRefine((c, ctx) => {
    if (c.clear === undefined) return;
    const above = c.op === '>' || c.op === '>=';
    if (above ? c.clear > c.threshold : c.clear < c.threshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['clear'],
        message: `must be ${above ? 'at most' : 'at least'} the threshold (${c.threshold}) with op "${c.op}": the alert clears once the value is back ${above ? 'below' : 'above'} it`,
      });
    }
  })
  .transform(({ op, threshold, clear }) => ({
    kind: 'threshold' as const,
    op,
    fire: threshold,
    clear: clear ?? threshold,
  }));

const ConditionSchema = z.union(
  [z.literal('degraded').transform(() => ({ kind: 'degraded' as const })), ThresholdConditionSchema],
  {
    error: (iss) =>
      iss.input === undefined
        ? 'missing: every rule needs a condition'
        : 'expected "degraded" or a mapping { op, threshold, clear }',
  },
);

const required = (what: string, expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? `missing: every rule needs ${what}` : expected;

const ALIAS_MESSAGE = 'resolve_after and keep_firing_for are the same setting; give only one';

/** A rule as written, before the defaults that come from other sections (window, slices, receivers). */
const RuleSchema = z
  .strictObject(
    {
      name: z
        .string({ error: required('a name', 'expected a string') })
        .regex(RULE_NAME, 'expected a name in lower case: a letter or digit, then letters, digits, _, . or -')
        .describe('unique name of the rule, shown in messages and used by silences'),
      metric: z
        .enum(METRICS, {
          error: (iss) =>
            iss.input === undefined
              ? 'missing: every rule needs a metric'
              : `unknown metric (${hintFor(String(iss.input), METRICS)})`,
        })
        .describe('the slice_metrics metric watched'),
      window: durationSchema()
        .optional()
        .describe('length of the scored windows the rule reads: one of scoring.windows (default: the first)'),
      slices: SlicesSchema.optional().describe(
        'grouping sets watched, each "*" (the whole traffic) or one of scoring.slices (default: "*" and every scoring.slices set)',
      ),
      condition: ConditionSchema.describe(
        '"degraded" (the scorer\'s verdict against the active baseline: significant after FDR and at least min_effect) or a fixed threshold { op, threshold, clear }',
      ),
      min_samples: z
        .number()
        .int('must be a whole number')
        .min(0, 'must be 0 or more')
        .default(100)
        .describe('a window with fewer samples in the slice (its n) does not hold the condition'),
      for: durationSchema({ max: '30d' })
        .prefault('0s')
        .describe('how long (in window time) the condition must hold before the alert fires; 0s fires at once'),
      resolve_after: durationSchema({ max: '30d' })
        .optional()
        .describe('how long the condition must stay clear before a firing alert resolves; default 0s'),
      keep_firing_for: durationSchema({ max: '30d' })
        .optional()
        .describe('another name of resolve_after (as in Prometheus); give one or the other'),
      repeat_interval: durationSchema({ min: '1s', max: '30d' })
        .prefault('4h')
        .describe('a still-firing alert is notified again after this long'),
      severity: z
        .enum(SEVERITIES, { error: `expected one of: ${SEVERITIES.join(', ')}` })
        .default('warning')
        .describe('shown in messages; critical, warning or info'),
      receivers: z
        .array(receiverName)
        .superRefine((names, ctx) => {
          names.forEach((n, i) => {
            if (names.indexOf(n) !== i)
              ctx.addIssue({ code: 'custom', message: `duplicate receiver "${n}"`, path: [i] });
          });
        })
        .optional()
        .describe('names of receivers under alerts.receivers notified (default: every one declared)'),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type' ? 'expected a rule: a mapping with at least name, metric and condition' : undefined,
    },
  )
  .describe(
    'one alert rule: each (rule, slice) goes inactive → pending → firing → resolved; notifications are grouped per rule and evaluation',
  )
  .superRefine(
    (r, ctx) => {
      if (r !== null && typeof r === 'object' && r.resolve_after !== undefined && r.keep_firing_for !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['keep_firing_for'], message: ALIAS_MESSAGE });
      }
    },
    // reported alongside the rule's other mistakes, not only once they are fixed
    { when: () => true },
  )
  .transform(({ keep_firing_for, resolve_after, ...rule }) => ({
    ...rule,
    resolve_after: resolve_after ?? keep_firing_for ?? 0,
  }));

export const AlertsSchema = section({
  receivers: z
    .record(receiverName, ReceiverSchema, {
      error: (iss) => (iss.code === 'invalid_key' ? `invalid receiver name: ${RECEIVER_NAME_RULE}` : undefined),
    })
    .default({})
    .describe('where notifications go, by name; webhook URLs are read from the environment, never written here'),
  rules: z
    .array(RuleSchema)
    .default([])
    .describe('alert rules: each watches one metric over the slices of one scored window'),
});

/** The section as the schema alone validates it: window, slices and receivers may still be unset. */
export type AlertsSection = z.output<typeof AlertsSchema>;

export interface ConfigProblem {
  path: PropertyKey[];
  /** quotes the value it is about */
  message: string;
}

/**
 * The checks of the alerts section that need the scoring section or the
 * whole section, with paths from the top of the file. They run while the
 * rest of the file's mistakes are reported too, so both arguments may be
 * partly invalid: `invalid(path)` says a value at or under path failed its
 * own check (it is then raw input, and already reported), and such values
 * are skipped.
 */
export function alertsProblems(
  alerts: unknown,
  scoring: unknown,
  invalid: (path: PropertyKey[]) => boolean = () => false,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!isRecord(alerts) || !Array.isArray(alerts.rules)) return out;
  const scored = (key: string) => (isRecord(scoring) && !invalid(['scoring', key]) ? scoring[key] : undefined);
  const windows = isNumbers(scored('windows')) ? (scored('windows') as number[]) : undefined;
  const sets = scored('slices');
  const scoredSets = Array.isArray(sets) && sets.every(isStrings) ? (sets as string[][]) : undefined;
  const receivers = isRecord(alerts.receivers) ? Object.keys(alerts.receivers) : undefined;
  const firstByName = new Map<string, number>();
  alerts.rules.forEach((rule: unknown, i: number) => {
    if (!isRecord(rule)) return;
    const at = (...key: PropertyKey[]) => ['alerts', 'rules', i, ...key];
    const valid = (...key: PropertyKey[]) => !invalid(at(...key));
    if (typeof rule.name === 'string' && valid('name')) {
      const first = firstByName.get(rule.name);
      if (first === undefined) firstByName.set(rule.name, i);
      else out.push({ path: at('name'), message: `"${rule.name}" is also the name of alerts.rules[${first}]` });
    }
    if (windows && typeof rule.window === 'number' && valid('window') && !windows.includes(rule.window)) {
      out.push({
        path: at('window'),
        message: `${formatDuration(rule.window)} is not scored; scoring.windows has ${windows.map(formatDuration).join(', ')}`,
      });
    }
    if (scoredSets && Array.isArray(rule.slices)) {
      const known = new Set(scoredSets.map((s) => [...s].sort().join(',')));
      rule.slices.forEach((set: unknown, j: number) => {
        if (!isStrings(set) || set.length === 0 || !valid('slices', j) || known.has([...set].sort().join(','))) return;
        const listed = ['*', ...scoredSets.map((s) => `[${s.join(', ')}]`)].join(', ');
        out.push({ path: at('slices', j), message: `[${set.join(', ')}] is not scored; scoring.slices has ${listed}` });
      });
    }
    if (receivers && isStrings(rule.receivers)) {
      rule.receivers.forEach((name, j) => {
        if (receivers.includes(name) || !valid('receivers', j)) return;
        const near = closest(name, receivers);
        const declared = near
          ? `did you mean "${near}"?`
          : receivers.length === 0
            ? 'alerts.receivers declares none'
            : `alerts.receivers has ${receivers.join(', ')}`;
        out.push({ path: at('receivers', j), message: `"${name}" is not declared; ${declared}` });
      });
    }
  });
  return out;
}

/** Fills in the defaults a rule takes from the scoring section and from the declared receivers. */
export function resolveAlerts(alerts: AlertsSection, scoring: Pick<ScoringConfig, 'windows' | 'slices'>): AlertsConfig {
  const everySet = [[], ...scoring.slices.map((s) => [...s].sort())];
  const everyReceiver = Object.keys(alerts.receivers);
  return {
    receivers: alerts.receivers,
    rules: alerts.rules.map(
      (r) =>
        ({
          name: r.name,
          metric: r.metric,
          window: r.window ?? scoring.windows[0]!,
          slices: r.slices ?? everySet.map((s) => [...s]),
          condition: r.condition,
          min_samples: r.min_samples,
          for: r.for,
          resolve_after: r.resolve_after,
          repeat_interval: r.repeat_interval,
          severity: r.severity,
          receivers: r.receivers ?? [...everyReceiver],
        }) satisfies AlertRule,
    ),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isNumbers(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}
