import { type Bus, createKafkaBus } from '@livegrade/bus';
import { Attr } from '@livegrade/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { KafkaSpanExporter } from './kafka-exporter.ts';
import { Livegrade } from './livegrade.ts';
import { type InitOptions, resolveOptions } from './options.ts';
import { ReportingExporter } from './reporting-exporter.ts';
import { VerdictQueue, type VerdictSink } from './verdict-queue.ts';
import { gatewayVerdictSink, kafkaVerdictSink } from './verdict-sinks.ts';

/**
 * One call to instrument a service: an OpenTelemetry tracer provider whose
 * spans leave in batches, off the request path, to Kafka or a gateway; and a
 * background queue for feedback and reviews.
 */
export function init(options: InitOptions): Livegrade {
  const resolved = resolveOptions(options);
  ensureContextManager();

  let bus: Bus | undefined;
  let spanExporter: SpanExporter | undefined = options.exporter;
  let verdictSink: VerdictSink | undefined = options.verdictSink;
  const t = resolved.transport;
  if (t.kind === 'kafka') {
    bus = createKafkaBus({
      brokers: t.brokers,
      clientId: `livegrade-sdk-${resolved.serviceName}`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const producer = bus.producer();
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
  const provider = new TracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (deployment.environment, ...) apply as with any OTel SDK; explicit options win
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ ...options.resourceAttributes, [Attr.serviceName]: resolved.serviceName })),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: options.batch?.maxQueueSize ?? 8192,
        maxExportBatchSize: options.batch?.maxExportBatchSize ?? 1024,
        scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? 500,
      }),
    ],
  });
  if (options.registerGlobal && !trace.setGlobalTracerProvider(provider)) {
    resolved.onError(
      new Error(
        'registerGlobal: another global tracer provider is already registered, so other instrumentation will not nest under decisions',
      ),
    );
  }
  const verdicts = new VerdictQueue(verdictSink, resolved.onError, options.verdicts);
  return new Livegrade(resolved, provider, exporter, verdicts, bus);
}

/** Spans nest under decisions across awaits only with an async context manager; keep one the app already set. */
function ensureContextManager() {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
}
