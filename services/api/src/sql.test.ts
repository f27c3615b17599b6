import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@livegrade/runtime';
import { openStore, SAFE_TABLE_FUNCTIONS, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { type Api, createApi } from './api.ts';

// POST /v1/sql on a real embedded store through Fastify's inject, with small
// limits so the tests can reach them: 1,000 rows, 64 KiB, 1 s.

const TOKEN = 'sql-test-token';
const MAX_ROWS = 1000;
const MAX_BYTES = 64 * 1024;
const data = tempDataDir();
let store: Store;
let api: Api;

before(async () => {
  store = await openStore(
    testEnv({
      LIVEGRADE_DATA_DIR: data.dir,
      LIVEGRADE_SQL_MAX_ROWS: String(MAX_ROWS),
      LIVEGRADE_SQL_MAX_RESULT_BYTES: String(MAX_BYTES),
      LIVEGRADE_SQL_TIMEOUT_SECONDS: '1',
    }),
  );
  api = createApi({ store, logger: createLogger('silent'), config: { host: '127.0.0.1', port: 0, token: TOKEN } });
});

after(async () => {
  await api?.stop();
  await store?.close();
  data.cleanup();
});

async function sql(query: string, format?: 'json' | 'csv' | 'tsv', authorization = `Bearer ${TOKEN}`) {
  return api.app.inject({
    method: 'POST',
    url: '/v1/sql',
    headers: { authorization },
    payload: format ? { query, format } : { query },
  });
}

async function refused(query: string, message: RegExp) {
  const res = await sql(query);
  assert.equal(res.statusCode, 403, `${query}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json<{ type: string; detail: string; 'invalid-params': Array<{ name: string }> }>();
  assert.match(problem.detail, message, query);
  assert.equal(problem.type, 'urn:livegrade:problem:forbidden');
  assert.deepEqual(
    problem['invalid-params'].map((p) => p.name),
    ['query'],
  );
}

async function rows(query: string): Promise<Array<Record<string, unknown>>> {
  const res = await sql(query);
  assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
  return res.json<{ data: Array<Record<string, unknown>> }>().data;
}

describe('POST /v1/sql: bearer token', () => {
  it('answers 401 without the token or with a wrong one, and runs the query with it', async () => {
    const none = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT 1' } });
    assert.equal(none.statusCode, 401);
    assert.match(none.json<{ detail: string }>().detail, /bearer token/);
    assert.equal((await sql('SELECT 1', 'json', 'Bearer wrong-token')).statusCode, 401);
    assert.equal((await sql('SELECT 1', 'json', TOKEN)).statusCode, 401, 'the Bearer scheme is required');
    assert.deepEqual(await rows('SELECT 1 AS one'), [{ one: 1 }]);
  });

  it('leaves /healthz open for probes', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
  });
});

describe('POST /v1/sql: refusals', () => {
  it('refuses writes, naming the statement', async () => {
    await refused('INSERT INTO decisions (decision_id) VALUES (1)', /^INSERT is refused: it is a write/);
    await refused('INSERT INTO decisions SELECT * FROM decisions', /^INSERT is refused: it is a write/);
    await refused(
      "ALTER TABLE decisions UPDATE label = 'x' WHERE 1",
      /ALTER \.\.\. UPDATE\/DELETE is refused: .*mutation/,
    );
    await refused('ALTER TABLE decisions DELETE WHERE 1', /ALTER \.\.\. UPDATE\/DELETE is refused/);
    await refused('DELETE FROM decisions WHERE 1', /^DELETE is refused: it is a write/);
    await refused("UPDATE decisions SET label = 'x' WHERE 1", /^UPDATE is refused: it is a write/);
    await refused('TRUNCATE TABLE decisions', /^TRUNCATE is refused: it is a write/);
    await refused('OPTIMIZE TABLE decisions FINAL', /^OPTIMIZE is refused: it is a write/);
    await refused('RENAME TABLE decisions TO gone', /^RENAME is refused: it is a write/);
    await refused('EXCHANGE TABLES decisions AND verdicts', /^EXCHANGE is refused: it is a write/);
  });

  it('refuses DDL, naming the statement', async () => {
    await refused('CREATE TABLE x (a UInt8) ENGINE = Memory', /^CREATE is refused: it is DDL/);
    await refused('CREATE TEMPORARY TABLE x (a UInt8)', /^CREATE is refused: it is DDL/);
    await refused('DROP TABLE decisions', /^DROP is refused: it is DDL/);
    await refused('ALTER TABLE decisions ADD COLUMN x UInt8', /^ALTER is refused: it is DDL/);
    await refused('ATTACH TABLE decisions', /^ATTACH is refused: it is DDL/);
    await refused('DETACH TABLE decisions', /^DETACH is refused: it is DDL/);
    await refused('UNDROP TABLE decisions', /^UNDROP is refused: it is DDL/);
  });

  it('refuses SET and SETTINGS clauses, which would lift the limits', async () => {
    await refused('SET max_result_rows = 0', /^SET is refused: .*LIVEGRADE_SQL_MAX_ROWS/);
    await refused('SET readonly = 0', /^SET is refused/);
    await refused('SET ROLE NONE', /^SET is refused/);
    const settings = /^a SETTINGS clause is refused: .*limits/;
    await refused('SELECT number FROM numbers(5000) SETTINGS max_result_rows = 0', settings);
    await refused('SELECT 1 SETTINGS max_execution_time = 0, readonly = 0', settings);
    await refused('SELECT 1 settings `max_result_rows`=0', settings);
    await refused('SELECT 1 SETTINGS final', settings);
    await refused('SELECT * FROM (SELECT number FROM numbers(5000) SETTINGS max_result_rows = 0)', settings);
    await refused("SELECT 1 AS x FORMAT CSV SETTINGS format_csv_delimiter = ';'", settings);
  });

  it('accepts a table or column named settings', async () => {
    const [row] = await rows("SELECT value AS settings FROM system.settings WHERE name = 'max_result_rows'");
    assert.equal(row?.settings, String(MAX_ROWS), 'the reader session carries the row limit');
    const [count] = await rows('SELECT count() > 0 AS some FROM system.settings AS settings');
    assert.equal(count?.some, 1);
  });

  it('refuses SYSTEM, KILL, GRANT, REVOKE, USE, BACKUP and INTO OUTFILE', async () => {
    await refused('SYSTEM FLUSH LOGS', /^SYSTEM is refused: it acts on the server/);
    await refused('SYSTEM RELOAD CONFIG', /^SYSTEM is refused/);
    await refused('KILL QUERY WHERE 1', /^KILL is refused/);
    await refused('GRANT SELECT ON *.* TO somebody', /^GRANT is refused/);
    await refused('REVOKE SELECT ON *.* FROM somebody', /^REVOKE is refused/);
    await refused('USE system', /^USE is refused: .*session other requests share/);
    await refused("BACKUP TABLE decisions TO Disk('default', 'b.zip')", /^BACKUP is refused/);
    await refused("SELECT * FROM decisions INTO OUTFILE '/tmp/out.csv'", /^INTO OUTFILE is refused: it writes a file/);
    await refused('CHECK TABLE decisions', /^only read queries are accepted .*got CHECK/);
  });

  it('refuses a FORMAT clause: the request picks the format', async () => {
    await refused('SELECT 1 FORMAT CSV', /^a FORMAT clause is refused: choose the format with the request/);
    assert.deepEqual(await rows("SELECT 'csv' AS format"), [{ format: 'csv' }], 'a column named format is fine');
  });

  it('refuses more than one statement, but not a ; inside a string', async () => {
    await refused('SELECT 1; DROP TABLE decisions', /^only one statement per request is accepted/);
    await refused('SELECT 1; SELECT 2;', /^only one statement per request is accepted/);
    assert.deepEqual(await rows("SELECT 'a; DROP TABLE decisions' AS s;"), [{ s: 'a; DROP TABLE decisions' }]);
  });

  const FILES = /reads files on the server/;
  const NETWORK = /reaches the network/;
  const DANGEROUS: Array<[string, RegExp]> = [
    ["file('/etc/hostname', 'LineAsString')", FILES],
    ["fileCluster('default', '/etc/hostname')", FILES],
    ["filesystem('/etc')", FILES],
    ["sqlite('/tmp/x.db', 't')", FILES],
    ["icebergLocal('/tmp/t')", FILES],
    ["deltaLakeLocal('/tmp/t')", FILES],
    ["url('http://127.0.0.1:1/x.csv', 'CSV')", NETWORK],
    ["urlCluster('default', 'http://127.0.0.1:1/x.csv', 'CSV')", NETWORK],
    ["s3('http://127.0.0.1:1/bucket/x.csv')", NETWORK],
    ["s3Cluster('default', 'http://127.0.0.1:1/bucket/x.csv')", NETWORK],
    ["gcs('http://127.0.0.1:1/bucket/x.csv')", NETWORK],
    ["azureBlobStorage('http://127.0.0.1:1', 'c', 'b')", NETWORK],
    ["hdfs('hdfs://127.0.0.1:1/x', 'CSV')", NETWORK],
    ["remote('127.0.0.1:1', system.one)", NETWORK],
    ["remoteSecure('127.0.0.1:1', system.one)", NETWORK],
    ["cluster('default', system.one)", NETWORK],
    ["clusterAllReplicas('default', system.one)", NETWORK],
    ["mysql('127.0.0.1:1', 'd', 't', 'u', 'p')", NETWORK],
    ["postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')", NETWORK],
    ["mongodb('127.0.0.1:1', 'd', 'c', 'u', 'p', 'x String')", NETWORK],
    ["redis('127.0.0.1:1', 'k', 'k String')", NETWORK],
    ["jdbc('datasource', 'schema', 'table')", NETWORK],
    ["odbc('dsn', 'schema', 'table')", NETWORK],
    ["iceberg('http://127.0.0.1:1/bucket/t/')", NETWORK],
    ["icebergS3('http://127.0.0.1:1/bucket/t/')", NETWORK],
    ["deltaLake('http://127.0.0.1:1/bucket/t/')", NETWORK],
    ["hudi('http://127.0.0.1:1/bucket/t/')", NETWORK],
    ["executable('ls', 'TSV', 'x String')", /runs a program on the server/],
    ["input('a UInt8')", /reads the data of an INSERT/],
  ];

  it('refuses each table function that reads files, reaches the network or runs a program', async () => {
    for (const [call, why] of DANGEROUS) {
      const name = call.slice(0, call.indexOf('('));
      await refused(`SELECT * FROM ${call}`, new RegExp(`^${name}\\(\\) is refused: it ${why.source}`));
    }
  });

  it('refuses every table function of the engine outside the accepted few', async () => {
    const safe = new Set<string>(SAFE_TABLE_FUNCTIONS);
    const listed = await store.select<{ name: string }>('SELECT name FROM system.table_functions ORDER BY name');
    const others = listed.map((r) => r.name).filter((n) => !safe.has(n));
    assert.ok(others.length > 50, `the engine lists its table functions (${others.length})`);
    for (const name of others) await refused(`SELECT * FROM ${name}('x')`, new RegExp(`\\b${name}\\(\\) is refused`));
  });

  it('refuses the scalar file(), which the engine runs even in readonly mode', async () => {
    await refused("SELECT file('/etc/hostname') AS f", /^file\(\) is refused: it reads files on the server/);
    await refused("SELECT length(file('/etc/hostname')) AS n", /^file\(\) is refused/);
  });

  it('sees through case, spacing, comments, quoting and escapes', async () => {
    await refused("SELECT * FrOm FILE('/etc/hostname', 'LineAsString')", /^FILE\(\) is refused: it reads files/);
    await refused("SELECT * FROM url ('http://127.0.0.1:1/x', 'CSV')", /^url\(\) is refused/);
    await refused("SELECT * FROM/**/s3('http://127.0.0.1:1/b/x.csv')", /^s3\(\) is refused/);
    await refused("SELECT * FROM\n  remote -- a comment\n  ('127.0.0.1:1', system.one)", /^remote\(\) is refused/);
    await refused("SELECT * FROM `url`('http://127.0.0.1:1/x', 'CSV')", /^url\(\) is refused/);
    await refused("SELECT * FROM \"mysql\"('h:1', 'd', 't', 'u', 'p')", /^mysql\(\) is refused/);
    await refused("SELECT `\\x66ile`('/etc/hostname')", /^file\(\) is refused/);
  });

  it('sees through the lexer tricks a text check misreads: heredocs, # and nested comments', async () => {
    // each of these reads /etc/hostname on an engine that only a text check guards
    await refused("SELECT $$'$$ AS a, file('/etc/hostname') AS f -- '", /^file\(\) is refused/);
    await refused("SELECT 1 AS a # '\n, file('/etc/hostname') AS f -- '", /^file\(\) is refused/);
    await refused("SELECT 1 AS a /* /* */ ' */, file('/etc/hostname') AS f -- '", /^file\(\) is refused/);
  });

  it('refuses a dangerous call nested in a subquery, a JOIN, IN, a CTE or view()', async () => {
    await refused(
      "SELECT count() FROM (SELECT * FROM url('http://127.0.0.1:1/x', 'CSV', 'a String'))",
      /^url\(\) is refused/,
    );
    await refused(
      "SELECT * FROM numbers(2) AS n JOIN s3('http://127.0.0.1:1/b/x.csv', 'CSV', 'number UInt64') AS s USING (number)",
      /^s3\(\) is refused/,
    );
    await refused(
      "SELECT * FROM numbers(2) WHERE number IN (SELECT toUInt64(c1) FROM file('/tmp/x.csv'))",
      /^file\(\) is refused/,
    );
    await refused(
      "WITH leaked AS (SELECT * FROM postgresql('h:1', 'd', 't', 'u', 'p')) SELECT * FROM leaked",
      /^postgresql\(\) is refused/,
    );
    await refused("SELECT * FROM view(SELECT * FROM remoteSecure('h:1', system.one))", /^remoteSecure\(\) is refused/);
  });

  it('accepts the words and names inside string literals and comments', async () => {
    const text = "INSERT INTO x; DROP TABLE y SETTINGS max_result_rows = 0; SYSTEM KILL file('/etc') url('http://x')";
    assert.deepEqual(await rows(`SELECT '${text.replace(/'/g, "\\'")}' AS s -- file('/etc/hostname') SETTINGS a = 1`), [
      { s: text },
    ]);
    assert.deepEqual(await rows('SELECT \'FROM s3(\' AS "url(" /* remote(1) */'), [{ 'url(': 'FROM s3(' }]);
  });

  it('accepts the safe table functions and reads of livegrade tables', async () => {
    // 64-bit integers come as JSON numbers from chdb and as strings from a server: compared as numbers
    const numbers = async (query: string) => (await rows(query)).map((r) => Number(Object.values(r)[0]));
    assert.deepEqual(await numbers('SELECT count() FROM numbers(10)'), [10]);
    assert.deepEqual(await numbers("SELECT a FROM values('a UInt8', 1, 2) ORDER BY a"), [1, 2]);
    assert.deepEqual(await numbers('SELECT * FROM generate_series(1, 2)'), [1, 2]);
    assert.deepEqual(await numbers('SELECT number FROM view(SELECT number FROM numbers(1))'), [0]);
    assert.equal((await rows("SELECT * FROM generateRandom('a UInt8') LIMIT 3")).length, 3);
    assert.deepEqual(await numbers("SELECT count() FROM merge('livegrade', '^decisions$')"), [0]);
    assert.deepEqual(await rows("SELECT format('{}-{}', 'a', 'b') AS s"), [{ s: 'a-b' }], 'the scalar format()');
    assert.deepEqual(await numbers('SELECT count() FROM decisions'), [0]);
    const tables = (await rows('SHOW TABLES')).map((r) => r.name);
    assert.ok(tables.includes('decisions'), `SHOW TABLES: ${tables.join(', ')}`);
    assert.ok((await rows('DESCRIBE TABLE decisions')).some((r) => r.name === 'decision_id'));
    assert.ok((await rows('EXPLAIN SELECT count() FROM decisions')).length > 0);
  });
});

describe('POST /v1/sql: limits', () => {
  it('answers 422 naming the row limit and its variable when a result has too many rows', async () => {
    const res = await sql(`SELECT number FROM numbers(${MAX_ROWS + 1})`);
    assert.equal(res.statusCode, 422, res.body);
    const { detail: error } = res.json<{ detail: string }>();
    assert.match(error, new RegExp(`more than ${MAX_ROWS} rows, the row limit .*LIVEGRADE_SQL_MAX_ROWS`));
    assert.match(error, /ClickHouse: Limit for result exceeded, max rows/, 'the engine message is kept');
    assert.equal((await rows(`SELECT number FROM numbers(${MAX_ROWS})`)).length, MAX_ROWS, 'the limit itself is fine');
  });

  it('answers 422 naming the size limit and its variable when a result is too large', async () => {
    const res = await sql('SELECT repeat(toString(number), 1000) AS s FROM numbers(200)');
    assert.equal(res.statusCode, 422, res.body);
    assert.match(
      res.json<{ detail: string }>().detail,
      new RegExp(`larger than ${MAX_BYTES} bytes, the size limit .*LIVEGRADE_SQL_MAX_RESULT_BYTES`),
    );
  });

  it('answers 422 naming the time limit and its variable when a query runs too long', async () => {
    const res = await sql('SELECT sum(sipHash64(number)) AS s FROM numbers(1e12)');
    assert.equal(res.statusCode, 422, res.body);
    const { detail: error } = res.json<{ detail: string }>();
    assert.match(error, /ran past 1 s, the time limit .*LIVEGRADE_SQL_TIMEOUT_SECONDS/);
    assert.match(error, /ClickHouse: Timeout exceeded/);
  });

  it('keeps the limits on the reader session even past the check in front', async () => {
    // the engine's readonly=1 on the reader: neither SET nor a SETTINGS clause can change a limit
    await assert.rejects(store.clients.reader.command({ query: 'SET max_result_rows = 0' }), /readonly/i);
    await assert.rejects(
      store.clients.reader.query({ query: 'SELECT 1 SETTINGS max_execution_time = 0', format: 'JSON' }),
      /readonly/i,
    );
    await assert.rejects(store.clients.reader.command({ query: 'SET readonly = 0' }), /readonly/i);
    await assert.rejects(
      store.clients.reader.command({ query: 'CREATE TABLE x (a UInt8) ENGINE = Memory' }),
      /readonly/i,
    );
  });

  it('answers the next query cleanly after one a limit stopped', async () => {
    // chdb hands out what a failed query had written in front of the next result; the reader drains it
    for (const format of ['json', 'csv', 'tsv'] as const) {
      assert.equal((await sql(`SELECT number FROM numbers(${MAX_ROWS * 2})`, format)).statusCode, 422);
      const res = await sql('SELECT 7 AS seven', format);
      assert.equal(res.statusCode, 200);
      const expected = { json: undefined, csv: '"seven"\n7\n', tsv: 'seven\n7\n' }[format];
      if (expected) assert.equal(res.body, expected, format);
      else assert.deepEqual(res.json<{ data: unknown }>().data, [{ seven: 7 }]);
    }
  });
});

describe('POST /v1/sql: results and errors', () => {
  const QUERY = "SELECT toUInt8(number) AS n, concat('row ', toString(number)) AS s FROM numbers(2) ORDER BY n";

  it('answers JSON by default, in ClickHouse JSON format', async () => {
    const res = await sql(QUERY);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const body = res.json<{ meta: unknown; data: unknown; rows: number }>();
    assert.deepEqual(body.meta, [
      { name: 'n', type: 'UInt8' },
      { name: 's', type: 'String' },
    ]);
    assert.deepEqual(body.data, [
      { n: 0, s: 'row 0' },
      { n: 1, s: 'row 1' },
    ]);
    assert.equal(body.rows, 2);
    assert.deepEqual(
      (await sql(QUERY, 'json')).json<{ data: unknown }>().data,
      body.data,
      'format json is the default',
    );
  });

  it('answers CSV with a header row', async () => {
    const res = await sql(QUERY, 'csv');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.body, '"n","s"\n0,"row 0"\n1,"row 1"\n');
  });

  it('answers TSV with a header row', async () => {
    const res = await sql(QUERY, 'tsv');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/tab-separated-values; charset=utf-8');
    assert.equal(res.body, 'n\ts\n0\trow 0\n1\trow 1\n');
  });

  it('passes an engine error on with the engine message as a 400', async () => {
    const res = await sql('SELECT no_such_column FROM numbers(1)');
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ detail: string }>().detail, /Unknown expression identifier `no_such_column`/);
    const syntax = await sql('SELECT 1 /* never closed');
    assert.equal(syntax.statusCode, 400);
    const { detail: error } = syntax.json<{ detail: string }>();
    assert.match(error, /^Multiline comment is not closed: Syntax error/);
    assert.doesNotMatch(error, /formatQuery/, 'the message is about the query as sent');
  });

  it('answers 400 on a request without a query or with an unknown format', async () => {
    const empty = await api.app.inject({
      method: 'POST',
      url: '/v1/sql',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: {},
    });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json<{ detail: string }>().detail, /invalid request: .*query/);
    const xml = await api.app.inject({
      method: 'POST',
      url: '/v1/sql',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { query: 'SELECT 1', format: 'xml' },
    });
    assert.equal(xml.statusCode, 400);
    assert.match(xml.json<{ detail: string }>().detail, /format/);
  });
});
