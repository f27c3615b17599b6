import { z } from 'zod';
import { AlertsSchema, type AlertsSection, alertsProblems, resolveAlerts } from './alerting/rules.ts';
import type { AlertsConfig } from './alerting/types.ts';
import { DIMENSION, dimensionName, durationSchema, hintFor, QUOTES_VALUE, section } from './config-schema.ts';
import { ConfigError } from './env.ts';
import type { SamplingConfig } from './sampling/types.ts';
import { verdictWaitMs } from './sampling/waits.ts';
import type { ScoringConfig } from './scoring/types.ts';

export { durationSchema, formatDuration, parseDuration } from './config-schema.ts';

/**
 * livegrade.config.yaml: the settings that are policy rather than wiring
 * (wiring lives in the environment, env.ts). Pure: the file is read in
 * @livegrade/runtime (config-file.ts); this module only validates the parsed
 * YAML, so the same checks run in tests, the CLI and every service.
 */

const KeepAlwaysSchema = section({
  error: z.boolean().default(true).describe('keep every trace with a span whose status is ERROR'),
  fallback: z
    .boolean()
    .default(true)
    .describe('keep every trace where a decision fell back (livegrade.outcome.fallback)'),
  retried: z
    .boolean()
    .default(true)
    .describe('keep every trace where a decision was retried (livegrade.outcome.retried)'),
  guardrail: z
    .boolean()
    .default(true)
    .describe('keep every trace where a guardrail fired (livegrade.outcome.guardrail)'),
  score_below: z
    .number()
    .min(0, 'must be between 0 and 1, or null to turn it off')
    .max(1, 'must be between 0 and 1, or null to turn it off')
    .nullable()
    .default(0.2)
    .describe('keep every trace with a decision whose livegrade.decision.score is below this; null turns it off'),
  decision_types: z
    .array(z.string().min(1, 'must not be empty'))
    .default([])
    .describe('sensitive decision types: every trace with one of these is kept whole'),
});

export const SamplingSchema = section({
  slice_by: z
    .array(z.string().regex(DIMENSION, 'expected a dimension name: a letter or _ then letters, digits, _, . or -'))
    .superRefine((dims, ctx) => {
      dims.forEach((d, i) => {
        if (dims.indexOf(d) !== i) ctx.addIssue({ code: 'custom', message: `duplicate dimension "${d}"`, path: [i] });
      });
    })
    .default(['language'])
    .describe(
      'slice dimensions sampled evenly, besides the decision type: each names a livegrade.slice.<dimension> attribute',
    ),
  per_slice_target_per_hour: z
    .number()
    .positive('must be greater than 0')
    .default(100)
    .describe(
      'successful traces each slice keeps whole per hour before it is thinned: a slice below it is kept whole, a busy one keeps about twice it',
    ),
  min_probability: z
    .number()
    .gt(0, 'must be greater than 0 and at most 1')
    .lte(1, 'must be greater than 0 and at most 1')
    .default(0.001)
    .describe('lowest keep probability of any slice, so a huge slice is never invisible; in (0, 1]'),
  decision_wait: durationSchema({ max: '10m' })
    .prefault('5s')
    .describe(
      "how long after a trace's root span ends the trace is decided (late child spans still join); at most 10m",
    ),
  max_buffered_traces: z
    .number()
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .default(50_000)
    .describe('undecided traces held in memory at most; beyond, the oldest are decided early (failures still kept)'),
  keep_always: KeepAlwaysSchema.describe('traces kept whatever the sampling rate'),
  recent_horizon: durationSchema({ min: '1h', max: '30d' })
    .prefault('72h')
    .describe(
      'how long a trace not kept stays parked (its OTLP bytes), so late feedback or an override can still promote it into sampled_spans; 1h to 30d',
    ),
});

const MinEffectSchema = section({
  rate: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0.05)
    .describe('smallest increase of a rate over its baseline that counts (absolute: 0.05 is 5 percentage points)'),
  ks: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0.1)
    .describe('smallest two-sample KS distance of the score distribution from its baseline that counts'),
  js: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0.1)
    .describe('smallest Jensen-Shannon distance (base 2) of the label mix from its baseline that counts'),
});

export const ScoringSchema = section({
  interval: durationSchema({ min: '1s', max: '1d' })
    .prefault('1m')
    .describe('how often windows are scored; window ends are multiples of it'),
  windows: z
    .array(durationSchema({ min: '1s', max: '30d' }))
    .min(1, 'list at least one window')
    .superRefine((ws, ctx) => {
      ws.forEach((w, i) => {
        if (ws.indexOf(w) !== i) ctx.addIssue({ code: 'custom', message: 'duplicate window length', path: [i] });
      });
    })
    .prefault(['15m', '1h'])
    .describe('lengths of the windows scored at every interval, each ending at the tick'),
  lag: durationSchema({ max: '1h' })
    .prefault('30s')
    .describe(
      "how long after a window ends it is scored: decisions are written once the sampler's decision_wait has passed",
    ),
  catch_up: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(1440, 'must be at most 1440')
    .default(5)
    .describe('ticks missed while no scorer ran (or a window failed) that are scored again; 0 scores only the latest'),
  slices: z
    .array(
      z
        .array(dimensionName)
        .min(1, 'a grouping set needs at least one dimension (the whole traffic "*" is always scored)')
        .superRefine((dims, ctx) => {
          dims.forEach((d, i) => {
            if (dims.indexOf(d) !== i)
              ctx.addIssue({ code: 'custom', message: `duplicate dimension "${d}"`, path: [i] });
          });
        }),
    )
    .max(32, 'at most 32 grouping sets')
    .default([['decision_type'], ['decision_type', 'language'], ['model_version']])
    .describe(
      'grouping sets scored in one pass, besides the whole traffic "*": decision_type, model, model_version, service or any livegrade.slice.<dimension>',
    ),
  min_samples: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(100)
    .describe('a (slice, metric) is tested only when the window and the baseline both have this many samples'),
  fdr: z
    .number()
    .gt(0, 'must be greater than 0 and less than 1')
    .lt(1, 'must be greater than 0 and less than 1')
    .default(0.05)
    .describe('false discovery rate kept across every (slice, metric) tested in one window (Benjamini-Hochberg)'),
  min_effect: MinEffectSchema.describe('smallest changes that count as degradation, however significant'),
});

export const BankSchema = section({
  capture_interval: durationSchema({ min: '1s', max: '1d' })
    .prefault('30s')
    .describe('how often overridden and failed decisions with a human label are captured into the regression bank'),
  capture_lookback: durationSchema({ max: '7d' })
    .prefault('15m')
    .describe(
      'each capture also reads verdicts this far before where the last one stopped, so a trace kept late (a promotion) is still captured; never less than the longest a promotion can take (sampling.decision_wait + the orphan wait + 30s) plus capture_interval',
    ),
});

/** The regression bank's capture (docs/ARCHITECTURE.md §8); durations in ms. */
export interface BankConfig {
  capture_interval: number;
  capture_lookback: number;
}

const ConfigSectionsSchema = z.strictObject(
  {
    sampling: SamplingSchema.describe('tail-based sampling of traces (docs/ARCHITECTURE.md §5)'),
    scoring: ScoringSchema.describe('per-slice scoring windows against the active baseline (docs/ARCHITECTURE.md §6)'),
    alerts: AlertsSchema.describe(
      'alert rules over the scored slices, and the receivers their notifications go to (docs/ARCHITECTURE.md §7)',
    ),
    bank: BankSchema.describe('the regression bank: capture of replay cases from production (docs/ARCHITECTURE.md §8)'),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' ? 'expected a mapping of sections, e.g. "sampling:" on its own line' : undefined,
  },
);

/** The checks of the alerts section against the scoring section, reported with the rest of the file's mistakes. */
function checkAlertsAgainst(scoringOf: (doc: Record<string, unknown>) => unknown) {
  return (doc: unknown, ctx: z.RefinementCtx) => {
    if (!isMapping(doc)) return;
    const invalid = (path: PropertyKey[]) => ctx.issues.some((i) => path.every((p, k) => i.path?.[k] === p));
    for (const p of alertsProblems(doc.alerts, scoringOf(doc), invalid)) {
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message, params: QUOTES_VALUE });
    }
  };
}

export const LivegradeConfigSchema = ConfigSectionsSchema.superRefine(
  checkAlertsAgainst((d) => d.scoring),
  { when: () => true },
).transform((c) => ({
  sampling: c.sampling,
  scoring: c.scoring,
  alerts: resolveAlerts(c.alerts, c.scoring),
  // a capture must still reach back to a verdict whose trace the sampler promotes late
  bank: {
    ...c.bank,
    capture_lookback: Math.max(c.bank.capture_lookback, verdictWaitMs(c.sampling) + c.bank.capture_interval),
  },
}));

/** The validated file; durations are milliseconds. */
export interface LivegradeConfig {
  sampling: SamplingConfig;
  scoring: ScoringConfig;
  alerts: AlertsConfig;
  bank: BankConfig;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The sampler is written against SamplingConfig; this stops the build if the schema's output drifts from it.
true satisfies Same<z.output<typeof LivegradeConfigSchema>, LivegradeConfig>;
true satisfies Same<AlertsSection['receivers'], AlertsConfig['receivers']>;

/** Keys whose values are never echoed in messages (a receiver's URL is a secret). */
const SECRET = /password|token|secret|webhook|^url$/i;

/**
 * Validates a parsed config file (null/undefined, i.e. an empty file, means
 * all defaults). Throws ConfigError listing every problem, one per line, as
 * `<source>: <dotted.key>: <message> (got <value>)`; a problem inside an
 * alert rule names the rule: `alerts.rules[2] (override-rate): window: ...`.
 */
export function parseConfig(input: unknown, source = 'livegrade.config.yaml'): LivegradeConfig {
  return validate(LivegradeConfigSchema, input ?? {}, source);
}

/** Every key at its default; frozen because it is shared. */
export const DEFAULT_CONFIG: LivegradeConfig = deepFreeze(parseConfig({}));

/**
 * Validates alert rules for `livegrade alerts check <file>`, with the
 * messages parseConfig gives. `input` is a whole livegrade.config.yaml, or a
 * document holding only the alerts section (under `alerts:`, or its
 * `receivers:`/`rules:` at the top), whose windows and grouping sets are then
 * checked against `base`, the configuration the rules will run with.
 */
export function checkAlertRules(
  input: unknown,
  source = 'livegrade.config.yaml',
  base: Pick<LivegradeConfig, 'scoring'> = DEFAULT_CONFIG,
): AlertsConfig {
  const doc = input ?? {};
  if (isMapping(doc) && ('sampling' in doc || 'scoring' in doc)) return parseConfig(doc, source).alerts;
  const bare = isMapping(doc) && !('alerts' in doc) && ('rules' in doc || 'receivers' in doc);
  const schema = z
    .strictObject({ alerts: AlertsSchema }, { error: () => 'expected a mapping with an "alerts:" section' })
    .superRefine(
      checkAlertsAgainst(() => base.scoring),
      { when: () => true },
    )
    .transform((d) => resolveAlerts(d.alerts, base.scoring));
  return validate(schema, bare ? { alerts: doc } : doc, source);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validate<T>(schema: z.ZodType<T>, input: unknown, source: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const lines: string[] = [];
  for (const issue of unfoldUnions(r.error.issues)) {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, each with its full path, so every typo is findable.
      const known = knownKeysAt(schema, issue.path, input);
      for (const key of issue.keys) {
        lines.push(problem(source, [...issue.path, key], `unknown key (${hintFor(key, known)})`, input));
      }
    } else if (issue.code === 'invalid_key') {
      // the value under a bad key is no help; the key is
      const key = String(issue.path.at(-1));
      lines.push(problem(source, issue.path, `${issue.message} (got ${show(key)})`, input, true));
    } else {
      const quotes = issue.code === 'custom' && issue.params?.quotesValue === true;
      lines.push(problem(source, issue.path, issue.message, input, quotes));
    }
  }
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  throw new ConfigError(`invalid configuration in ${source} (${count}):\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/**
 * A union (a rule's condition, a grouping set) fails as one "invalid input";
 * the useful report is the mistakes of the branch the value was written for:
 * the one that did not reject it outright by its type or literal.
 */
function unfoldUnions(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const fitting = issue.errors.find(
        (branch) =>
          !branch.every((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')),
      );
      if (fitting) {
        out.push(...unfoldUnions(fitting, path));
        continue;
      }
    }
    out.push({ ...issue, path });
  }
  return out;
}

function problem(source: string, path: PropertyKey[], message: string, input: unknown, quotesValue = false): string {
  const where = path.length === 0 ? '' : `${located(path, input)}: `;
  const value = valueAt(input, path);
  let got = '';
  if (!quotesValue && isSecret(path, value.value)) got = ' (got (hidden))';
  else if (!quotesValue && value.found) got = ` (got ${show(value.value)})`;
  return `${source}: ${where}${message}${got}`;
}

function isSecret(path: PropertyKey[], value: unknown): boolean {
  if (path.some((p) => typeof p === 'string' && SECRET.test(p))) return true;
  // a URL pasted where a receiver's url_env (or any receiver key) belongs
  return path[0] === 'alerts' && path[1] === 'receivers' && preview(value).includes('://');
}

/** The dotted path, naming the rule when it is inside one: `alerts.rules[2] (override-rate): window`. */
function located(path: PropertyKey[], input: unknown): string {
  if (path[0] !== 'alerts' || path[1] !== 'rules' || typeof path[2] !== 'number') return dotted(path);
  const name = valueAt(input, path.slice(0, 3).concat('name')).value;
  const rule = `alerts.rules[${path[2]}]${typeof name === 'string' && name !== '' ? ` (${name.slice(0, 60)})` : ''}`;
  return path.length > 3 ? `${rule}: ${dotted(path.slice(3))}` : rule;
}

function dotted(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(input: unknown, path: PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: cur };
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : preview(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A value as JSON for a message, without throwing: JSON.stringify recurses,
 * so a value nested a few thousand levels deep overflowed the stack and the
 * RangeError replaced the report; a BigInt made it throw a TypeError. NaN
 * and Infinity keep their names, where JSON would say null.
 */
function preview(value: unknown): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    if (Array.isArray(value)) return '[...]';
    return value !== null && typeof value === 'object' ? '{...}' : String(value);
  }
}

/** The keys the schema allows in the mapping at `path`, for the unknown-key hint. */
function knownKeysAt(root: z.ZodType, path: PropertyKey[], input: unknown): string[] {
  let schema: unknown = root;
  for (let i = 0; ; i++) {
    schema = unwrap(schema, valueAt(input, path.slice(0, i)).value);
    if (i === path.length) return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    if (schema instanceof z.ZodObject) schema = schema.shape[String(path[i])];
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else return [];
  }
}

/** Down to the schema that validates `value` itself: through defaults, transforms and the branch of a union it fits. */
function unwrap(schema: unknown, value: unknown): unknown {
  for (;;) {
    if (schema instanceof z.ZodPipe) schema = schema.in;
    else if (schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault) schema = schema.unwrap();
    else if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap();
    else if (schema instanceof z.ZodUnion) {
      const fits = (schema.options as unknown[])
        .map((o) => unwrap(o, value))
        .find((o) => o instanceof z.ZodObject && literalsMatch(o, value));
      if (!fits) return schema;
      schema = fits;
    } else return schema;
  }
}

/** Whether the keys a union branch fixes to a literal (a receiver's `type`) have those values in `value`. */
function literalsMatch(obj: z.ZodObject, value: unknown): boolean {
  if (!isMapping(value)) return false;
  return Object.entries(obj.shape).every(
    ([k, s]) => !(s instanceof z.ZodLiteral) || (s.values as Set<unknown>).has(value[k]),
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
