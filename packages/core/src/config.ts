import { z } from 'zod';
import { ConfigError } from './env.ts';
import type { SamplingConfig } from './sampling/types.ts';
import type { ScoringConfig } from './scoring/types.ts';

/**
 * livegrade.config.yaml: the settings that are policy rather than wiring
 * (wiring lives in the environment, env.ts). Pure: the file is read in
 * @livegrade/runtime (config-file.ts); this module only validates the parsed
 * YAML, so the same checks run in tests, the CLI and every service.
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const UNIT_HINT = 'use a duration with a unit, e.g. 5s';

function durationProblem(input: unknown): string {
  // A bare number is the likely mistake (seconds? ms?), so it gets its own hint.
  if (typeof input === 'number' || (typeof input === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(input))) return UNIT_HINT;
  return 'expected a duration such as 250ms, 5s, 2m, 72h or 7d';
}

/** '250ms', '5s', '1.5m', '72h', '7d' → milliseconds (rounded to a whole ms). Throws RangeError otherwise. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new RangeError(`${durationProblem(text)} (got ${JSON.stringify(text)})`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/**
 * A duration key: written as a string with a unit, parsed to ms. Bounds are
 * given as durations too, so the messages speak the user's units.
 */
export function durationSchema(bounds: { min?: string; max?: string } = {}) {
  const min = bounds.min === undefined ? undefined : parseDuration(bounds.min);
  const max = bounds.max === undefined ? undefined : parseDuration(bounds.max);
  return z
    .string({ error: (iss) => durationProblem(iss.input) })
    .regex(DURATION, { error: (iss) => durationProblem(iss.input) })
    .transform(parseDuration)
    .refine((ms) => min === undefined || ms >= min, `must be at least ${bounds.min}`)
    .refine((ms) => max === undefined || ms <= max, `must be at most ${bounds.max}`);
}

/**
 * A section (mapping) of the file: unknown keys are refused, every key is
 * optional, and a key written with nothing under it (all children commented
 * out, which YAML reads as null) means the defaults.
 */
function section<Shape extends z.ZodRawShape>(shape: Shape) {
  const obj = z.strictObject(shape, {
    error: (iss) => (iss.code === 'invalid_type' ? 'expected a mapping of keys (key: value lines)' : undefined),
  });
  return (
    obj
      .nullable()
      .transform((v) => v ?? obj.parse({}))
      // Every section key has a default (DEFAULT_CONFIG parses {} at import, so one without fails at once).
      .prefault({} as z.input<typeof obj>)
  );
}

const DIMENSION = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

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
    .describe('kept successful traces each slice aims for per hour; rare slices are kept whole, large ones thinned'),
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
      'how long recent_spans holds every span, so late feedback or an override can still promote its trace; 1h to 30d',
    ),
});

const dimensionName = z
  .string()
  .regex(DIMENSION, 'expected a dimension name: a letter or _ then letters, digits, _, . or -');

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

export const LivegradeConfigSchema = z.strictObject(
  {
    sampling: SamplingSchema.describe('tail-based sampling of traces (DESIGN.md §5)'),
    scoring: ScoringSchema.describe('per-slice scoring windows against the active baseline (DESIGN.md §6)'),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' ? 'expected a mapping of sections, e.g. "sampling:" on its own line' : undefined,
  },
);

/** The validated file; durations are milliseconds. */
export interface LivegradeConfig {
  sampling: SamplingConfig;
  scoring: ScoringConfig;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The sampler is written against SamplingConfig; this stops the build if the schema's output drifts from it.
true satisfies Same<z.output<typeof LivegradeConfigSchema>, LivegradeConfig>;

/** Keys whose values are never echoed in messages (later sections will hold webhooks). */
const SECRET = /password|token|secret|webhook/i;

/**
 * Validates a parsed config file (null/undefined, i.e. an empty file, means
 * all defaults). Throws ConfigError listing every problem, one per line, as
 * `<source>: <dotted.key>: <message> (got <value>)`.
 */
export function parseConfig(input: unknown, source = 'livegrade.config.yaml'): LivegradeConfig {
  const r = LivegradeConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, each with its full path, so every typo is findable.
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const near = closest(key, known);
        const hint = near ? `did you mean "${near}"?` : `expected one of: ${known.join(', ')}`;
        lines.push(problem(source, [...issue.path, key], `unknown key (${hint})`, input));
      }
    } else {
      lines.push(problem(source, issue.path, issue.message, input));
    }
  }
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  throw new ConfigError(`invalid configuration in ${source} (${count}):\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** Every key at its default; frozen because it is shared. */
export const DEFAULT_CONFIG: LivegradeConfig = deepFreeze(parseConfig({}));

function problem(source: string, path: PropertyKey[], message: string, input: unknown): string {
  const where = path.length === 0 ? '' : `${dotted(path)}: `;
  const value = valueAt(input, path);
  let got = '';
  if (path.some((p) => typeof p === 'string' && SECRET.test(p))) got = ' (got (hidden))';
  else if (value.found) got = ` (got ${show(value.value)})`;
  return `${source}: ${where}${message}${got}`;
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
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The keys the schema allows in the mapping at `path`, for the unknown-key hint. */
function knownKeysAt(path: PropertyKey[]): string[] {
  let schema: unknown = LivegradeConfigSchema;
  for (let i = 0; i <= path.length; i++) {
    // Unwrap prefault/default/optional/nullable and transforms down to the object.
    for (;;) {
      if (schema instanceof z.ZodPipe) schema = schema.in;
      else if (schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault) schema = schema.unwrap();
      else if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap();
      else break;
    }
    if (!(schema instanceof z.ZodObject)) return [];
    if (i === path.length) return Object.keys(schema.shape);
    schema = schema.shape[String(path[i])];
  }
  return [];
}

function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    const near = d <= Math.max(1, Math.floor(Math.max(key.length, c.length) * 0.4));
    const prefix = key.length >= 3 && (c.startsWith(key) || key.startsWith(c));
    if ((near || prefix) && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
