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
  /** what the reader enforces, so refusals can name the limit that stopped a query */
  readLimits: ReadLimits;
  close(): Promise<void>;
}

export interface ReadLimits {
  maxExecutionSeconds: number;
  maxResultRows: number;
  maxResultBytes: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxExecutionSeconds: 30,
  maxResultRows: 100_000,
  maxResultBytes: 100 * 1024 * 1024,
};

export type ReadLimitsEnv = Pick<
  Env,
  'LIVEGRADE_SQL_MAX_ROWS' | 'LIVEGRADE_SQL_MAX_RESULT_BYTES' | 'LIVEGRADE_SQL_TIMEOUT_SECONDS'
>;

export function readLimitsOf(env: ReadLimitsEnv): ReadLimits {
  return {
    maxExecutionSeconds: env.LIVEGRADE_SQL_TIMEOUT_SECONDS,
    maxResultRows: env.LIVEGRADE_SQL_MAX_ROWS,
    maxResultBytes: env.LIVEGRADE_SQL_MAX_RESULT_BYTES,
  };
}

/**
 * Settings for user SQL. Overflow modes are `throw`: a cut result would look
 * complete. final=1 hides rows a replayed Kafka batch wrote twice.
 */
function readSettings(limits: ReadLimits) {
  return {
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_result_rows: String(limits.maxResultRows),
    max_result_bytes: String(limits.maxResultBytes),
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
    | 'LIVEGRADE_CLICKHOUSE_READER_USER'
    | 'LIVEGRADE_CLICKHOUSE_READER_PASSWORD'
    | 'LIVEGRADE_CLICKHOUSE_DATABASE'
    | 'LIVEGRADE_DATA_DIR'
  > &
    ReadLimitsEnv,
  limits: ReadLimits = readLimitsOf(env),
): Promise<StoreClients> {
  const database = env.LIVEGRADE_CLICKHOUSE_DATABASE;
  if (env.LIVEGRADE_CLICKHOUSE_URL) return openServer(env.LIVEGRADE_CLICKHOUSE_URL, env, database, limits);
  return openChdb(resolve(env.LIVEGRADE_DATA_DIR, 'chdb'), database, limits);
}

async function openServer(
  url: string,
  env: Pick<
    Env,
    | 'LIVEGRADE_CLICKHOUSE_USER'
    | 'LIVEGRADE_CLICKHOUSE_PASSWORD'
    | 'LIVEGRADE_CLICKHOUSE_READER_USER'
    | 'LIVEGRADE_CLICKHOUSE_READER_PASSWORD'
  >,
  database: string,
  limits: ReadLimits,
): Promise<StoreClients> {
  const auth = { username: env.LIVEGRADE_CLICKHOUSE_USER, password: env.LIVEGRADE_CLICKHOUSE_PASSWORD };
  // the database may not exist yet on a fresh server: create it before binding clients to it
  const bootstrap = createClient({ url, ...auth });
  await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await bootstrap.close();
  const writer = createClient({ url, ...auth, database });
  const readerUser = env.LIVEGRADE_CLICKHOUSE_READER_USER;
  const reader = createClient({
    url,
    ...(readerUser ? { username: readerUser, password: env.LIVEGRADE_CLICKHOUSE_READER_PASSWORD } : auth),
    database,
    // past the engine's own limit, so the engine's message (which names it) is what comes back
    request_timeout: (limits.maxExecutionSeconds + 10) * 1000,
    clickhouse_settings: {
      ...readSettings(limits),
      // errors after the first rows would otherwise arrive inside a 200 body
      wait_end_of_query: 1,
      // A reader user's profile sets readonly and holds constraints on the
      // limits (infra/clickhouse/users.d/livegrade-reader.xml). Without one,
      // readonly=2, not 1: with 1 the server refuses the limit settings sent
      // along with each query; lifting them from SQL is refused by the check
      // in front (read-only-sql.ts).
      ...(readerUser ? {} : { readonly: '2' as const }),
    },
  });
  return {
    mode: 'clickhouse-server',
    database,
    writer,
    reader,
    readLimits: limits,
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

/**
 * A chdb session keeps what a failed query had already written (the JSON
 * header of a result stopped by max_result_rows, say) and hands it out in
 * front of the session's next result. So the reader runs one query at a time
 * (chdb runs a session's queries one at a time anyway) and, after a failure,
 * a throwaway query that takes the leftover before the next user's query.
 */
function drainedAfterFailures(connection: ClientConnection): ClientConnection {
  let last: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => {
    const result = last.then(async () => {
      try {
        return await run();
      } catch (err) {
        await connection.query({ query: 'SELECT 1' }).catch(() => undefined);
        throw err;
      }
    });
    last = result.catch(() => undefined);
    return result;
  };
  return {
    ping: (params) => connection.ping(params),
    query: (params) => oneAtATime(() => connection.query(params)),
    exec: (params) => oneAtATime(() => connection.exec(params)),
    command: (params) => oneAtATime(() => connection.command(params)),
    insert: (params) => oneAtATime(() => connection.insert(params)),
    close: () => connection.close(),
  };
}

async function openChdb(path: string, database: string, limits: ReadLimits): Promise<StoreClients> {
  const writer = createClient({ connection: chdbConnection(path) });
  await writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  // chdb/connection ignores the client's `database` option and turns
  // clickhouse_settings into session-wide SETs, so each session is configured
  // once here instead: USE for the database, and on the reader the limits
  // followed by readonly=1, which then also forbids changing them.
  await writer.command({ query: `USE ${database}` });
  const reader = createClient({ connection: drainedAfterFailures(chdbConnection(path)) });
  await reader.command({ query: `USE ${database}` });
  const settings = {
    ...readSettings(limits),
    allow_ddl: 0,
    // chdb turns introspection (addressToSymbol...) on; a server leaves it off
    allow_introspection_functions: 0,
  };
  for (const [key, value] of Object.entries(settings)) {
    await reader.command({ query: `SET ${key} = ${typeof value === 'number' ? value : `'${value}'`}` });
  }
  await reader.command({ query: 'SET readonly = 1' });
  return {
    mode: 'chdb',
    database,
    writer,
    reader,
    readLimits: limits,
    async close() {
      await reader.close();
      await writer.close();
    },
  };
}
