import { z } from 'zod';

/**
 * Building blocks of the livegrade.config.yaml schema, shared by config.ts
 * and the sections defined next to their feature (alerting/rules.ts), which
 * config.ts imports: kept apart so neither imports the other.
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

/** Milliseconds → the shortest exact duration text ('15m', '1h', '90s', '250ms'), for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
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
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
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

export const DIMENSION = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export const dimensionName = z
  .string()
  .regex(DIMENSION, 'expected a dimension name: a letter or _ then letters, digits, _, . or -');

/** The candidate a misspelt `key` most likely meant, if any is close enough. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
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

/** `did you mean "x"?` when a candidate is close, else the whole list. */
export function hintFor(key: string, candidates: readonly string[]): string {
  const near = closest(key, candidates);
  return near ? `did you mean "${near}"?` : `expected one of: ${candidates.join(', ')}`;
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

/**
 * Marks a custom issue whose message already quotes the offending value, so
 * the report does not add `(got ...)` after it.
 */
export const QUOTES_VALUE = { quotesValue: true } as const;
