import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attr } from '@livegrade/core';
import { type Context, ROOT_CONTEXT, type Span, type SpanOptions, TraceFlags, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { DecisionTraceProcessor } from './decision-trace-processor.ts';

/** A tracer whose spans go through a DecisionTraceProcessor to an in-memory exporter. */
function setup(maxOpenTraces?: number) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new DecisionTraceProcessor(new SimpleSpanProcessor({ exporter: memory }), maxOpenTraces)],
  });
  const tracer = provider.getTracer('app');
  /** starts a span under parent (a span, or a context such as a remote parent's); none: a new trace */
  const start = (name: string, parent?: Span | Context, options: SpanOptions = {}) =>
    tracer.startSpan(name, options, parent === undefined ? ROOT_CONTEXT : asContext(parent));
  const decision = (name: string, parent?: Span | Context) =>
    start(name, parent, { attributes: { [Attr.decisionType]: 'refund' } });
  const sent = async (): Promise<ReadableSpan[]> => {
    await provider.forceFlush();
    return memory.getFinishedSpans();
  };
  const sentNames = async () => (await sent()).map((s) => s.name);
  return { start, decision, sent, sentNames };
}

function asContext(parent: Span | Context): Context {
  return 'spanContext' in parent ? trace.setSpan(ROOT_CONTEXT, parent) : parent;
}

/** A next processor that only counts what reaches it. */
function countingProcessor(flush: () => Promise<void> = async () => {}) {
  const calls = { onStart: [] as string[], onEnd: [] as string[], forceFlush: 0, shutdown: 0 };
  const processor: SpanProcessor = {
    onStart: (span) => void calls.onStart.push((span as unknown as ReadableSpan).name),
    onEnd: (span) => void calls.onEnd.push(span.name),
    forceFlush: () => {
      calls.forceFlush++;
      return flush();
    },
    shutdown: async () => {
      calls.shutdown++;
    },
  };
  return { processor, calls };
}

describe('DecisionTraceProcessor', () => {
  it('sends nothing of a trace without a decision', async () => {
    const { start, sentNames } = setup();
    const request = start('GET /healthz');
    start('db ping', request).end();
    request.end();
    assert.deepEqual(await sentNames(), []);
  });

  it('sends the decision, its children, the spans enclosing it and later spans until the local root ends', async () => {
    const { start, decision, sent } = setup();
    const request = start('POST /refund');
    start('auth', request).end(); // ended before the decision started
    const handler = start('handler', request); // started before the decision, ends after it
    const other = start('GET /healthz'); // another trace, no decision, interleaved
    const d = decision('decision refund', handler);
    start('chat support-llm', d).end();
    d.end();
    other.end();
    start('render', request).end();
    handler.end();
    request.end();

    const spans = await sent();
    assert.deepEqual(
      spans.map((s) => s.name),
      ['chat support-llm', 'decision refund', 'render', 'handler', 'POST /refund'],
    );
    const traceId = request.spanContext().traceId;
    assert.ok(spans.every((s) => s.spanContext().traceId === traceId));
  });

  it('stops following the trace once its local root ended, except for a new decision', async () => {
    const { start, decision, sentNames } = setup();
    const request = start('POST /refund');
    decision('decision refund', request).end();
    request.end();
    // background work of the same trace after the response: not livegrade's
    start('after response', request).end();
    assert.deepEqual(await sentNames(), ['decision refund', 'POST /refund']);

    decision('late decision', request).end();
    assert.deepEqual(await sentNames(), ['decision refund', 'POST /refund', 'late decision']);
  });

  it('counts a span with a remote parent as the local root', async () => {
    const { start, decision, sent, sentNames } = setup();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const server = start('POST /refund', remote);
    decision('decision refund', server).end();
    start('render', server).end();
    server.end();
    // a later request of the same distributed trace, without a decision
    const next = start('GET /status', remote);
    start('db read', next).end();
    next.end();

    assert.deepEqual(await sentNames(), ['decision refund', 'render', 'POST /refund']);
    const [first] = await sent();
    assert.equal(first?.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(first?.parentSpanContext?.spanId, server.spanContext().spanId);
  });

  it('sends a span marked as a decision only after it started, alone', async () => {
    const { start, sentNames } = setup();
    const request = start('POST /refund');
    const span = start('classify', request);
    start('chat support-llm', span).end();
    span.setAttribute(Attr.decisionType, 'refund');
    span.end();
    start('render', request).end();
    request.end();
    assert.deepEqual(await sentNames(), ['classify']);
  });

  it('forgets the oldest open trace beyond maxOpenTraces', async () => {
    const { start, decision, sentNames } = setup(2);
    const requests = ['a', 'b', 'c'].map((t) => start(`request ${t}`));
    // opening c's trace forgets a's, whose root has not ended
    const decisions = requests.map((r, i) => decision(`decision ${'abc'[i]}`, r));
    for (const d of decisions) d.end();
    requests.forEach((r, i) => {
      start(`after ${'abc'[i]}`, r).end();
      r.end();
    });
    assert.deepEqual(
      (await sentNames()).sort(),
      ['after b', 'after c', 'decision a', 'decision b', 'decision c', 'request b', 'request c'],
      'decisions are always sent; the rest of trace a is not',
    );
  });

  it('does not forget another trace when a second decision starts in an open one', async () => {
    const { start, decision, sentNames } = setup(2);
    const a = start('request a');
    const b = start('request b');
    decision('decision a', a).end();
    decision('decision b', b).end();
    decision('decision b2', b).end();
    start('after a', a).end();
    a.end();
    b.end();
    assert.deepEqual((await sentNames()).sort(), [
      'after a',
      'decision a',
      'decision b',
      'decision b2',
      'request a',
      'request b',
    ]);
  });

  it('passes span starts on only for followed traces', () => {
    const { processor, calls } = countingProcessor();
    const tracer = new TracerProvider({ spanProcessors: [new DecisionTraceProcessor(processor)] }).getTracer('app');
    const request = tracer.startSpan('POST /refund', {}, ROOT_CONTEXT);
    const under = trace.setSpan(ROOT_CONTEXT, request);
    tracer.startSpan('auth', {}, under).end();
    const d = tracer.startSpan('decision refund', { attributes: { [Attr.decisionType]: 'refund' } }, under);
    tracer.startSpan('chat support-llm', {}, trace.setSpan(ROOT_CONTEXT, d)).end();
    d.end();
    request.end();
    assert.deepEqual(calls.onStart, ['decision refund', 'chat support-llm']);
    assert.deepEqual(calls.onEnd, ['chat support-llm', 'decision refund', 'POST /refund']);
  });

  it('shuts the next processor down once, however often it is asked', async () => {
    const { processor, calls } = countingProcessor();
    const p = new DecisionTraceProcessor(processor);
    const provider = new TracerProvider({ spanProcessors: [p] });
    await Promise.all([p.shutdown(), p.shutdown()]);
    await p.shutdown();
    // the app's provider shutting down after Livegrade.shutdown() did
    await provider.shutdown();
    assert.equal(calls.shutdown, 1);
  });

  it('delegates forceFlush to the next processor, failure included', async () => {
    const failure = new Error('broker gone');
    let fail = false;
    const { processor, calls } = countingProcessor(async () => {
      if (fail) throw failure;
    });
    const p = new DecisionTraceProcessor(processor);
    await p.forceFlush();
    assert.equal(calls.forceFlush, 1);
    fail = true;
    await assert.rejects(p.forceFlush(), (err) => err === failure);
    assert.equal(calls.forceFlush, 2);
  });
});
