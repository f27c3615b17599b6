import { ClickHouseError } from '@clickhouse/client';
import { RequestError } from '@livegrade/core';
import type { Repository, ResultFormat } from '@livegrade/store';

/**
 * User SQL on the read-only session, every refusal a RequestError: the check
 * in front refuses with 'forbidden', a row, size or time limit with 'limit'
 * (both already RequestErrors); any other engine error is the user's query:
 * 'invalid', with the engine's own message.
 */
export async function userSql(store: Repository, query: string, format: ResultFormat): Promise<string> {
  try {
    return await store.readOnlyQuery(query, format);
  } catch (err) {
    if (err instanceof ClickHouseError || isEngineError(err)) {
      throw new RequestError((err as Error).message.trim(), 'invalid', [
        { name: 'query', reason: 'the engine refused it' },
      ]);
    }
    throw err;
  }
}

/** chdb raises errors that carry the ClickHouse code but are not the client's class instance. */
function isEngineError(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && 'code' in err && typeof (err as { type?: unknown }).type === 'string'
  );
}
