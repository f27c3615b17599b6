import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CaseResult, EvalRun } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { type Api, createApi } from './api.ts';

// The runs routes on a real embedded store through Fastify's inject.

const TOKEN = 'runs-test-token';
const data = tempDataDir();
let store: Store;
let api: Api;

before(async () => {
  store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  api = createApi({ store, logger: createLogger('silent'), config: { host: '127.0.0.1', port: 0, token: TOKEN } });
});

after(async () => {
  await api?.stop();
  await store?.close();
  data.cleanup();
});

function call(method: 'GET' | 'POST', url: string, payload?: unknown) {
  return api.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

function record(id: string, cases: number): { run: EvalRun; results: CaseResult[] } {
  const results: CaseResult[] = Array.from({ length: cases }, (_, i) => ({
    case_id: `c${i.toString(16).padStart(16, '0')}`,
    slice: 'decision_type=refund,language=hi',
    decision_type: 'refund',
    expected_label: 'refund',
    model_label: 'deny',
    times_seen: 1,
    runs: Array.from({ length: 5 }, (_, j) => ({
      attempt: j + 1,
      label: 'refund',
      score: 0.9,
      passed: true,
      error: null,
      tries: 1,
      timed_out: 0,
      latency_ms: 12.5,
    })),
    passes: 5,
    failures: 0,
    errors: 0,
    repeated: false,
    same_wrong_label: false,
  }));
  return {
    run: {
      id,
      started_at: 1_763_800_000_000,
      finished_at: 1_763_800_060_000,
      target: 'http://127.0.0.1:9000/decide',
      model_version: 'm-7',
      bank_version: 'sha256:00',
      params: { k: 5, concurrency: 8, slice_bar: 0.8, timeout_ms: 10_000, retries: 2 },
      cases,
      overall: { pass_rate: 1, pass_k: 1, repeated: 0 },
      slices: [
        { slice: 'decision_type=refund,language=hi', cases, pass_rate: 1, pass_k: 1, repeated: 0, below_bar: false },
      ],
      worst_slice: 'decision_type=refund,language=hi',
      verdict: 'pass',
      reasons: [],
      transport: { requests: cases * 5, retries: 0, timeouts: 0, errors: 0 },
      signoffs: [],
    },
    results,
  };
}

describe('/v1/runs', () => {
  it('records a run larger than the default body limit, and refuses its id a second time', async () => {
    // 3,000 cases × 5 runs is several MB of JSON: a real bank's record, past the API's usual 1 MiB
    const big = record('run-big', 3000);
    assert.ok(JSON.stringify(big).length > 1024 * 1024);
    const res = await call('POST', '/v1/runs', big);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json<{ run: EvalRun }>().run.id, 'run-big');
    const again = await call('POST', '/v1/runs', big);
    assert.equal(again.statusCode, 409);
    assert.match(again.json<{ detail: string }>().detail, /records are immutable/);
  });

  it('refuses a record that is not one, naming the field', async () => {
    const r = record('run-x', 1);
    const res = await call('POST', '/v1/runs', { ...r, run: { ...r.run, verdict: 'maybe' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ detail: string }>().detail, /^invalid record: run\.verdict: /);
  });

  it('lists, shows and signs off runs; an unknown run is a 404', async () => {
    assert.equal((await call('POST', '/v1/runs', record('run-small', 2))).statusCode, 201);
    const list = await call('GET', '/v1/runs?limit=1');
    assert.equal(list.statusCode, 200);
    assert.equal(list.json<{ runs: EvalRun[] }>().runs.length, 1);
    const shown = await call('GET', '/v1/runs/run-small');
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json<{ results: CaseResult[] }>().results.length, 2);
    const signed = await call('POST', '/v1/runs/run-small/signoff', { reviewer: 'ana', note: 'fine' });
    assert.equal(signed.statusCode, 200, signed.body);
    assert.deepEqual(
      signed.json<{ run: EvalRun }>().run.signoffs.map((s) => s.reviewer),
      ['ana'],
    );
    const empty = await call('POST', '/v1/runs/run-small/signoff', { reviewer: 'ana', note: ' ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json<{ detail: string }>().detail, /needs a note/);
    const unknown = await call('GET', '/v1/runs/run-nope');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json<{ detail: string }>().detail, /no run with id "run-nope"/);
    assert.equal((await call('GET', '/v1/runs?limit=0')).statusCode, 400);
  });
});
