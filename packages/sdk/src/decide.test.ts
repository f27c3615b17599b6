import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRUNCATION_MARKER } from '@livegrade/core';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { init } from './index.ts';

function inMemory(maxPayloadBytes?: number) {
  const exporter = new InMemorySpanExporter();
  const lg = init({
    serviceName: 'support-bot',
    exporter,
    verdictSink: async () => {},
    resourceAttributes: { 'deployment.environment': 'test' },
    ...(maxPayloadBytes ? { maxPayloadBytes } : {}),
  });
  const spans = async (): Promise<ReadableSpan[]> => {
    await lg.flush();
    return exporter.getFinishedSpans();
  };
  return { lg, spans };
}

describe('decide()', () => {
  it('records the decision on one span with the conventions and returns the result', async () => {
    const { lg, spans } = inMemory();
    let id = '';
    let traceId = '';
    const out = await lg.decide(
      {
        type: 'refund',
        slices: { language: 'hi', segment: 'smb' },
        input: { message: 'money back?' },
        model: 'support-llm',
      },
      async (d) => {
        id = d.id;
        traceId = d.traceId;
        d.label('approve')
          .score(0.9)
          .output('Sure')
          .modelVersion('m-2026-11')
          .usage({ inputTokens: 12, outputTokens: 3 });
        return { decision: 'approve' };
      },
    );
    assert.deepEqual(out, { decision: 'approve' });
    const [span] = await spans();
    assert.equal(span?.name, 'decision refund');
    assert.equal(span?.kind, SpanKind.INTERNAL);
    assert.equal(span?.status.code, SpanStatusCode.UNSET);
    assert.equal(id, span?.spanContext().spanId, 'the decision id defaults to the span id');
    assert.equal(traceId, span?.spanContext().traceId);
    assert.deepEqual(span?.attributes, {
      'livegrade.decision.type': 'refund',
      'livegrade.slice.language': 'hi',
      'livegrade.slice.segment': 'smb',
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
    assert.equal(span?.resource.attributes['service.name'], 'support-bot');
    assert.equal(span?.resource.attributes['deployment.environment'], 'test');
    assert.equal(span?.instrumentationScope.name, '@livegrade/sdk');
    await lg.shutdown();
  });

  it('uses spec.id as the decision id and records failure signals', async () => {
    const { lg, spans } = inMemory();
    const seen = await lg.decide({ type: 'change_address', id: 'order-77' }, (d) => {
      d.fallback().retried().guardrail('pii').attribute('app.tenant', 'acme');
      return d.id;
    });
    await lg.decide({ type: 'change_address' }, (d) => {
      d.guardrail();
    });
    assert.equal(seen, 'order-77');
    const [first, second] = await spans();
    assert.equal(first?.attributes['livegrade.decision.id'], 'order-77');
    assert.equal(first?.attributes['livegrade.outcome.fallback'], true);
    assert.equal(first?.attributes['livegrade.outcome.retried'], true);
    assert.equal(first?.attributes['livegrade.outcome.guardrail'], 'pii');
    assert.equal(first?.attributes['app.tenant'], 'acme');
    assert.equal(second?.attributes['livegrade.outcome.guardrail'], true);
    await lg.shutdown();
  });

  it('marks a rejecting decision as an error, records the exception, and rethrows', async () => {
    const { lg, spans } = inMemory();
    const boom = new Error('model timeout');
    await assert.rejects(
      lg.decide({ type: 'refund' }, async () => {
        throw boom;
      }),
      (err) => err === boom,
    );
    await assert.rejects(
      lg.decide({ type: 'refund' }, () => {
        throw 'plain string';
      }),
      (err) => err === 'plain string',
    );
    const [a, b] = await spans();
    assert.equal(a?.status.code, SpanStatusCode.ERROR);
    assert.equal(a?.status.message, 'model timeout');
    assert.equal(a?.events[0]?.name, 'exception');
    assert.equal(a?.events[0]?.attributes?.['exception.message'], 'model timeout');
    assert.ok(a?.ended);
    assert.equal(b?.status.code, SpanStatusCode.ERROR);
    assert.equal(b?.status.message, 'plain string');
    await lg.shutdown();
  });

  it('refuses a score outside 0..1 with a RangeError that fails the decision', async () => {
    const { lg, spans } = inMemory();
    for (const bad of [1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(
        lg.decide({ type: 'refund' }, (d) => d.score(bad)),
        (err: Error) => err instanceof RangeError && /score must be a number within 0\.\.1/.test(err.message),
      );
    }
    await lg.decide({ type: 'refund' }, (d) => d.score(0).score(1));
    const all = await spans();
    assert.equal(all.filter((s) => s.status.code === SpanStatusCode.ERROR).length, 4);
    assert.equal(all[4]?.attributes['livegrade.decision.score'], 1);
    await lg.shutdown();
  });

  it('cuts long payloads to maxPayloadBytes with the marker, without splitting characters', async () => {
    const { lg, spans } = inMemory(100);
    await lg.decide({ type: 'refund', input: 'x'.repeat(5_000_000) }, (d) => {
      d.output({ answer: 'y'.repeat(500) });
    });
    await lg.decide({ type: 'refund', input: 'नमस्ते '.repeat(50) }, () => {});
    await lg.decide({ type: 'refund', input: 'short' }, () => {});
    const [long, hindi, short] = await spans();
    for (const v of [
      long?.attributes['livegrade.input'],
      long?.attributes['livegrade.output'],
      hindi?.attributes['livegrade.input'],
    ]) {
      const s = String(v);
      assert.ok(s.endsWith(TRUNCATION_MARKER), s);
      assert.ok(Buffer.byteLength(s) <= 100, `${Buffer.byteLength(s)} bytes`);
      assert.ok(!s.includes('\uFFFD'), 'no character is split');
    }
    assert.ok(String(long?.attributes['livegrade.output']).startsWith('{"answer":"yyy'));
    assert.equal(short?.attributes['livegrade.input'], 'short');
    await lg.shutdown();
  });

  it('records the context like the input: JSON for objects, text as it is, cut to maxPayloadBytes', async () => {
    const { lg, spans } = inMemory(100);
    await lg.decide({ type: 'refund', input: 'refund?', context: { tier: 'gold', policy: 'p7' } }, () => {});
    await lg.decide({ type: 'refund', context: 'z'.repeat(1000) }, () => {});
    await lg.decide({ type: 'refund' }, () => {});
    const [object, long, none] = await spans();
    assert.equal(object?.attributes['livegrade.context'], '{"tier":"gold","policy":"p7"}');
    assert.ok(String(long?.attributes['livegrade.context']).endsWith(TRUNCATION_MARKER));
    assert.ok(Buffer.byteLength(String(long?.attributes['livegrade.context'])) <= 100);
    assert.equal(none?.attributes['livegrade.context'], undefined);
    await lg.shutdown();
  });

  it('never fails a decision because its input cannot be serialized', async () => {
    const { lg, spans } = inMemory();
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    assert.equal(await lg.decide({ type: 'refund', input: circular }, () => 'ok'), 'ok');
    const [span] = await spans();
    assert.equal(typeof span?.attributes['livegrade.input'], 'string');
    await lg.shutdown();
  });

  it('nests spans started inside the decision under it, with lg.tracer or the global API', async () => {
    const exporter = new InMemorySpanExporter();
    const lg = init({ serviceName: 'support-bot', exporter, verdictSink: async () => {}, registerGlobal: true });
    try {
      await lg.decide({ type: 'refund' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        await lg.tracer.startActiveSpan('retrieve', async (s) => s.end());
        trace.getTracer('app').startSpan('chat support-llm').end();
      });
      await lg.flush();
      const spans = exporter.getFinishedSpans();
      const decision = spans.find((s) => s.name === 'decision refund');
      assert.equal(spans.length, 3);
      for (const name of ['retrieve', 'chat support-llm']) {
        const child = spans.find((s) => s.name === name);
        assert.equal(child?.parentSpanContext?.spanId, decision?.spanContext().spanId, name);
        assert.equal(child?.spanContext().traceId, decision?.spanContext().traceId, name);
      }
    } finally {
      await lg.shutdown();
      trace.disable();
    }
  });
});

describe('startDecision()', () => {
  it('records like decide(), nests work run in its context, and ends once', async () => {
    const { lg, spans } = inMemory();
    const d = lg.startDecision({ type: 'refund', slices: { region: 'eu' } });
    d.label('deny');
    context.with(d.context, () => lg.tracer.startSpan('inner').end());
    d.end(new Error('guardrail tripped'));
    d.end();
    const all = await spans();
    const decision = all.find((s) => s.name === 'decision refund');
    const inner = all.find((s) => s.name === 'inner');
    assert.equal(all.length, 2);
    assert.equal(decision?.attributes['livegrade.decision.id'], d.id);
    assert.equal(decision?.attributes['livegrade.slice.region'], 'eu');
    assert.equal(decision?.attributes['livegrade.decision.label'], 'deny');
    assert.equal(decision?.status.code, SpanStatusCode.ERROR);
    assert.equal(inner?.parentSpanContext?.spanId, d.id);
    await lg.shutdown();
  });
});
