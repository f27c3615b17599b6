import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FlatSpan, KEEP_ALL, toDecisionRow } from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { ForbiddenQueryError, migrate, openStore, type Store, statementsOf } from './index.ts';

const data = tempDataDir();
let store: Store;

function span(i: number): FlatSpan {
  return {
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'decision refund',
    kind: 1,
    startMs: 1_763_800_000_000 + i,
    endMs: 1_763_800_000_250 + i,
    statusCode: 0,
    statusMessage: '',
    serviceName: 'support-bot',
    scopeName: 'livegrade',
    attributes: {
      'livegrade.decision.type': 'refund',
      'livegrade.slice.language': 'hi',
      'livegrade.decision.score': 0.5,
    },
    resourceAttributes: { 'service.name': 'support-bot' },
    events: [],
  };
}

describe('store on the embedded ClickHouse engine', () => {
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  it('applies each migration once and records it', async () => {
    assert.deepEqual(await migrate(store.clients.writer), [], 'second run applies nothing');
    const tables = await store.select<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    assert.deepEqual(
      tables.map((t) => t.name),
      ['decisions', 'recent_spans', 'sampled_spans', 'schema_migrations', 'verdicts'],
    );
  });

  it('shows a re-inserted batch once to user SQL (at-least-once delivery stays invisible)', async () => {
    const rows = [1, 2, 3].map((i) => toDecisionRow(span(i), KEEP_ALL));
    await store.insertDecisions(rows);
    await store.insertDecisions(rows);
    const out = JSON.parse(await store.readOnlyQuery('SELECT count() AS n FROM decisions'));
    assert.equal(Number(out.data[0].n), 3);
  });

  it('refuses writes through the user path with a clear error', async () => {
    await assert.rejects(store.readOnlyQuery('INSERT INTO decisions (decision_id) VALUES (1)'), ForbiddenQueryError);
    await assert.rejects(store.readOnlyQuery('SELECT 1; DROP TABLE decisions'), /one statement/);
    await assert.rejects(store.readOnlyQuery('SELECT 1 SETTINGS readonly=0'), /SETTINGS/);
    // the engine itself refuses what slips past the text check
    await assert.rejects(store.readOnlyQuery("SELECT * FROM file('/etc/passwd', 'LineAsString')"), /readonly/i);
    const still = JSON.parse(
      await store.readOnlyQuery("SELECT count() AS n FROM decisions WHERE decision_type = 'refund; DROP'"),
    );
    assert.equal(Number(still.data[0].n), 0, 'a ; inside a string literal is not a second statement');
  });

  it('writes stay possible on the writer after user queries (settings do not leak across sessions)', async () => {
    await store.insertDecisions([toDecisionRow(span(9), KEEP_ALL)]);
    const [r] = await store.select<{ n: string }>('SELECT count() AS n FROM decisions FINAL');
    assert.equal(Number(r?.n), 4);
  });

  it('splits migration files into statements', () => {
    assert.deepEqual(statementsOf("-- c\nCREATE TABLE a (x String DEFAULT 'a;b');\n\nCREATE TABLE b (y UInt8);\n"), [
      "CREATE TABLE a (x String DEFAULT 'a;b')",
      'CREATE TABLE b (y UInt8)',
    ]);
  });
});
