import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, ProxyTracerProvider, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { init } from './index.ts';

/** Keeps what it was given past shutdown (InMemorySpanExporter forgets it) and counts shutdowns. */
class RecordingExporter extends InMemorySpanExporter {
  readonly received: ReadableSpan[] = [];
  shutdowns = 0;
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.received.push(...spans);
    super.export(spans, done);
  }
  override shutdown(): Promise<void> {
    this.shutdowns++;
    return super.shutdown();
  }
}

/**
 * As with NodeSDK: livegrade is given the provider before the app's exists
 * (trace.getTracerProvider(), a proxy), then the app's provider runs
 * lg.spanProcessor beside its own exporter and becomes the proxy's delegate.
 */
function appWithLivegrade() {
  const proxy = new ProxyTracerProvider();
  const toLivegrade = new RecordingExporter();
  const errors: Error[] = [];
  const lg = init({
    serviceName: 'support-bot',
    tracerProvider: proxy,
    exporter: toLivegrade,
    verdictSink: async () => {},
    onError: (err) => errors.push(err),
  });
  const appExporter = new InMemorySpanExporter();
  const appProvider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-app' }),
    spanProcessors: [lg.spanProcessor, new SimpleSpanProcessor({ exporter: appExporter })],
  });
  proxy.setDelegate(appProvider);
  const appTracer = appProvider.getTracer('app');
  return { lg, appProvider, appTracer, appExporter, toLivegrade, errors };
}

type App = ReturnType<typeof appWithLivegrade>;

/** An app request span (active) inside which livegrade makes a decision with a child span. */
function refundRequest({ lg, appTracer }: App) {
  return appTracer.startActiveSpan('POST /refund', { kind: SpanKind.SERVER }, async (request) => {
    try {
      const seen = await lg.decide({ type: 'refund', slices: { language: 'hi' } }, async (d) => {
        await lg.tracer.startActiveSpan('chat support-llm', async (s) => s.end());
        d.label('approve');
        return { traceId: d.traceId, id: d.id };
      });
      appTracer.startSpan('render').end();
      return { request: request.spanContext(), ...seen };
    } finally {
      request.end();
    }
  });
}

function healthCheck({ appTracer }: App) {
  return appTracer.startActiveSpan('GET /healthz', { kind: SpanKind.SERVER }, async (request) => {
    appTracer.startSpan('db ping').end();
    request.end();
  });
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name);

describe('init({ tracerProvider })', () => {
  const contextManager = new AsyncLocalStorageContextManager();

  before(() => {
    assert.ok(context.setGlobalContextManager(contextManager.enable()), 'no other context manager in this process');
  });

  after(() => {
    context.disable();
    contextManager.disable();
  });

  it("records a decision made inside an app span as that span's child, in its trace", async () => {
    const app = appWithLivegrade();
    const seen = await refundRequest(app);
    await app.lg.flush();

    const spans = app.toLivegrade.getFinishedSpans();
    const decision = byName(spans, 'decision refund');
    assert.ok(decision, 'the decision reached livegrade');
    assert.equal(decision.spanContext().traceId, seen.request.traceId);
    assert.equal(decision.parentSpanContext?.spanId, seen.request.spanId);
    assert.equal(seen.traceId, seen.request.traceId, 'the handle names the app trace');
    assert.equal(seen.id, decision.spanContext().spanId);
    assert.equal(decision.instrumentationScope.name, '@livegrade/sdk');
    assert.equal(decision.resource.attributes['service.name'], 'support-app', "recorded by the app's provider");
    const chat = byName(spans, 'chat support-llm');
    assert.equal(chat?.parentSpanContext?.spanId, decision.spanContext().spanId);
    // the app's own exporter sees the decision too: one provider, one trace
    assert.ok(byName(app.appExporter.getFinishedSpans(), 'decision refund'));
    assert.deepEqual(app.errors, []);
    await app.lg.shutdown();
    await app.appProvider.shutdown();
  });

  it('sends livegrade the traces holding a decision, not the rest of the app', async () => {
    const app = appWithLivegrade();
    await healthCheck(app);
    await refundRequest(app);
    await healthCheck(app);
    await app.lg.flush();

    assert.deepEqual(
      app.toLivegrade
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
      ['POST /refund', 'chat support-llm', 'decision refund', 'render'],
    );
    const names = app.appExporter.getFinishedSpans().map((s) => s.name);
    assert.equal(names.filter((n) => n === 'GET /healthz').length, 2, 'the app still exports all of its spans');
    await app.lg.shutdown();
    await app.appProvider.shutdown();
  });

  it("shutdown() flushes and closes livegrade's processor only; the app's provider goes on", async () => {
    const app = appWithLivegrade();
    await refundRequest(app);
    await app.lg.shutdown(); // no flush() before: shutdown sends what is pending
    assert.deepEqual(app.toLivegrade.received.map((s) => s.name).sort(), [
      'POST /refund',
      'chat support-llm',
      'decision refund',
      'render',
    ]);
    assert.equal(app.toLivegrade.shutdowns, 1);

    // the app's other processors still export; livegrade's takes nothing more
    await refundRequest(app);
    await app.appProvider.forceFlush();
    const appNames = app.appExporter.getFinishedSpans().map((s) => s.name);
    assert.equal(appNames.filter((n) => n === 'POST /refund').length, 2);
    assert.equal(app.toLivegrade.received.length, 4);

    // the app's own shutdown later finds livegrade's processor already closed
    await app.appProvider.shutdown();
    assert.equal(app.toLivegrade.shutdowns, 1);
    assert.deepEqual(app.errors, []);
  });

  it('refuses registerGlobal with tracerProvider, naming both', () => {
    assert.throws(
      () =>
        init({
          serviceName: 'support-bot',
          tracerProvider: new ProxyTracerProvider(),
          registerGlobal: true,
          exporter: new InMemorySpanExporter(),
          verdictSink: async () => {},
        }),
      (err: unknown) =>
        err instanceof TypeError && /registerGlobal/.test(err.message) && /tracerProvider/.test(err.message),
    );
  });
});
