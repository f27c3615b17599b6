import type { SpanExporter } from '@opentelemetry/sdk-trace';

export interface InitOptions {
  serviceName: string;
  /** Kafka brokers (host:port,...); default LIVEGRADE_KAFKA_BROKERS. Spans and verdicts go straight to Kafka. */
  kafkaBrokers?: string | undefined;
  /** gateway base URL, e.g. http://127.0.0.1:4318; default LIVEGRADE_ENDPOINT. Used when no brokers are set. */
  endpoint?: string | undefined;
  /** topics <prefix>.spans and <prefix>.verdicts; default LIVEGRADE_KAFKA_TOPIC_PREFIX or 'livegrade' */
  topicPrefix?: string;
  /** payloads (input/output) longer than this many UTF-8 bytes are cut with a marker; default 16384 */
  maxPayloadBytes?: number;
  resourceAttributes?: Record<string, string | number | boolean>;
  /** BatchSpanProcessor tuning: spans leave the request path in batches */
  batch?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number };
  /** register as the global tracer provider, so other OTel instrumentation nests under decisions */
  registerGlobal?: boolean;
  /** replaces the Kafka/gateway span exporter (tests, custom pipelines) */
  exporter?: SpanExporter;
  /** called when spans or verdicts could not be delivered after retries; default: console.warn */
  onError?: (error: Error) => void;
}

export interface ResolvedOptions {
  serviceName: string;
  transport: { kind: 'kafka'; brokers: string[] } | { kind: 'gateway'; endpoint: string } | { kind: 'custom' };
  topics: { spans: string; verdicts: string };
  maxPayloadBytes: number;
  onError: (error: Error) => void;
}

export function resolveOptions(o: InitOptions, env: Record<string, string | undefined> = process.env): ResolvedOptions {
  if (!o.serviceName) throw new TypeError('livegrade init: serviceName is required');
  const brokers = o.kafkaBrokers ?? env.LIVEGRADE_KAFKA_BROKERS;
  const endpoint = o.endpoint ?? env.LIVEGRADE_ENDPOINT;
  const prefix = o.topicPrefix ?? env.LIVEGRADE_KAFKA_TOPIC_PREFIX ?? 'livegrade';
  let transport: ResolvedOptions['transport'];
  if (brokers) transport = { kind: 'kafka', brokers: brokers.split(',').map((b) => b.trim()) };
  else if (endpoint) transport = { kind: 'gateway', endpoint: endpoint.replace(/\/+$/, '') };
  else if (o.exporter) transport = { kind: 'custom' };
  else {
    throw new Error(
      'livegrade init: nowhere to send spans. Set LIVEGRADE_KAFKA_BROKERS (or the kafkaBrokers option) for Kafka, or LIVEGRADE_ENDPOINT (or endpoint) for a gateway such as http://127.0.0.1:4318',
    );
  }
  return {
    serviceName: o.serviceName,
    transport,
    topics: { spans: `${prefix}.spans`, verdicts: `${prefix}.verdicts` },
    maxPayloadBytes: o.maxPayloadBytes ?? 16_384,
    onError: o.onError ?? ((err) => console.warn(`livegrade: ${err.message}`)),
  };
}
