import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { OutgoingMessage, Producer } from '@livegrade/bus';
import { decodeTraces } from '@livegrade/otlp';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { init } from './index.ts';
import { KafkaSpanExporter } from './kafka-exporter.ts';

function fakeProducer(fail?: Error) {
  const sends: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
  let closed = 0;
  const producer: Producer = {
    async send(topic, messages) {
      if (fail) throw fail;
      sends.push({ topic, messages });
    },
    async close() {
      closed++;
    },
  };
  return { producer, sends, closed: () => closed };
}

/** Three decisions, each with a child span: six spans in three traces. */
async function recordTraces(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const lg = init({ serviceName: 'support-bot', exporter: memory, verdictSink: async () => {} });
  for (let i = 0; i < 3; i++) {
    await lg.decide({ type: 'refund', slices: { language: 'hi' } }, async (d) => {
      d.label('approve');
      await lg.tracer.startActiveSpan('chat support-llm', async (s) => s.end());
    });
  }
  await lg.flush();
  const spans = memory.getFinishedSpans();
  await lg.shutdown();
  return spans;
}

const exportOnce = (exporter: SpanExporter, spans: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

describe('KafkaSpanExporter', () => {
  it('sends one message per trace, keyed by trace id, in a single send per batch', async () => {
    const spans = await recordTraces();
    assert.equal(spans.length, 6);
    const { producer, sends, closed } = fakeProducer();
    const exporter = new KafkaSpanExporter(producer, 'livegrade.spans');
    const result = await exportOnce(exporter, spans);
    assert.equal(result.code, ExportResultCode.SUCCESS);
    assert.equal(sends.length, 1);
    assert.equal(sends[0]?.topic, 'livegrade.spans');
    const messages = sends[0]?.messages ?? [];
    assert.equal(messages.length, 3);
    assert.equal(new Set(messages.map((m) => m.key)).size, 3);
    for (const m of messages) {
      assert.match(m.key ?? '', /^[0-9a-f]{32}$/);
      const own = spans.filter((s) => s.spanContext().traceId === m.key);
      assert.equal(own.length, 2);
      // exactly the ExportTraceServiceRequest the OTel serializer makes of that trace alone
      assert.deepEqual(new Uint8Array(m.value), ProtobufTraceSerializer.serializeRequest(own));
      const decoded = decodeTraces(m.value);
      assert.equal(decoded.length, 2);
      assert.ok(decoded.every((s) => s.traceId === m.key && s.serviceName === 'support-bot'));
    }
    await exporter.shutdown();
    assert.equal(closed(), 1);
    await new KafkaSpanExporter(producer, 'livegrade.spans', false).shutdown();
    assert.equal(closed(), 1, 'a shared producer is left to its owner');
    assert.equal((await exportOnce(exporter, spans)).code, ExportResultCode.FAILED, 'no export after shutdown');
  });

  it('reports a failed send as FAILED with the producer error', async () => {
    const spans = await recordTraces();
    const { producer } = fakeProducer(new Error('leader not available'));
    const result = await exportOnce(new KafkaSpanExporter(producer, 'livegrade.spans'), spans);
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(result.error?.message ?? '', /leader not available/);
  });
});

describe('span delivery failures', () => {
  it('go to onError with the number of spans lost; flush and shutdown do not reject', async () => {
    const errors: Error[] = [];
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('broker down') }),
      shutdown: async () => {},
    };
    const lg = init({
      serviceName: 's',
      exporter: failing,
      verdictSink: async () => {},
      onError: (e) => errors.push(e),
    });
    await lg.decide({ type: 'refund' }, () => {});
    await lg.decide({ type: 'refund' }, () => {});
    await lg.flush();
    await lg.decide({ type: 'refund' }, () => {});
    await lg.shutdown();
    assert.deepEqual(
      errors.map((e) => e.message),
      ['dropped 2 spans: broker down', 'dropped 1 spans: broker down'],
    );
  });
});

describe('gateway transport', () => {
  async function gateway(verdictStatus = 202) {
    const received: Array<{ url: string; type: string; body: Buffer }> = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
        const status = req.url === '/v1/verdicts' ? verdictStatus : 200;
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(status < 300 ? '{}' : '{"error":"invalid verdict"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return { received, url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
  }

  it('posts OTLP protobuf to /v1/traces and verdict batches as JSON to /v1/verdicts', async () => {
    const gw = await gateway();
    try {
      const lg = init({ serviceName: 'support-bot', endpoint: `${gw.url}/` });
      let id = '';
      let traceId = '';
      await lg.decide({ type: 'refund', slices: { language: 'hi' } }, (d) => {
        id = d.id;
        traceId = d.traceId;
        d.label('deny');
      });
      lg.feedback(id, 'thumbs_down', { traceId });
      lg.review(id, { reviewerId: 'r-1', seniority: 'senior', label: 'approve' });
      await lg.shutdown();

      const traces = received(gw, '/v1/traces');
      assert.equal(traces.length, 1);
      assert.equal(traces[0]?.type, 'application/x-protobuf');
      const [span] = decodeTraces(traces[0]!.body);
      assert.equal(span?.traceId, traceId);
      assert.equal(span?.attributes['livegrade.decision.label'], 'deny');
      assert.equal(span?.attributes['livegrade.slice.language'], 'hi');
      assert.equal(span?.serviceName, 'support-bot');

      const verdicts = received(gw, '/v1/verdicts');
      assert.equal(verdicts.length, 1, 'both verdicts in one POST');
      assert.equal(verdicts[0]?.type, 'application/json');
      const body = JSON.parse(verdicts[0]!.body.toString());
      assert.deepEqual(
        body.verdicts.map((v: { kind: string; decision_id: string }) => [v.kind, v.decision_id]),
        [
          ['feedback', id],
          ['review', id],
        ],
      );
      assert.equal(body.verdicts[0].trace_id, traceId);
    } finally {
      await gw.close();
    }
  });

  it('does not retry verdicts the gateway refused, and reports them', async () => {
    const gw = await gateway(400);
    const errors: Error[] = [];
    try {
      const lg = init({ serviceName: 'support-bot', endpoint: gw.url, onError: (e) => errors.push(e) });
      lg.feedback('d-1', 'thumbs_down');
      await lg.shutdown();
      assert.equal(received(gw, '/v1/verdicts').length, 1);
      assert.match(
        errors[0]?.message ?? '',
        /dropped 1 verdicts after 1 attempt\(s\): .*\/v1\/verdicts answered 400: .*invalid verdict/,
      );
    } finally {
      await gw.close();
    }
  });

  it('retries verdicts while the gateway is overloaded', async () => {
    const gw = await gateway(503);
    const errors: Error[] = [];
    try {
      const lg = init({
        serviceName: 'support-bot',
        endpoint: gw.url,
        onError: (e) => errors.push(e),
        verdicts: { retries: 2, retryBaseMs: 1 },
      });
      lg.feedback('d-1', 'thumbs_down');
      await lg.shutdown();
      assert.equal(received(gw, '/v1/verdicts').length, 3);
      assert.match(errors[0]?.message ?? '', /after 3 attempt\(s\): .*answered 503/);
    } finally {
      await gw.close();
    }
  });
});

function received(gw: { received: Array<{ url: string; type: string; body: Buffer }> }, url: string) {
  return gw.received.filter((r) => r.url === url);
}
