import { z } from 'zod';

/** A time in a request body: epoch ms, or ISO 8601 with a zone. */
export const requestTime = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

/**
 * A request's body or query parsed with `schema`, or the 400 message:
 * `invalid <what>: ` then each problem prefixed with the field it is about.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request',
): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const problems = r.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  return { ok: false, error: `invalid ${what}: ${problems.join('; ')}` };
}
