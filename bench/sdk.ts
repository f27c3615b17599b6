import { init } from '@livegrade/sdk';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { quantile } from './table.ts';

const discard: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};

export interface SdkFigures {
  bare: { p50: number; p99: number };
  decide: { p50: number; p99: number };
}

/**
 * Cost of decide() on the request path next to the bare OpenTelemetry SDK
 * recording the same span with the same attributes, both exporting through a
 * BatchSpanProcessor to an exporter that discards. Per-call µs.
 */
export async function benchSdk(iterations = 50_000): Promise<SdkFigures> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 65_536, maxExportBatchSize: 4096 })],
  });
  const lg = init({ serviceName: 'bench', exporter: discard, verdictSink: async () => {} });
  const tracer = provider.getTracer('bench');
  const input = 'Where is my refund for order 18291? It has been two weeks.';

  const bare = async () => {
    await tracer.startActiveSpan(
      'decision refund',
      {
        attributes: { 'livegrade.decision.type': 'refund', 'livegrade.slice.language': 'hi', 'livegrade.input': input },
      },
      async (span) => {
        span.setAttribute('livegrade.decision.id', span.spanContext().spanId);
        span.setAttribute('livegrade.decision.label', 'approve');
        span.setAttribute('livegrade.decision.score', 0.8);
        span.setAttribute('livegrade.model.version', 'm-2026-11');
        span.end();
      },
    );
  };
  const decide = () =>
    lg.decide({ type: 'refund', slices: { language: 'hi' }, input }, async (d) => {
      d.label('approve').score(0.8).modelVersion('m-2026-11');
    });

  const measure = async (fn: () => Promise<void>) => {
    for (let i = 0; i < 5000; i++) await fn();
    const t: number[] = new Array(iterations);
    for (let i = 0; i < iterations; i++) {
      const s = process.hrtime.bigint();
      await fn();
      t[i] = Number(process.hrtime.bigint() - s) / 1000;
      // let the batch processor run, as it would between requests
      if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
    }
    t.sort((a, b) => a - b);
    return { p50: quantile(t, 0.5), p99: quantile(t, 0.99) };
  };
  // interleaved rounds, so drift in machine load hits both alike
  const bareRuns = [];
  const decideRuns = [];
  for (let round = 0; round < 3; round++) {
    bareRuns.push(await measure(bare));
    decideRuns.push(await measure(decide));
  }
  await lg.shutdown();
  await provider.shutdown();
  const median = (xs: Array<{ p50: number; p99: number }>, k: 'p50' | 'p99') =>
    xs.map((x) => x[k]).sort((a, b) => a - b)[1] as number;
  return {
    bare: { p50: median(bareRuns, 'p50'), p99: median(bareRuns, 'p99') },
    decide: { p50: median(decideRuns, 'p50'), p99: median(decideRuns, 'p99') },
  };
}
