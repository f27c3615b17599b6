import type { ClickHouseClient, DataFormat } from '@clickhouse/client';
import type { ReadLimits } from './client.ts';
import { assertReadOnlySql, ForbiddenQueryError, QueryLimitError } from './read-only-sql.ts';

/**
 * Runs SQL typed by a user on the reader: the engine renders the query
 * (formatQuery, its own parser), the check in front reads that rendering,
 * then the query runs under the reader's limits. A query stopped by a limit
 * comes back as QueryLimitError naming the limit; other engine errors pass
 * through with the engine's message.
 */
export function createUserSql(reader: ClickHouseClient, limits: ReadLimits, catalog: ClickHouseClient = reader) {
  let tableFunctions: Promise<string[]> | undefined;
  // read on `catalog` (the writer): a reader user granted SELECT on livegrade's
  // database alone may not see system tables on a server
  const engineTableFunctions = (): Promise<string[]> => {
    if (!tableFunctions) {
      const loading = catalog
        .query({ query: 'SELECT name FROM system.table_functions', format: 'JSONEachRow' })
        .then((rs) => rs.json<{ name: string }>())
        .then((rows) => rows.map((r) => r.name));
      // a failed read is tried again on the next query rather than kept
      loading.catch(() => {
        if (tableFunctions === loading) tableFunctions = undefined;
      });
      tableFunctions = loading;
    }
    return tableFunctions;
  };

  return async function runUserSql(sql: string, format: DataFormat): Promise<string> {
    const query = sql.trim().replace(/;\s*$/, '');
    if (query === '') throw new ForbiddenQueryError('empty query');
    assertReadOnlySql(await renderedByEngine(reader, query), await engineTableFunctions());
    try {
      const rs = await reader.query({ query, format });
      return await rs.text();
    } catch (err) {
      throw limitErrorOf(err, limits) ?? err;
    }
  };
}

/** The query as the engine parsed it: no comments, heredocs or escaped names left to misread. */
async function renderedByEngine(reader: ClickHouseClient, query: string): Promise<string> {
  try {
    const rs = await reader.query({
      query: 'SELECT formatQuery({sql:String}) AS q',
      query_params: { sql: query },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ q: string }>();
    return row?.q ?? '';
  } catch (err) {
    if (err instanceof Error && /Multi-statements are not allowed/i.test(err.message)) {
      throw new ForbiddenQueryError('only one statement per request is accepted');
    }
    // the engine's message about the user's text, without the wrapper query it was quoted in
    if (err instanceof Error) err.message = err.message.replace(/[\s:.]*In scope SELECT formatQuery\([\s\S]*$/, '');
    throw err;
  }
}

function limitErrorOf(err: unknown, limits: ReadLimits): QueryLimitError | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = String((err as { code?: unknown }).code ?? '');
  const engine = `(ClickHouse: ${err.message.trim()})`;
  if (code === '396' && /max rows/i.test(err.message)) {
    return new QueryLimitError(
      `the result has more than ${limits.maxResultRows} rows, the row limit of the SQL endpoint (LIVEGRADE_SQL_MAX_ROWS); add a LIMIT or aggregate ${engine}`,
    );
  }
  if (code === '396' && /max bytes/i.test(err.message)) {
    return new QueryLimitError(
      `the result is larger than ${limits.maxResultBytes} bytes, the size limit of the SQL endpoint (LIVEGRADE_SQL_MAX_RESULT_BYTES); select fewer columns or rows ${engine}`,
    );
  }
  const timedOut =
    code === '159' ||
    (code === '160' && /estimated query execution time/i.test(err.message)) ||
    /^Timeout error/i.test(err.message);
  if (timedOut) {
    return new QueryLimitError(
      `the query ran past ${limits.maxExecutionSeconds} s, the time limit of the SQL endpoint (LIVEGRADE_SQL_TIMEOUT_SECONDS); narrow the time range or read fewer rows ${engine}`,
    );
  }
  return undefined;
}
