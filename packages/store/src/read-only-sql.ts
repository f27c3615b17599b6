import { RequestError } from '@livegrade/core';
/**
 * The check in front of user SQL. The engine enforces what it can on its own
 * (readonly on the reader session, grants of a reader user); this refuses
 * what settings cannot, and gives each refusal a message that says what was
 * refused and why. It reads the engine's own rendering of the query
 * (formatQuery, see user-sql.ts): ClickHouse's lexer has heredocs, `#` and
 * nested comments and escaped identifiers, any of which could hide a call
 * from a check that reads the text as typed.
 */
export class ForbiddenQueryError extends RequestError {
  override name = 'ForbiddenQueryError';
  constructor(message: string) {
    super(message, 'forbidden', [{ name: 'query', reason: message }]);
  }
}

/** A query stopped by one of the endpoint's limits; the message names the limit and the variable that sets it. */
export class QueryLimitError extends RequestError {
  override name = 'QueryLimitError';
  constructor(message: string) {
    super(message, 'limit', [{ name: 'query', reason: message }]);
  }
}

const READ_STATEMENTS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'];

const WRITES = new Set(['INSERT', 'DELETE', 'UPDATE', 'TRUNCATE', 'OPTIMIZE', 'RENAME', 'EXCHANGE']);
const DDL = new Set(['CREATE', 'DROP', 'ALTER', 'ATTACH', 'DETACH', 'UNDROP', 'REPLACE']);

/**
 * Table functions user SQL may call: they make rows up or read livegrade's own
 * tables. Every other table function the engine lists in
 * system.table_functions is refused, so one a later engine adds is too.
 */
export const SAFE_TABLE_FUNCTIONS = [
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'values',
  'generateRandom',
  'generate_series',
  'generateSeries',
  'primes',
  'view',
  'viewIfPermitted',
  'merge',
  'null',
  'format',
] as const;
const SAFE = new Set(SAFE_TABLE_FUNCTIONS.map((n) => n.toLowerCase()));

const READS_FILES = new Set(['file', 'filecluster', 'filesystem', 'sqlite', 'arrowstream', 'catboostevaluate']);
const REACHES_NETWORK = new Set([
  'url',
  'urlcluster',
  's3',
  's3cluster',
  'gcs',
  'cosn',
  'oss',
  'azureblobstorage',
  'azureblobstoragecluster',
  'hdfs',
  'hdfscluster',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'mysql',
  'postgresql',
  'mongodb',
  'redis',
  'jdbc',
  'odbc',
  'ytsaurus',
  'arrowflight',
]);
/** data-lake readers: *Local ones read server files, the rest object stores */
const DATA_LAKE = /^(iceberg|deltalake|hudi|paimon)/;

/** Why a function is refused whatever the engine lists (the scalar file() reads files, and no setting turns it off). */
function dangerOf(lowerName: string): string | undefined {
  if (lowerName === 'executable') return 'it runs a program on the server';
  if (lowerName === 'input') return 'it reads the data of an INSERT';
  if (READS_FILES.has(lowerName)) return 'it reads files on the server';
  if (DATA_LAKE.test(lowerName)) {
    return lowerName.endsWith('local') ? 'it reads files on the server' : 'it reaches the network';
  }
  if (REACHES_NETWORK.has(lowerName)) return 'it reaches the network';
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0' };

/** The name a quoted identifier stands for: the engine reads `\x66ile` as file. */
function unescapeIdentifier(body: string): string {
  return body.replace(/\\(x[0-9A-Fa-f]{2}|.)/gs, (_, e: string) =>
    e.length === 3 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (SIMPLE_ESCAPES[e] ?? e),
  );
}

/**
 * Removes comments and string literals so keywords inside them are not
 * matched; a quoted identifier that spells a plain name (`file`, "url") is
 * kept as that name, as the engine resolves it.
 */
export function stripLiterals(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      const start = ++i;
      while (i < sql.length && sql[i] !== c) i += sql[i] === '\\' ? 2 : 1;
      const body = sql.slice(start, i);
      i++;
      if (c === "'") out += "''";
      else {
        const name = unescapeIdentifier(body);
        out += /^\w+$/.test(name) ? ` ${name} ` : ' x ';
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function statementClass(first: string, bare: string): string | undefined {
  if (first === 'ALTER' && /\b(UPDATE|DELETE)\b/i.test(bare)) {
    return 'ALTER ... UPDATE/DELETE is refused: it is a write (a mutation), and the SQL endpoint is read-only';
  }
  if (WRITES.has(first)) return `${first} is refused: it is a write, and the SQL endpoint is read-only`;
  if (DDL.has(first))
    return `${first} is refused: it is DDL (it changes the schema), and the SQL endpoint is read-only`;
  if (first === 'SET') {
    return 'SET is refused: the session settings hold the row and time limits (LIVEGRADE_SQL_MAX_ROWS, LIVEGRADE_SQL_TIMEOUT_SECONDS), which are fixed';
  }
  if (first === 'SYSTEM') return 'SYSTEM is refused: it acts on the server, and the SQL endpoint only reads data';
  if (first === 'KILL') return 'KILL is refused: it stops queries, and the SQL endpoint only reads data';
  if (first === 'GRANT' || first === 'REVOKE') return `${first} is refused: the SQL endpoint does not manage access`;
  if (first === 'USE') return 'USE is refused: it would switch the database of a session other requests share';
  if (first === 'BACKUP' || first === 'RESTORE') return `${first} is refused: it writes or restores data`;
  return undefined;
}

/**
 * Throws ForbiddenQueryError unless `sql` is one read statement that calls no
 * function reading files, reaching the network or running programs, no table
 * function other than SAFE_TABLE_FUNCTIONS among `engineTableFunctions`, and
 * sets no settings. Returns the statement without a trailing `;`.
 */
export function assertReadOnlySql(sql: string, engineTableFunctions: Iterable<string> = []): string {
  const bare = stripLiterals(sql).trim().replace(/;\s*$/, '');
  if (bare === '') throw new ForbiddenQueryError('empty query');
  if (bare.includes(';')) throw new ForbiddenQueryError('only one statement per request is accepted');
  const first = (bare.match(/^[(\s]*([A-Za-z]+)/)?.[1] ?? '').toUpperCase();
  const refused = statementClass(first, bare);
  if (refused) throw new ForbiddenQueryError(refused);
  if (!READ_STATEMENTS.includes(first)) {
    throw new ForbiddenQueryError(
      `only read queries are accepted (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS); got ${first || 'no statement'}`,
    );
  }
  // a clause is `SETTINGS name = value`; `system.settings` or a column named settings is not one
  if (/(?<![\w.])SETTINGS\s+\w+\s*(=|,|$)/i.test(bare)) {
    throw new ForbiddenQueryError(
      'a SETTINGS clause is refused: settings hold the row and time limits (LIVEGRADE_SQL_MAX_ROWS, LIVEGRADE_SQL_TIMEOUT_SECONDS), which are fixed',
    );
  }
  if (/\bINTO\s+OUTFILE\b/i.test(bare)) {
    throw new ForbiddenQueryError('INTO OUTFILE is refused: it writes a file on the server');
  }
  // the request's format field picks the output format; a second FORMAT would be a syntax error
  if (/(?<![\w.])FORMAT\s+\w+\s*$/i.test(bare)) {
    throw new ForbiddenQueryError('a FORMAT clause is refused: choose the format with the request (json, csv or tsv)');
  }
  assertCallsAllowed(bare, new Set([...engineTableFunctions].map((n) => n.toLowerCase())));
  return sql.trim().replace(/;\s*$/, '');
}

function assertCallsAllowed(bare: string, tableFunctions: ReadonlySet<string>) {
  for (const [, name] of bare.matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*\(/g)) {
    const lower = (name as string).toLowerCase();
    if (SAFE.has(lower)) continue;
    const danger = dangerOf(lower);
    if (danger) throw new ForbiddenQueryError(`${name}() is refused: ${danger}`);
    if (tableFunctions.has(lower)) {
      throw new ForbiddenQueryError(
        `table function ${name}() is refused: the SQL endpoint accepts only ${SAFE_TABLE_FUNCTIONS.join(', ')}`,
      );
    }
  }
}
