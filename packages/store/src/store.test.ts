import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FlatSpan, KEEP_ALL, toDecisionRow } from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import {
  completeDecisionRow,
  completeSpanRow,
  createRepository,
  encodeDecisionRow,
  encodeSpanRow,
  ForbiddenQueryError,
  isRefusedRows,
  MIGRATIONS_DIR,
  migrate,
  NOT_KEPT,
  openStore,
  openStoreClients,
  parkedBatchRow,
  parkedRow,
  type Store,
  statementsOf,
  toSpanRow,
} from './index.ts';

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
      [
        'alert_events',
        'alert_notifications',
        'alert_rule_progress',
        'alert_state',
        'bank_capture_progress',
        'bank_occurrences',
        'bank_retirements',
        'baseline_activations',
        'baselines',
        'decision_facts',
        'decisions',
        'decisions_by_id',
        'decisions_by_id_from_decisions',
        'eval_run_results',
        'eval_run_signoffs',
        'eval_runs',
        'parked_batches',
        'parked_traces',
        'recent_spans',
        'sampled_spans',
        'sampled_spans_from_in',
        'sampled_spans_from_recent',
        'sampled_spans_in',
        'sampler_progress',
        'schema_migrations',
        'silences',
        'slice_metrics',
        'verdict_facts',
        'verdict_keys',
        'verdicts',
      ],
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
    await assert.rejects(
      store.readOnlyQuery("SELECT * FROM file('/etc/passwd', 'LineAsString')"),
      /file\(\) is refused/,
    );
    // the engine itself refuses writes on the reader session, past the check in front
    await assert.rejects(
      store.clients.reader.command({ query: 'INSERT INTO decisions (decision_id) VALUES (1)' }),
      /readonly/i,
    );
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

  it('keeps every span in recent_spans and copies only kept ones to sampled_spans', async () => {
    // recent: recent_spans drops rows past its 72 h TTL as soon as they arrive
    const now = Date.now();
    const kept = { ...span(20), startMs: now, endMs: now + 5, attributes: { n: 42, ok: true, tags: ['a', 1], x: 'y' } };
    const dropped = { ...span(21), startMs: now, endMs: now + 5 };
    await store.insertSpans([
      toSpanRow(kept, undefined, { reason: 'error', weight: 1 }),
      toSpanRow(dropped, undefined, NOT_KEPT),
    ]);
    const recent = await store.select<{ trace_id: string }>(
      'SELECT trace_id FROM recent_spans FINAL ORDER BY trace_id',
    );
    assert.deepEqual(
      recent.map((r) => r.trace_id),
      [kept.traceId, dropped.traceId],
    );
    const sampled = await store.select<{ trace_id: string; sample_reason: string; attributes: Record<string, string> }>(
      'SELECT trace_id, sample_reason, attributes FROM sampled_spans FINAL',
    );
    assert.equal(sampled.length, 1);
    assert.equal(sampled[0]?.sample_reason, 'error');
    assert.deepEqual(
      sampled[0]?.attributes,
      { n: '42', ok: 'true', tags: '["a",1]', x: 'y' },
      'non-strings as JSON text',
    );
  });

  // recent_spans as the sampler wrote it before migration 0015: still read until its TTL empties it
  it('reads decisions from recent_spans rows written before 0015, and promotes a trace not kept from them', async () => {
    const now = Date.now();
    const kept = { ...span(30), startMs: now, endMs: now + 5 };
    const notKept = { ...span(31), startMs: now, endMs: now + 5 };
    const ref = (s: FlatSpan) => ({ decisionId: `d-${s.spanId}`, decisionType: 'refund' });
    const sample = { reason: 'stratified', weight: 4 };
    await store.insertEncoded(
      'recent_spans',
      completeSpanRow(encodeSpanRow(kept, ref(kept)), sample) +
        completeSpanRow(encodeSpanRow(notKept, ref(notKept)), NOT_KEPT),
    );
    const decision = (s: FlatSpan) => encodeDecisionRow({ ...toDecisionRow(s), decision_id: `d-${s.spanId}` });
    await store.insertEncoded(
      'decisions',
      completeDecisionRow(decision(kept), sample) + completeDecisionRow(decision(notKept), NOT_KEPT),
    );
    const decided = await store.decidedTraces([kept.traceId, notKept.traceId, 'f'.repeat(32)]);
    assert.deepEqual(decided.get(kept.traceId), { reason: 'stratified', weight: 4 });
    assert.deepEqual(decided.get(notKept.traceId), { reason: '', weight: 0 });
    assert.equal(decided.size, 2, 'an unknown trace has no decision');

    const [before] = await store.decisionsById([`d-${notKept.spanId}`], now - 60_000);
    assert.equal(before?.sampled, false);
    // nothing parked: the rows of recent_spans are promoted in the engine, nothing decoded
    await store.promoteTraces([notKept.traceId, kept.traceId], 'late_feedback', now - 60_000, () => []);
    const sampled = await store.select<{ trace_id: string; sample_reason: string; sample_weight: number }>(
      `SELECT trace_id, sample_reason, sample_weight FROM sampled_spans FINAL WHERE trace_id IN ('${kept.traceId}', '${notKept.traceId}') ORDER BY trace_id`,
    );
    assert.deepEqual(
      sampled.map((r) => [r.trace_id, r.sample_reason, Number(r.sample_weight)]),
      [
        [kept.traceId, 'stratified', 4],
        [notKept.traceId, 'late_feedback', 1],
      ],
      'the kept trace keeps its reason; the other is promoted with weight 1',
    );
    const [after] = await store.decisionsById([`d-${notKept.spanId}`], now - 60_000);
    assert.equal(after?.sampled, true);
    const rows = await store.select<{ n: string }>(
      `SELECT count() AS n FROM decisions FINAL WHERE decision_id = 'd-${notKept.spanId}'`,
    );
    assert.equal(Number(rows[0]?.n), 1, 'the promotion replaces the decision row');
  });

  // a trace's own clock can say anything: a refused parked_batches row would stall every write after it
  it('parks traces whose clocks say time zero, a small number, NaN or the far future', async () => {
    const clocks = [0, 1_000, 99_999_000, Number.NaN, 1.8e16];
    const bytes = { batch: 'odd-clocks', offset: 0, length: 1 };
    const rows = clocks
      .map((ms, i) => parkedRow({ startMs: ms, traceId: `odd${i}`, firstSpanId: 's' }, bytes, NOT_KEPT))
      .join('');
    // the engine accepts them (before: "Cannot read DateTime" for 0 and 99999)
    await store.insertEncoded('parked_batches', parkedBatchRow(0, 'odd-clocks', 'eA=='));
    await store.insertEncoded('parked_traces', rows);
    // and reads the times meant; read from the text, not the table, whose TTL may drop 1970 at any merge
    const read = await store.select<{ ts: string }>(
      `SELECT toString(ts) AS ts FROM format(TabSeparated,
         'ts DateTime(\\'UTC\\'), trace_id String, first_span_id String, sample_reason String, sample_weight Float32, batch String, offset UInt64, length UInt64',
         {rows:String})`,
      { rows },
    );
    assert.deepEqual(
      read.map((r) => r.ts),
      [
        '1970-01-01 00:00:00',
        '1970-01-01 00:00:01',
        '1970-01-02 03:46:39',
        '1970-01-01 00:00:00',
        '2106-02-07 06:28:15',
      ],
    );
  });

  it("reads back each slice's successes per bucket of the last hour: a trace once per slice", async () => {
    const now = Date.now();
    let n = 1_000;
    const line = (minutesAgo: number, language: string, reason: string, traceId?: string) => {
      const s = span(n++);
      const row = toDecisionRow({
        ...s,
        traceId: traceId ?? s.traceId,
        startMs: now - minutesAgo * 60_000,
        attributes: { 'livegrade.decision.type': 'seedtest', 'livegrade.slice.language': language },
      });
      return completeDecisionRow(encodeDecisionRow(row), { reason, weight: reason === '' ? 0 : 1 });
    };
    const twoDecisions = 'e'.repeat(32);
    const replayed = 'd'.repeat(32);
    const body = [
      line(10, 'hi', 'stratified'),
      line(10, 'hi', ''),
      line(10, 'hi', 'late_feedback'),
      line(10, 'hi', 'error'), // kept always: not a success, not counted
      line(10, 'hi', 'stratified', twoDecisions),
      line(9, 'en', 'stratified', twoDecisions), // the same trace's second decision, in another slice: counted there too
      line(10, 'hi', 'stratified', twoDecisions), // ... and a third in the first's slice: not counted again
      line(50, 'en', '', replayed),
      line(70, 'en', 'stratified'), // older than the hour and a bucket before the newest decision
      line(1, 'hi', 'guardrail'), // the newest decision, so the hour ends a minute ago whatever ran before
    ].join('');
    await store.insertEncoded('decisions', body);
    await store.insertEncoded('decisions', line(50, 'en', '', replayed)); // a replayed row of the same trace
    const rows = (await store.sliceSuccesses(['language'], 300_000, 3_900_000)).filter(
      (r) => r.decisionType === 'seedtest',
    );
    const bucket = (minutesAgo: number) => Math.floor((now - minutesAgo * 60_000) / 300_000) * 300_000;
    assert.deepEqual(
      rows.map((r) => [r.slices.language, r.bucketStartMs, r.seen, r.kept]).sort(),
      [
        ['en', bucket(50), 1, 0],
        ['en', bucket(9), 1, 1],
        ['hi', bucket(10), 4, 2],
      ].sort(),
    );
  });

  it('tells rows the engine refuses from a store that is down or busy', async () => {
    const refused = await store.insertEncoded('recent_spans', '[1,\n').then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(refused, 'the engine refuses a truncated row');
    assert.equal(isRefusedRows(refused), true, String(refused));
    assert.equal(isRefusedRows(new Error('connect ECONNREFUSED 127.0.0.1:8123')), false);
    assert.equal(isRefusedRows(Object.assign(new Error('Timeout'), { type: 'TIMEOUT_EXCEEDED' })), false);
    assert.equal(isRefusedRows(undefined), false);
  });

  it('remembers how far each partition was written, the furthest mark winning', async () => {
    await store.recordProgress(
      'g',
      'livegrade.spans',
      new Map([
        [0, 120],
        [1, 7],
      ]),
    );
    await store.recordProgress('g', 'livegrade.spans', new Map([[0, 90]])); // a replay after a crash writes lower
    await store.recordProgress('other', 'livegrade.spans', new Map([[0, 999]]));
    assert.deepEqual([...(await store.progressOf('g', 'livegrade.spans'))].sort(), [
      [0, 120],
      [1, 7],
    ]);
    assert.equal((await store.progressOf('nobody', 'livegrade.spans')).size, 0);
  });

  it('applies the late-verdict horizon to recent_spans', async () => {
    await store.setRecentHorizon(48 * 3_600_000);
    const [t] = await store.select<{ q: string }>(
      "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'recent_spans'",
    );
    assert.match(t?.q ?? '', /toIntervalHour\(48\)/);
  });

  it('splits migration files into statements', () => {
    assert.deepEqual(statementsOf("-- c\nCREATE TABLE a (x String DEFAULT 'a;b');\n\nCREATE TABLE b (y UInt8);\n"), [
      "CREATE TABLE a (x String DEFAULT 'a;b')",
      'CREATE TABLE b (y UInt8)',
    ]);
  });
});

describe('a store made before migration 0017', () => {
  it('finds the decisions it held by id once decisions_by_id is a key-value table', async () => {
    const old = tempDataDir();
    const upTo16 = mkdtempSync(join(tmpdir(), 'livegrade-migrations-'));
    try {
      for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => /^00(0\d|1[0-6])_/.test(f))) {
        copyFileSync(join(MIGRATIONS_DIR, f), join(upTo16, f));
      }
      const clients = await openStoreClients(testEnv({ LIVEGRADE_DATA_DIR: old.dir }));
      try {
        assert.equal((await migrate(clients.writer, upTo16)).at(-1), '0016_verdict_facts');
        await createRepository(clients).insertDecisions(
          [1, 2, 3].map((i) => ({ ...toDecisionRow(span(i), KEEP_ALL), decision_id: `d-${i}` })),
        );
        assert.deepEqual(await migrate(clients.writer), ['0017_decisions_by_id_kv', '0018_verdict_keys']);
      } finally {
        await clients.close();
      }
      const upgraded = await openStore(testEnv({ LIVEGRADE_DATA_DIR: old.dir }));
      try {
        const [engine] = await upgraded.select<{ engine: string }>(
          "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'decisions_by_id'",
        );
        assert.equal(engine?.engine, 'EmbeddedRocksDB');
        const found = await upgraded.decisionsById(['d-1', 'd-3', 'd-9'], 0);
        assert.deepEqual(found.map((d) => d.decision_id).sort(), ['d-1', 'd-3']);
        // a decision written after the upgrade reaches the table through the view
        await upgraded.insertDecisions([{ ...toDecisionRow(span(4), KEEP_ALL), decision_id: 'd-4' }]);
        assert.deepEqual(
          (await upgraded.decisionsById(['d-4'], 0)).map((d) => d.decision_id),
          ['d-4'],
        );
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(upTo16, { recursive: true, force: true });
      old.cleanup();
    }
  });
});
