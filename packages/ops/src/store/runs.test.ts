import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CaseResult, EvalRun, RequestError } from '@livegrade/core';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../../test/support/env.ts';
import { recordEvalRun, showEvalRun, signoffEvalRun } from './runs.ts';

const data = tempDataDir();
let store: Store;

const SLICE = 'decision_type=refund,language=hi';

function result(caseId: string, labels: string[]): CaseResult {
  const runs = labels.map((label, i) => ({
    attempt: i + 1,
    label,
    score: 0.7,
    passed: label === 'refund',
    error: null,
    tries: 1,
    timed_out: 0,
    latency_ms: 3.5,
  }));
  const passes = runs.filter((r) => r.passed).length;
  return {
    case_id: caseId,
    slice: SLICE,
    decision_type: 'refund',
    expected_label: 'refund',
    model_label: 'deny',
    times_seen: 3,
    runs,
    passes,
    failures: runs.length - passes,
    errors: 0,
    repeated: passes < runs.length,
    same_wrong_label: labels.includes('deny'),
  };
}

function record(id: string, startedAt: number): { run: EvalRun; results: CaseResult[] } {
  const results = [result('c1', ['refund', 'deny']), result('c2', ['refund', 'refund'])];
  return {
    run: {
      id,
      started_at: startedAt,
      finished_at: startedAt + 1234,
      target: 'http://127.0.0.1:9000/decide',
      model_version: 'm-7',
      bank_version: 'sha256:ab',
      params: { k: 2, concurrency: 4, slice_bar: 0.8, timeout_ms: 5000, retries: 2 },
      cases: 2,
      overall: { pass_rate: 0.75, pass_k: 0.5, repeated: 1 },
      slices: [{ slice: SLICE, cases: 2, pass_rate: 0.75, pass_k: 0.5, repeated: 1, below_bar: true }],
      worst_slice: SLICE,
      verdict: 'fail',
      reasons: ['case c1 repeated a past failure', `slice ${SLICE} pass rate 0.75 < 0.8`],
      transport: { requests: 5, retries: 1, timeouts: 1, errors: 0 },
      signoffs: [],
    },
    results,
  };
}

describe('evaluation records on the embedded ClickHouse engine', () => {
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  it('reads back a record exactly as written', async () => {
    const written = record('run-a', 1_763_800_000_000);
    await recordEvalRun(store, written);
    const shown = await showEvalRun(store, 'run-a');
    assert.deepEqual(shown.run, written.run);
    assert.deepEqual(shown.results, written.results);
  });

  it('refuses a second record under a used id: records are immutable', async () => {
    await assert.rejects(recordEvalRun(store, record('run-a', 1)), (err: RequestError) => {
      assert.equal(err.kind, 'conflict');
      assert.match(err.message, /a run with id "run-a" is recorded; records are immutable/);
      return true;
    });
    const [row] = await store.select<{ n: string }>("SELECT count() AS n FROM eval_runs WHERE id = 'run-a'");
    assert.equal(Number(row!.n), 1);
  });

  it('refuses a record whose results do not match its case count, and a bad id', async () => {
    const r = record('run-b', 2);
    await assert.rejects(recordEvalRun(store, { ...r, results: r.results.slice(1) }), /says 2 cases but carries 1/);
    await assert.rejects(recordEvalRun(store, record('../etc', 2)), /run id "..\/etc" is not valid/);
  });

  it('lists runs newest first and appends sign-offs in order', async () => {
    await recordEvalRun(store, record('run-c', 1_763_900_000_000));
    assert.deepEqual(
      (await store.evalRuns()).map((r) => r.id),
      ['run-c', 'run-a'],
    );
    await signoffEvalRun(store, 'run-a', { reviewer: 'ana', note: 'c1 is a known flaky label' }, 1_763_800_100_000);
    const after2 = await signoffEvalRun(store, 'run-a', { reviewer: 'bo', note: 'agreed' }, 1_763_800_200_000);
    const expected = [
      { reviewer: 'ana', note: 'c1 is a known flaky label', at: 1_763_800_100_000 },
      { reviewer: 'bo', note: 'agreed', at: 1_763_800_200_000 },
    ];
    assert.deepEqual(after2.signoffs, expected);
    assert.deepEqual((await showEvalRun(store, 'run-a')).run.signoffs, expected);
    assert.deepEqual((await store.evalRuns()).find((r) => r.id === 'run-a')?.signoffs, expected);
  });

  it('names the latest runs when asked for an unknown one, and refuses an empty sign-off', async () => {
    await assert.rejects(showEvalRun(store, 'run-z'), (err: RequestError) => {
      assert.equal(err.kind, 'not_found');
      assert.match(err.message, /no run with id "run-z" \(latest: run-c, run-a;/);
      return true;
    });
    await assert.rejects(signoffEvalRun(store, 'run-a', { reviewer: ' ', note: 'x' }), /needs a reviewer/);
    await assert.rejects(signoffEvalRun(store, 'run-a', { reviewer: 'ana', note: '' }), /needs a note/);
    await assert.rejects(signoffEvalRun(store, 'run-z', { reviewer: 'ana', note: 'x' }), /no run with id "run-z"/);
  });
});
