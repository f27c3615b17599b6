import { resolve } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { Env } from '@livegrade/core';
import { createChdbConnection } from 'chdb/connection';

/**
 * Two clients on one store: `writer` for livegrade's own reads and writes, and
 * `reader` for SQL typed by users, which runs read-only with time and row
 * limits. Both go through @clickhouse/client; only the connection differs.
 */
export interface StoreClients {
  mode: 'chdb' | 'clickhouse-server';
  database: string;
  writer: ClickHouseClient;
  reader: ClickHouseClient;
  close(): Promise<void>;
}

export interface ReadLimits {
  maxExecutionSeconds: number;
  maxResultRows: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxExecutionSeconds: 30, maxResultRows: 100_000 };

/** Settings for user SQL. final=1 hides rows a replayed Kafka batch wrote twice. */
function readSettings(limits: ReadLimits) {
  return {
    max_execution_time: limits.maxExecutionSeconds,
    max_result_rows: String(limits.maxResultRows),
    result_overflow_mode: 'throw',
    final: 1,
  } as const;
}

export async function openStoreClients(
  env: Pick<
    Env,
    | 'LIVEGRADE_CLICKHOUSE_URL'
    | 'LIVEGRADE_CLICKHOUSE_USER'
    | 'LIVEGRADE_CLICKHOUSE_PASSWORD'
    | 'LIVEGRADE_CLICKHOUSE_DATABASE'
    | 'LIVEGRADE_DATA_DIR'
  >,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<StoreClients> {
  const database = env.LIVEGRADE_CLICKHOUSE_DATABASE;
  if (env.LIVEGRADE_CLICKHOUSE_URL) return openServer(env.LIVEGRADE_CLICKHOUSE_URL, env, database, limits);
  return openChdb(resolve(env.LIVEGRADE_DATA_DIR, 'chdb'), database, limits);
}

async function openServer(
  url: string,
  env: Pick<Env, 'LIVEGRADE_CLICKHOUSE_USER' | 'LIVEGRADE_CLICKHOUSE_PASSWORD'>,
  database: string,
  limits: ReadLimits,
): Promise<StoreClients> {
  const auth = { username: env.LIVEGRADE_CLICKHOUSE_USER, password: env.LIVEGRADE_CLICKHOUSE_PASSWORD };
  // the database may not exist yet on a fresh server: create it before binding clients to it
  const bootstrap = createClient({ url, ...auth });
  await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await bootstrap.close();
  const writer = createClient({ url, ...auth, database });
  // readonly=2, not 1: with 1 the server refuses the limit settings sent along
  // with each query. Lifting them from SQL is refused by the guard in front
  // (read-only-sql.ts); in production give this client a user whose profile
  // is readonly with constraints on these settings.
  const reader = createClient({
    url,
    ...auth,
    database,
    clickhouse_settings: { ...readSettings(limits), readonly: '2' },
  });
  return {
    mode: 'clickhouse-server',
    database,
    writer,
    reader,
    async close() {
      await Promise.allSettled([writer.close(), reader.close()]);
    },
  };
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * chdb types its Connection against @clickhouse/client-common, while
 * @clickhouse/client 1.23 bundles its own copy of the same interface; the two
 * are one shape at run time, so the cast only bridges the duplicate typings.
 */
function chdbConnection(path: string): ClientConnection {
  return createChdbConnection({ path }) as unknown as ClientConnection;
}

async function openChdb(path: string, database: string, limits: ReadLimits): Promise<StoreClients> {
  const writer = createClient({ connection: chdbConnection(path) });
  await writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  // chdb/connection ignores the client's `database` option and turns
  // clickhouse_settings into session-wide SETs, so each session is configured
  // once here instead: USE for the database, and on the reader the limits
  // followed by readonly=1, which then also forbids changing them.
  await writer.command({ query: `USE ${database}` });
  const reader = createClient({ connection: chdbConnection(path) });
  await reader.command({ query: `USE ${database}` });
  for (const [key, value] of Object.entries(readSettings(limits))) {
    await reader.command({ query: `SET ${key} = ${typeof value === 'number' ? value : `'${value}'`}` });
  }
  await reader.command({ query: 'SET readonly = 1' });
  return {
    mode: 'chdb',
    database,
    writer,
    reader,
    async close() {
      await reader.close();
      await writer.close();
    },
  };
}
