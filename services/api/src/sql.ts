import { ClickHouseError } from '@clickhouse/client';
import type { FastifyInstance } from '@livegrade/runtime';
import {
  CONTENT_TYPE,
  ForbiddenQueryError,
  QueryLimitError,
  type Repository,
  type ResultFormat,
} from '@livegrade/store';
import { z } from 'zod';
import { parseInput } from './request.ts';

const SqlRequest = z.object({
  query: z.string().min(1, 'query is empty').max(100_000),
  format: z.enum(['json', 'csv', 'tsv']).default('json'),
});

/**
 * POST /v1/sql {query, format}: user SQL on the read-only session. A refusal
 * of the check in front is a 403, a query stopped by the row, size or time
 * limit a 422 naming the limit, any other engine error a 400 with the
 * engine's own message.
 */
export function registerSql(app: FastifyInstance, store: Pick<Repository, 'readOnlyQuery'>) {
  app.post('/v1/sql', async (request, reply) => {
    const parsed = parseInput(SqlRequest, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const { query, format } = parsed.value;
    try {
      const body = await store.readOnlyQuery(query, format as ResultFormat);
      return reply.code(200).type(CONTENT_TYPE[format]).send(body);
    } catch (err) {
      if (err instanceof ForbiddenQueryError) return reply.code(403).send({ error: err.message });
      if (err instanceof QueryLimitError) return reply.code(422).send({ error: err.message });
      if (err instanceof ClickHouseError || isEngineError(err)) {
        return reply.code(400).send({ error: (err as Error).message.trim() });
      }
      throw err;
    }
  });
}

/** chdb raises errors that carry the ClickHouse code but are not the client's class instance. */
function isEngineError(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && 'code' in err && typeof (err as { type?: unknown }).type === 'string'
  );
}
