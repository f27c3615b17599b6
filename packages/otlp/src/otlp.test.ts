import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlatSpan } from '@livegrade/core';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { decodeTraces, encodeTraces, encodeTracesJson, OtlpDecodeError, splitByTrace } from './index.ts';

/** Spans made by the real OpenTelemetry SDK: a parent and a child with every attribute type, an error, an event. */
async function realSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('otlp-test', '0.0.1');
  const parent = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: [1_763_800_000, 123_456_789] });
  const ctx = (await import('@opentelemetry/api')).trace.setSpan(
    (await import('@opentelemetry/api')).context.active(),
    parent,
  );
  const child = tracer.startSpan(
    'decision refund',
    {
      attributes: {
        'livegrade.decision.type': 'refund',
        'livegrade.decision.score': 0.75,
        'gen_ai.usage.input_tokens': 1234,
        'livegrade.outcome.fallback': true,
        tags: ['a', 'b'],
      },
      startTime: [1_763_800_000, 200_000_000],
    },
    ctx,
  );
  child.addEvent('exception', { 'exception.message': 'model timeout' }, [1_763_800_000, 300_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'model timeout' });
  child.end([1_763_800_000, 450_000_000]);
  parent.end([1_763_800_001, 0]);
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

function checkDecoded(spans: FlatSpan[], source: ReadableSpan[]) {
  assert.equal(spans.length, 2);
  const child = spans.find((s) => s.name === 'decision refund')!;
  const parent = spans.find((s) => s.name === 'POST /chat')!;
  const src = source.find((s) => s.name === 'decision refund')!;
  assert.equal(child.traceId, src.spanContext().traceId);
  assert.equal(child.spanId, src.spanContext().spanId);
  assert.equal(child.parentSpanId, parent.spanId);
  assert.equal(parent.parentSpanId, '');
  assert.equal(parent.kind, 2, 'SERVER');
  assert.equal(child.kind, 1, 'INTERNAL');
  assert.ok(Math.abs(parent.startMs - 1_763_800_000_123.457) < 0.001, `start ${parent.startMs}`);
  assert.ok(Math.abs(child.endMs - 1_763_800_000_450) < 0.001);
  assert.equal(child.statusCode, 2);
  assert.equal(child.statusMessage, 'model timeout');
  assert.equal(child.serviceName, 'support-bot');
  assert.equal(child.resourceAttributes['service.version'], '1.2.3');
  assert.equal(child.scopeName, 'otlp-test');
  assert.deepEqual(child.attributes, {
    'livegrade.decision.type': 'refund',
    'livegrade.decision.score': 0.75,
    'gen_ai.usage.input_tokens': 1234,
    'livegrade.outcome.fallback': true,
    tags: ['a', 'b'],
  });
  assert.equal(child.events[0]?.name, 'exception');
  assert.equal(child.events[0]?.attributes['exception.message'], 'model timeout');
  assert.ok(Math.abs((child.events[0]?.timeMs ?? 0) - 1_763_800_000_300) < 0.001);
}

function span(traceId: string, spanId: string, parent = '', extra: Partial<FlatSpan> = {}): FlatSpan {
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name: `span ${spanId}`,
    kind: 1,
    startMs: 1_763_800_000_000.25,
    endMs: 1_763_800_000_100.5,
    statusCode: 0,
    statusMessage: '',
    serviceName: 'svc',
    scopeName: 'scope',
    attributes: { n: 42, s: 'x', d: 1.5, b: false, big: 2 ** 40 },
    resourceAttributes: { 'service.name': 'svc' },
    events: [],
    ...extra,
  };
}

describe('OTLP decoding', () => {
  it('decodes what the official protobuf serializer writes', async () => {
    const source = await realSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(source)!;
    checkDecoded(decodeTraces(bytes), source);
  });

  it('decodes what the official JSON serializer writes', async () => {
    const source = await realSpans();
    const bytes = JsonTraceSerializer.serializeRequest(source)!;
    checkDecoded(decodeTraces(bytes), source);
  });

  it("decodes the Collector's otlp_json shape: hex ids, string nanos, string intValue, snake_case tolerated", () => {
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'collector-fed' } }] },
          scope_spans: [
            {
              scope: { name: 'io.opentelemetry.contrib' },
              spans: [
                {
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'EEE19B7EC3C1B174',
                  parentSpanId: '',
                  name: 'decision refund',
                  kind: 1,
                  startTimeUnixNano: '1763800000123456789',
                  endTimeUnixNano: '1763800000623456789',
                  attributes: [
                    { key: 'livegrade.decision.type', value: { stringValue: 'refund' } },
                    { key: 'gen_ai.usage.input_tokens', value: { intValue: '42' } },
                    { key: 'meta', value: { kvlistValue: { values: [{ key: 'a', value: { boolValue: true } }] } } },
                  ],
                  status: { code: 2, message: 'failed' },
                },
              ],
            },
          ],
        },
      ],
    };
    const [s] = decodeTraces(Buffer.from(JSON.stringify(doc)));
    assert.equal(s?.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(s?.serviceName, 'collector-fed');
    assert.equal(s?.attributes['gen_ai.usage.input_tokens'], 42);
    assert.equal(s?.attributes.meta, '{"a":true}');
    assert.equal(s?.statusCode, 2);
    assert.ok(Math.abs((s?.endMs ?? 0) - (s?.startMs ?? 0) - 500) < 1e-6);
    assert.ok(Math.abs((s?.startMs ?? 0) - 1_763_800_000_123.457) < 0.001);
  });

  it('decodes an empty request to no spans', () => {
    assert.deepEqual(decodeTraces(new Uint8Array(0)), []);
    assert.deepEqual(decodeTraces(Buffer.from('{}')), []);
  });

  it('refuses malformed input with a message naming the problem', () => {
    assert.throws(() => decodeTraces(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), OtlpDecodeError);
    assert.throws(() => decodeTraces(Buffer.from('definitely not protobuf', 'latin1')), /not an OTLP/);
    const good = encodeTraces([span('a'.repeat(32), 'b'.repeat(16))]);
    assert.throws(() => decodeTraces(good.subarray(0, good.length - 5)), OtlpDecodeError, 'truncated');
    assert.throws(
      () =>
        decodeTraces(
          Buffer.from(
            JSON.stringify({
              resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: 'b'.repeat(16) }] }] }],
            }),
          ),
        ),
      /traceId must be 32 hex characters, got "xyz" \(resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\)/,
    );
    assert.throws(() => decodeTraces(Buffer.from('[1,2]')), /must be an object/);
    assert.throws(() => decodeTraces(Buffer.from('{"resourceSpans": [')), /not valid OTLP JSON/);
  });
});

describe('OTLP encoding and splitting', () => {
  const t1 = '1'.repeat(32);
  const t2 = '2'.repeat(32);
  const t3 = '3'.repeat(32);
  const spans = [
    span(t1, '1000000000000001'),
    span(t2, '2000000000000001'),
    span(t1, '1000000000000002', '1000000000000001', { statusCode: 2, statusMessage: 'bad' }),
    span(t3, '3000000000000001', '', { serviceName: 'other', resourceAttributes: { 'service.name': 'other' } }),
    span(t1, '1000000000000003', '1000000000000001', {
      serviceName: 'other',
      resourceAttributes: { 'service.name': 'other' },
      scopeName: 'second-scope',
      events: [{ name: 'e', timeMs: 1_763_800_000_050, attributes: { k: 'v' } }],
    }),
  ];

  it('round-trips flat spans through protobuf and JSON', () => {
    const sortById = (xs: FlatSpan[]) => [...xs].sort((a, b) => a.spanId.localeCompare(b.spanId));
    const expected = sortById(spans);
    for (const decoded of [decodeTraces(encodeTraces(spans)), decodeTraces(Buffer.from(encodeTracesJson(spans)))]) {
      const got = sortById(decoded);
      assert.equal(got.length, expected.length);
      got.forEach((g, i) => {
        const e = expected[i]!;
        assert.ok(Math.abs(g.startMs - e.startMs) < 0.001 && Math.abs(g.endMs - e.endMs) < 0.001);
        // float ms carry sub-ns noise through the ns conversion: compare times at µs precision
        const us = (x: FlatSpan) => ({
          ...x,
          startMs: 0,
          endMs: 0,
          events: x.events.map((ev) => ({ ...ev, timeMs: Math.round(ev.timeMs * 1000) })),
        });
        assert.deepEqual(us(g), us(e));
      });
    }
  });

  it('splits a request into one request per trace, keeping resources and scopes', () => {
    for (const payload of [encodeTraces(spans), Buffer.from(encodeTracesJson(spans))]) {
      const parts = splitByTrace(payload);
      assert.deepEqual(parts.map((p) => p.traceId).sort(), [t1, t2, t3]);
      const one = parts.find((p) => p.traceId === t1)!;
      assert.equal(one.spanCount, 3);
      const decoded = decodeTraces(one.payload);
      assert.deepEqual(decoded.map((s) => s.spanId).sort(), [
        '1000000000000001',
        '1000000000000002',
        '1000000000000003',
      ]);
      const moved = decoded.find((s) => s.spanId === '1000000000000003')!;
      assert.equal(moved.serviceName, 'other', 'a span keeps its own resource');
      assert.equal(moved.scopeName, 'second-scope', 'and its own scope');
      assert.equal(moved.events[0]?.attributes.k, 'v');
      assert.ok(decodeTraces(parts.find((p) => p.traceId === t2)!.payload).every((s) => s.traceId === t2));
    }
  });

  it('splits what the official serializer writes', async () => {
    const source = await realSpans();
    const [only] = splitByTrace(ProtobufTraceSerializer.serializeRequest(source)!);
    checkDecoded(decodeTraces(only!.payload), source);
  });
});
