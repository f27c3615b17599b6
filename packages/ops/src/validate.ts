import { RequestError } from '@livegrade/core';
import type { z } from 'zod';
import { OPERATION_NAMES, OPERATIONS, type OperationHandlers, type Operations } from './operations.ts';

/**
 * Parses `input` with `schema`, or throws the RequestError a caller sees:
 * `invalid <what>: ` then each problem prefixed with the field it is about,
 * the fields also listed one by one for problem+json's invalid-params.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const params = r.error.issues.map((i) => ({ name: i.path.join('.'), reason: i.message }));
  const problems = params.map((p) => (p.name ? `${p.name}: ${p.reason}` : p.reason));
  throw new RequestError(
    `invalid ${what}: ${problems.join('; ')}`,
    'invalid',
    params.filter((p) => p.name !== ''),
  );
}

/** Handlers behind input validation: every implementation refuses bad input the same way. */
export function validated(handlers: OperationHandlers): Operations {
  const ops = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const name of OPERATION_NAMES) {
    const spec = OPERATIONS[name];
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    ops[name] = async (input) => handler(parseInput(spec.input, input ?? {}, spec.what));
  }
  return ops as unknown as Operations;
}
