import { Attr } from '@livegrade/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { DecisionTraceProcessor } from './decision-trace-processor.ts';
import { assertKafkaClientInstalled, LazyKafkaProducer } from './kafka-client.ts';
import { KafkaSpanExporter } from './kafka-exporter.ts';
import { Livegrade, SDK_SCOPE } from './livegrade.ts';
import { type InitOptions, resolveOptions } from './options.ts';
import { ReportingExporter } from './reporting-exporter.ts';
import { VerdictQueue, type VerdictSink } from './verdict-queue.ts';
import { gatewayVerdictSink, kafkaVerdictSink } from './verdict-sinks.ts';

/**
 * One call to instrument a service: decision spans leave in batches, off the
 * request path, to Kafka or a gateway, and feedback and reviews go through a
 * background queue. By default livegrade runs its own tracer provider; with
 * `tracerProvider` it records decisions with the app's (NodeSDK's), and the
 * app adds `lg.spanProcessor` to it.
 */
export function init(options: InitOptions): Livegrade {
  const resolved = resolveOptions(options);

  let producer: LazyKafkaProducer | undefined;
  let spanExporter: SpanExporter | undefined = options.exporter;
  let verdictSink: VerdictSink | undefined = options.verdictSink;
  const t = resolved.transport;
  if (t.kind === 'kafka') {
    assertKafkaClientInstalled();
    producer = new LazyKafkaProducer({
      brokers: t.brokers,
      clientId: `livegrade-sdk-${resolved.serviceName}`,
      logger: options.logger,
    });
    spanExporter ??= new KafkaSpanExporter(producer, resolved.topics.spans, false);
    verdictSink ??= kafkaVerdictSink(producer, resolved.topics.verdicts);
  } else if (t.kind === 'gateway') {
    spanExporter ??= new OTLPTraceExporter({ url: `${t.endpoint}/v1/traces` });
    verdictSink ??= gatewayVerdictSink(t.endpoint);
  }
  // resolveOptions lets the custom transport through only with an exporter override
  if (!spanExporter) throw new Error('livegrade init: no span exporter');
  verdictSink ??= async () => {
    throw new Error('no verdict destination: set kafkaBrokers, endpoint or verdictSink in init()');
  };

  const exporter = new ReportingExporter(spanExporter, resolved.onError);
  const processor = new DecisionTraceProcessor(
    new BatchSpanProcessor({
      exporter,
      maxQueueSize: options.batch?.maxQueueSize ?? 8192,
      maxExportBatchSize: options.batch?.maxExportBatchSize ?? 1024,
      scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? 500,
    }),
  );
  const verdicts = new VerdictQueue(verdictSink, resolved.onError, options.verdicts);

  if (options.tracerProvider) {
    // the app owns the provider, its resource and its context manager; it runs our processor
    const tracer = options.tracerProvider.getTracer(SDK_SCOPE);
    return new Livegrade(resolved, { tracer, processor, exporter, verdicts, producer });
  }
  ensureContextManager();
  const provider = new TracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (deployment.environment, ...) apply as with any OTel SDK; explicit options win
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ ...options.resourceAttributes, [Attr.serviceName]: resolved.serviceName })),
    spanProcessors: [processor],
  });
  if (options.registerGlobal && !trace.setGlobalTracerProvider(provider)) {
    resolved.onError(
      new Error(
        'registerGlobal: another global tracer provider is already registered, so other instrumentation will not nest under decisions',
      ),
    );
  }
  return new Livegrade(resolved, {
    tracer: provider.getTracer(SDK_SCOPE),
    processor,
    exporter,
    verdicts,
    producer,
    provider,
  });
}

/** Spans nest under decisions across awaits only with an async context manager; keep one the app already set. */
function ensureContextManager() {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
}
