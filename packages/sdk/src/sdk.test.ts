import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { OutgoingMessage, Producer } from '@livegrade/bus';
import { TRUNCATION_MARKER, type VerdictEvent } from '@livegrade/core';
import { decodeTraces } from '@livegrade/otlp';
import { ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { init, KafkaSpanExporter } from './index.ts';

function inMemory(maxPayloadBytes?: number) {
  const exporter = new InMemorySpanExporter();
  const verdicts: VerdictEvent[] = [];
  const lg = init({
    serviceName: 'support-bot',
    exporter,
    verdictSink: async (batch) => {
      verdicts.push(...batch);
    },
    ...(maxPayloadBytes ? { maxPayloadBytes } : {}),
  });
  return { lg, exporter, verdicts };
}

describe('decide()', () => {
  it('records the decision on one span with the conventions and returns the result', async () => {
    const { lg, exporter } = inMemory();
    let id = '';
    const out = await lg.decide(
      { type: 'refund', slices: { language: 'hi' }, input: { message: 'money back?' }, model: 'support-llm' },
      async (d) => {
        id = d.id;
        d.label('approve')
          .score(0.9)
          .output('Sure')
          .modelVersion('m-2026-11')
          .usage({ inputTokens: 12, outputTokens: 3 });
        return 'result';
      },
    );
    await lg.flush();
    assert.equal(out, 'result');
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, 'decision refund');
    assert.equal(id, span?.spanContext().spanId, 'the decision id defaults to the span id');
    assert.deepEqual(span?.attributes, {
      'livegrade.decision.type': 'refund',
      'livegrade.slice.language': 'hi',
      'livegrade.input': '{"message":"money back?"}',
      'gen_ai.request.model': 'support-llm',
      'livegrade.decision.id': id,
      'livegrade.decision.label': 'approve',
      'livegrade.decision.score': 0.9,
      'livegrade.output': 'Sure',
      'livegrade.model.version': 'm-2026-11',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
    });
    await lg.shutdown();
  });

  it('marks a throwing decision as an error, records the exception, and rethrows', async () => {
    const { lg, exporter } = inMemory();
    await assert.rejects(
      lg.decide({ type: 'refund' }, async () => {
        throw new Error('model timeout');
      }),
      /model timeout/,
    );
    await lg.flush();
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, 2);
    assert.equal(span?.status.message, 'model timeout');
    assert.equal(span?.events[0]?.name, 'exception');
    await lg.shutdown();
  });

  it('refuses a score outside 0..1 and cuts long payloads with the marker', async () => {
    const { lg, exporter } = inMemory(100);
    await assert.rejects(
      lg.decide({ type: 'refund' }, (d) => d.score(1.5)),
      RangeError,
    );
    await lg.decide({ type: 'refund', input: 'x'.repeat(1000) }, () => {});
    await lg.flush();
    const input = String(exporter.getFinishedSpans()[1]?.attributes['livegrade.input']);
    assert.ok(input.endsWith(TRUNCATION_MARKER));
    assert.ok(Buffer.byteLength(input) <= 100);
    await lg.shutdown();
  });
});

describe('verdicts', () => {
  it('validates on the caller and sends in the background', async () => {
    const { lg, verdicts } = inMemory();
    lg.feedback('d-1', 'thumbs_down');
    lg.review('d-1', { reviewerId: 'r-9', seniority: 'senior', label: 'deny', rationale: 'policy 4.2' });
    assert.equal(verdicts.length, 0, 'nothing is sent on the caller path');
    await lg.flush();
    assert.deepEqual(
      verdicts.map((v) => [v.kind, v.decision_id]),
      [
        ['feedback', 'd-1'],
        ['review', 'd-1'],
      ],
    );
    assert.ok(verdicts.every((v) => typeof v.id === 'string' && typeof v.ts === 'number'));
    assert.throws(
      () => lg.review('d-1', { reviewerId: 'r-9', seniority: 'boss' as 'senior', label: 'deny' }),
      /invalid review: seniority/,
    );
    assert.throws(() => lg.feedback('', 'thumbs_up'), /decision_id/);
    await lg.shutdown();
  });

  it('reports, never throws, when verdicts cannot be delivered', async () => {
    const errors: Error[] = [];
    const lg = init({
      serviceName: 's',
      exporter: new InMemorySpanExporter(),
      verdictSink: async () => {
        throw new Error('broker down');
      },
      onError: (e) => errors.push(e),
    });
    lg.feedback('d-1', 'retry');
    await lg.shutdown();
    assert.match(errors[0]?.message ?? '', /dropped 1 verdicts after 6 attempts: broker down/);
  });
});

describe('KafkaSpanExporter', () => {
  it('sends one message per trace, keyed by trace id, in a single send per batch', async () => {
    const sends: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
    const producer: Producer = {
      async send(topic, messages) {
        sends.push({ topic, messages });
      },
      async close() {},
    };
    const memory = new InMemorySpanExporter();
    const lg = init({ serviceName: 'support-bot', exporter: memory });
    for (let i = 0; i < 3; i++) {
      await lg.decide({ type: 'refund' }, async () => {
        await lg.tracer.startActiveSpan('child', async (s) => s.end());
      });
    }
    await lg.flush();
    const spans: ReadableSpan[] = memory.getFinishedSpans();
    assert.equal(spans.length, 6);
    const exporter = new KafkaSpanExporter(producer, 'livegrade.spans');
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve));
    assert.equal(result.code, ExportResultCode.SUCCESS);
    assert.equal(sends.length, 1);
    assert.equal(sends[0]?.topic, 'livegrade.spans');
    const messages = sends[0]?.messages ?? [];
    assert.equal(messages.length, 3);
    for (const m of messages) {
      const own = spans.filter((s) => s.spanContext().traceId === m.key);
      assert.equal(own.length, 2);
      assert.deepEqual(new Uint8Array(m.value), ProtobufTraceSerializer.serializeRequest(own));
      assert.ok(decodeTraces(m.value).every((s) => s.traceId === m.key));
    }
    await lg.shutdown();
  });
});

describe('gateway transport', () => {
  const received: Array<{ url: string; type: string; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  after(() => server.close());

  it('posts OTLP protobuf to /v1/traces and verdict batches to /v1/verdicts', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const lg = init({ serviceName: 'support-bot', endpoint: `http://127.0.0.1:${port}/` });
    let id = '';
    await lg.decide({ type: 'refund' }, (d) => {
      id = d.id;
      d.label('deny');
    });
    lg.feedback(id, 'thumbs_down');
    await lg.shutdown();
    const traces = received.find((r) => r.url === '/v1/traces');
    assert.equal(traces?.type, 'application/x-protobuf');
    const [span] = decodeTraces(traces!.body);
    assert.equal(span?.attributes['livegrade.decision.label'], 'deny');
    assert.equal(span?.serviceName, 'support-bot');
    const verdicts = received.find((r) => r.url === '/v1/verdicts');
    assert.equal(verdicts?.type, 'application/json');
    assert.equal(JSON.parse(verdicts!.body.toString()).verdicts[0].decision_id, id);
  });
});

describe('init()', () => {
  it('says which variables to set when there is nowhere to send', () => {
    const saved = { ...process.env };
    delete process.env.LIVEGRADE_KAFKA_BROKERS;
    delete process.env.LIVEGRADE_ENDPOINT;
    try {
      assert.throws(() => init({ serviceName: 'x' }), /LIVEGRADE_KAFKA_BROKERS.*LIVEGRADE_ENDPOINT/);
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
