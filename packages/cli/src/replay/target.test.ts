import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BankCase } from '@livegrade/core';
import { closedPortUrl } from '../../../../test/support/candidate.ts';
import { runPool } from './pool.ts';
import { replayCases } from './run.ts';
import { createTargetClient, TargetUnreachable } from './target.ts';

function bankCase(id: string, expected = 'refund'): BankCase {
  return {
    id,
    decision_type: 'refund',
    slice: 'decision_type=refund,language=hi',
    slices: { language: 'hi' },
    input: `{"order":"${id}"}`,
    context: '',
    expected_label: expected,
    model_label: 'deny',
    reason: 'override',
    source_decision_id: `d-${id}`,
    source_trace_id: `t-${id}`,
    first_seen: 1,
    last_seen: 2,
    times_seen: 1,
    status: 'active',
    retired_at: null,
    retired_reason: null,
    retired_by: null,
  };
}

/**
 * A target whose behaviour is scripted per case id (the x-livegrade-case-id
 * header): each request takes the next step of its case's script; the last
 * step repeats.
 */
type Step = 'ok' | 'wrong' | '503' | '429' | '404' | 'hang' | 'not-json' | 'no-label';

async function scriptedTarget(scripts: Record<string, Step[]>) {
  const counts = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-livegrade-case-id']);
      const n = counts.get(id) ?? 0;
      counts.set(id, n + 1);
      const script = scripts[id] ?? ['ok'];
      const step = script[Math.min(n, script.length - 1)]!;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (step === 'ok') json(200, { label: 'refund', score: 0.8, model_version: 'm-9' });
      else if (step === 'wrong') json(200, { label: 'deny' });
      else if (step === '503') json(503, { error: 'warming up' });
      else if (step === '429') json(429, { error: 'slow down' }, { 'retry-after': '0' });
      else if (step === '404') json(404, { error: 'no such route' });
      else if (step === 'not-json') res.writeHead(200).end('<html>oops</html>');
      else if (step === 'no-label') json(200, { lbl: 'refund' });
      else hanging.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/decide`,
    counts,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('target client', () => {
  let target: Awaited<ReturnType<typeof scriptedTarget>>;
  before(async () => {
    target = await scriptedTarget({
      flaky503: ['503', '503', 'ok'],
      limited: ['429', 'ok'],
      slow: ['hang', 'ok'],
      down: ['503'],
      gone: ['404'],
      html: ['not-json'],
      nolabel: ['no-label'],
      wrong: ['wrong'],
    });
  });
  after(() => target.close());

  const client = (retries = 2) =>
    createTargetClient({ url: target.url, runId: 'run-t', timeoutMs: 1500, retries, backoffMs: 1 });

  it('answers a run with the label, whether it passed, and the declared model version', async () => {
    const c = client();
    const run = await c.run(bankCase('plain'), 1);
    assert.deepEqual(
      { ...run, latency_ms: 0 },
      {
        attempt: 1,
        label: 'refund',
        score: 0.8,
        passed: true,
        error: null,
        tries: 1,
        timed_out: 0,
        latency_ms: 0,
      },
    );
    assert.deepEqual(c.declaredVersions(), ['m-9']);
    const wrong = await c.run(bankCase('wrong'), 2);
    assert.equal(wrong.passed, false);
    assert.equal(wrong.label, 'deny');
  });

  it('retries 5xx, 429 and timeouts within the bound, and counts every request, retry and timeout', async () => {
    const c = client();
    const a = await c.run(bankCase('flaky503'), 1);
    assert.equal(a.label, 'refund');
    assert.equal(a.tries, 3);
    const b = await c.run(bankCase('limited'), 1);
    assert.equal(b.tries, 2);
    const s = await c.run(bankCase('slow'), 1);
    assert.equal(s.label, 'refund');
    assert.equal(s.timed_out, 1);
    assert.deepEqual(c.stats, { requests: 3 + 2 + 2, retries: 2 + 1 + 1, timeouts: 1, errors: 0 });
  });

  it('gives up after the retries, with the last error, and does not retry a 4xx', async () => {
    const c = client(1);
    const down = await c.run(bankCase('down'), 1);
    assert.equal(down.label, null);
    assert.equal(down.error, 'HTTP 503 from the target: {"error":"warming up"} (after 2 tries)');
    const gone = await c.run(bankCase('gone'), 1);
    assert.equal(gone.tries, 1);
    assert.match(gone.error!, /^HTTP 404 from the target/);
    assert.deepEqual(c.stats, { requests: 3, retries: 1, timeouts: 0, errors: 2 });
  });

  it('calls a body that breaks the contract a bad response, saying what was wrong', async () => {
    const c = client();
    const html = await c.run(bankCase('html'), 1);
    assert.equal(html.error, 'bad response: the body is not JSON (<html>oops</html>)');
    const nolabel = await c.run(bankCase('nolabel'), 1);
    assert.match(nolabel.error!, /^bad response: label: .* \(body \{"lbl":"refund"\}\); expected \{"label"/);
    assert.equal(nolabel.tries, 1, 'a bad answer is not retried: it would be the same');
  });

  it('throws TargetUnreachable when the connection is refused after every retry', async () => {
    const c = createTargetClient({ url: await closedPortUrl(), runId: 'r', timeoutMs: 1000, retries: 2, backoffMs: 1 });
    await assert.rejects(c.run(bankCase('x'), 1), (err: Error) => {
      assert.ok(err instanceof TargetUnreachable);
      assert.match(
        err.message,
        /^cannot connect to http:\/\/127\.0\.0\.1:\d+\/decide: request failed: ECONNREFUSED \(after 3 tries\)$/,
      );
      return true;
    });
    assert.equal(c.stats.requests, 3);
  });
});

describe('replayCases', () => {
  it('stops at an unreachable target and records why, with every case present', async () => {
    const url = await closedPortUrl();
    const cases = ['a', 'b', 'c'].map((id) => bankCase(id));
    const record = await replayCases(cases, {
      target: url,
      params: { k: 5, concurrency: 2, slice_bar: 0.8, timeout_ms: 1000, retries: 1 },
      bankVersion: 'sha256:x',
      backoffMs: 1,
      runId: 'run-u',
    });
    assert.equal(record.run.verdict, 'error');
    assert.match(record.run.reasons[0]!, /^replay aborted: cannot connect to .*ECONNREFUSED/);
    assert.equal(record.results.length, 3);
    // the first run to use up its 2 tries stops the replay: at most the 2 workers' first runs were sent
    const { requests } = record.run.transport;
    assert.ok(requests >= 2 && requests <= 4, `${requests} requests`);
    assert.ok(record.results.every((r) => r.runs.length === 0));
  });

  it('sends k runs per case with the run id, case id and attempt headers', async () => {
    const target = await scriptedTarget({});
    try {
      const cases = ['a', 'b'].map((id) => bankCase(id));
      const record = await replayCases(cases, {
        target: target.url,
        params: { k: 3, concurrency: 4, slice_bar: 0.8, timeout_ms: 1000, retries: 0 },
        bankVersion: 'sha256:x',
        modelVersion: 'm-9',
      });
      assert.deepEqual(Object.fromEntries(target.counts), { a: 3, b: 3 });
      assert.deepEqual(
        record.results.map((r) => r.runs.map((x) => x.attempt)),
        [
          [1, 2, 3],
          [1, 2, 3],
        ],
      );
      assert.equal(record.run.verdict, 'pass');
      assert.equal(record.run.model_version, 'm-9');
      assert.match(record.run.id, /^run-\d{8}-\d{6}-[0-9a-f]{6}$/);
    } finally {
      await target.close();
    }
  });
});

describe('runPool', () => {
  it('keeps at most `concurrency` in flight and does every item once', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      done.push(i);
      inFlight--;
    });
    assert.equal(most, 3);
    assert.deepEqual(
      done.sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  it('stops taking items after an error and rethrows it once the work in flight settled', async () => {
    const started: number[] = [];
    await assert.rejects(
      runPool([1, 2, 3, 4, 5], 1, async (i) => {
        started.push(i);
        if (i === 2) throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(started, [1, 2]);
  });
});
