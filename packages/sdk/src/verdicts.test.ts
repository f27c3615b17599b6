import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutgoingMessage, Producer } from '@livegrade/bus';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { type InitOptions, init, PermanentError, type QueuedVerdict, type VerdictSink } from './index.ts';
import { kafkaVerdictSink } from './verdict-sinks.ts';

function withSink(sink: VerdictSink, extra: Partial<InitOptions> = {}) {
  const errors: Error[] = [];
  const lg = init({
    serviceName: 'support-bot',
    exporter: new InMemorySpanExporter(),
    verdictSink: sink,
    onError: (e) => errors.push(e),
    verdicts: { retries: 2, retryBaseMs: 1 },
    ...extra,
  });
  return { lg, errors };
}

function collecting() {
  const batches: QueuedVerdict[][] = [];
  const sink: VerdictSink = async (batch) => {
    batches.push(batch);
  };
  return { batches, sink };
}

describe('feedback() and review()', () => {
  it('validate on the caller, return the verdict id, and send in the background', async () => {
    const { batches, sink } = collecting();
    const { lg, errors } = withSink(sink);
    const traceId = 'a'.repeat(32);
    const f = lg.feedback('d-1', 'thumbs_down', { traceId, comment: 'wrong amount' });
    const r = lg.review('d-1', { reviewerId: 'r-9', seniority: 'senior', label: 'deny', rationale: 'policy 4.2' });
    assert.equal(batches.length, 0, 'nothing is sent on the caller path');
    await lg.flush();
    assert.equal(batches.length, 1, 'one batch');
    const [fb, rv] = batches[0] ?? [];
    assert.equal(fb?.id, f);
    assert.equal(rv?.id, r);
    assert.ok(typeof fb?.ts === 'number' && fb.ts > 0);
    assert.deepEqual(
      { ...fb, id: 'x', ts: 0 },
      {
        id: 'x',
        ts: 0,
        kind: 'feedback',
        decision_id: 'd-1',
        value: 'thumbs_down',
        trace_id: traceId,
        comment: 'wrong amount',
      },
    );
    assert.deepEqual(
      { ...rv, id: 'x', ts: 0 },
      {
        id: 'x',
        ts: 0,
        kind: 'review',
        decision_id: 'd-1',
        reviewer_id: 'r-9',
        seniority: 'senior',
        label: 'deny',
        rationale: 'policy 4.2',
      },
    );
    assert.deepEqual(errors, []);
    await lg.shutdown();
  });

  it('throw a TypeError naming the bad field', async () => {
    const { lg } = withSink(async () => {});
    assert.throws(
      () => lg.review('d-1', { reviewerId: 'r-9', seniority: 'boss' as 'senior', label: 'deny' }),
      (e: Error) => e instanceof TypeError && /invalid review: seniority/.test(e.message),
    );
    assert.throws(() => lg.review('d-1', { reviewerId: '', seniority: 'junior', label: 'deny' }), /reviewer_id/);
    assert.throws(() => lg.feedback('', 'thumbs_up'), /invalid feedback: decision_id/);
    assert.throws(() => lg.feedback('d-1', 'meh' as 'retry'), /invalid feedback: value/);
    assert.throws(() => lg.feedback('d-1', 'retry', { traceId: 'XYZ' }), /trace_id: must be 32 lowercase hex/);
    await lg.shutdown();
  });

  it('batch many verdicts and keep their order', async () => {
    const { batches, sink } = collecting();
    const { lg } = withSink(sink, { verdicts: { maxBatch: 500 } });
    for (let i = 0; i < 1200; i++) lg.feedback(`d-${i}`, 'thumbs_up');
    await lg.flush();
    assert.deepEqual(
      batches.map((b) => b.length),
      [500, 500, 200],
    );
    assert.deepEqual(
      batches.flat().map((v) => v.decision_id),
      Array.from({ length: 1200 }, (_, i) => `d-${i}`),
    );
    await lg.shutdown();
  });

  it('go out on their own after the batching delay', async () => {
    const { batches, sink } = collecting();
    const { lg } = withSink(sink, { verdicts: { delayMs: 5 } });
    lg.feedback('d-1', 'retry');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(batches.length, 1);
    await lg.shutdown();
  });
});

describe('verdict delivery failures', () => {
  it('are retried, and a batch that goes through is not reported', async () => {
    let calls = 0;
    const { batches, sink } = collecting();
    const { lg, errors } = withSink(async (batch) => {
      if (++calls <= 2) throw new Error('broker down');
      await sink(batch);
    });
    lg.feedback('d-1', 'thumbs_down');
    await lg.flush();
    assert.equal(calls, 3);
    assert.equal(batches.length, 1);
    assert.deepEqual(errors, []);
    await lg.shutdown();
  });

  it('are reported to onError after bounded retries, never thrown at the caller', async () => {
    let calls = 0;
    const { lg, errors } = withSink(async () => {
      calls++;
      throw new Error('broker down');
    });
    lg.feedback('d-1', 'retry');
    lg.feedback('d-2', 'retry');
    await lg.shutdown();
    assert.equal(calls, 3, 'first attempt and 2 retries');
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /dropped 2 verdicts after 3 attempt\(s\): broker down/);
  });

  it('are not retried when the destination refused the batch for good', async () => {
    let calls = 0;
    const { lg, errors } = withSink(async () => {
      calls++;
      throw new PermanentError('answered 400: invalid verdict');
    });
    lg.feedback('d-1', 'retry');
    await lg.flush();
    assert.equal(calls, 1);
    assert.match(errors[0]?.message ?? '', /after 1 attempt\(s\): answered 400/);
    await lg.shutdown();
  });

  it('bound the queue while the destination is down and report what was dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { batches, sink } = collecting();
    const { lg, errors } = withSink(
      async (batch) => {
        await gate;
        await sink(batch);
      },
      { verdicts: { maxBatch: 10, maxQueued: 20 } },
    );
    for (let i = 0; i < 50; i++) lg.feedback(`d-${i}`, 'thumbs_down');
    release();
    await lg.flush();
    // the first 10 left in a send; 20 waited; 20 found the queue full
    assert.equal(batches.flat().length, 30);
    assert.match(errors.map((e) => e.message).join('\n'), /dropped 20 verdicts: 20 were already waiting/);
    await lg.shutdown();
  });

  it('cannot hold shutdown() past its timeout', async () => {
    let calls = 0;
    const { lg, errors } = withSink(
      async () => {
        calls++;
        throw new Error('broker down');
      },
      { verdicts: { retries: 1000, retryBaseMs: 20 } },
    );
    lg.feedback('d-1', 'retry');
    lg.feedback('d-2', 'retry');
    const started = Date.now();
    await lg.shutdown({ timeoutMs: 150 });
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.deepEqual(
      errors.map((e) => e.message),
      ['dropped 2 verdicts: not sent within the shutdown timeout of 150 ms'],
    );
    const attempts = calls;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, attempts, 'retries stop once shutdown gave up');
  });

  it('after shutdown() a verdict is reported as dropped instead of thrown', async () => {
    const { lg, errors } = withSink(async () => {});
    await lg.shutdown();
    assert.doesNotThrow(() => lg.feedback('d-1', 'thumbs_up'));
    assert.match(errors[0]?.message ?? '', /dropped feedback for decision d-1: after shutdown/);
  });
});

describe('kafkaVerdictSink', () => {
  it('writes one JSON message per verdict, keyed by decision id, in one send', async () => {
    const sends: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
    const producer: Producer = {
      async send(topic, messages) {
        sends.push({ topic, messages });
      },
      async close() {},
    };
    const lg = init({
      serviceName: 'support-bot',
      exporter: new InMemorySpanExporter(),
      verdictSink: kafkaVerdictSink(producer, 'livegrade.verdicts'),
    });
    lg.feedback('d-1', 'thumbs_down');
    lg.review('d-2', { reviewerId: 'r-1', seniority: 'junior', label: 'approve' });
    await lg.shutdown();
    assert.equal(sends.length, 1);
    assert.equal(sends[0]?.topic, 'livegrade.verdicts');
    const messages = sends[0]?.messages ?? [];
    assert.deepEqual(
      messages.map((m) => m.key),
      ['d-1', 'd-2'],
    );
    const body = JSON.parse(messages[1]?.value.toString() ?? '');
    assert.equal(body.kind, 'review');
    assert.equal(body.reviewer_id, 'r-1');
    assert.equal(typeof body.id, 'string');
  });
});
