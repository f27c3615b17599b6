import type { BusLogger } from '@livegrade/bus';
import type { TracerProvider } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { VerdictQueueOptions, VerdictSink } from './verdict-queue.ts';

export interface InitOptions {
  /** service.name of livegrade's own provider's resource; with tracerProvider the app's resource names the service */
  serviceName: string;
  /** Kafka brokers (host:port,... or a list); default LIVEGRADE_KAFKA_BROKERS. Spans and verdicts go straight to Kafka. */
  kafkaBrokers?: string | string[] | undefined;
  /** gateway base URL, e.g. http://127.0.0.1:4318; default LIVEGRADE_ENDPOINT. Used when no brokers are set. */
  endpoint?: string | undefined;
  /** topics <prefix>.spans and <prefix>.verdicts; default LIVEGRADE_KAFKA_TOPIC_PREFIX or 'livegrade' */
  topicPrefix?: string | undefined;
  /** payloads (input/output) longer than this many UTF-8 bytes are cut with a marker; default 16384 */
  maxPayloadBytes?: number;
  /** added to livegrade's own provider's resource (with OTEL_RESOURCE_ATTRIBUTES); unused with tracerProvider */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** BatchSpanProcessor tuning: spans leave the request path in batches */
  batch?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number };
  /** verdict batching and retry tuning */
  verdicts?: Partial<VerdictQueueOptions>;
  /** register as the global tracer provider, so other OTel instrumentation nests under decisions */
  registerGlobal?: boolean;
  /**
   * Record decisions with the app's tracer provider instead of livegrade's own, e.g.
   * `trace.getTracerProvider()` before NodeSDK starts; then add `lg.spanProcessor` to that
   * provider (NodeSDK's `spanProcessors`). Decisions become spans of the app's traces, children
   * of its request spans, and only traces holding a decision are sent to livegrade. The global
   * provider fits because OTel 3.x providers take span processors only when built: it forwards
   * to NodeSDK's once that starts. The spans carry the app's resource.
   */
  tracerProvider?: TracerProvider;
  /** replaces the Kafka/gateway span exporter (tests, custom pipelines) */
  exporter?: SpanExporter;
  /** replaces the Kafka/gateway verdict transport (tests, custom pipelines) */
  verdictSink?: VerdictSink;
  /** a pino logger (or one with its methods) for the Kafka client's own logs; default: warnings and errors to the console */
  logger?: BusLogger;
  /** called when spans or verdicts could not be delivered; default: console.warn */
  onError?: (error: Error) => void;
}

export type Transport =
  | { kind: 'kafka'; brokers: string[] }
  | { kind: 'gateway'; endpoint: string }
  /** only exporter/verdictSink overrides: nothing of ours to connect */
  | { kind: 'custom' };

export interface ResolvedOptions {
  serviceName: string;
  transport: Transport;
  topics: { spans: string; verdicts: string };
  maxPayloadBytes: number;
  onError: (error: Error) => void;
}

const MIN_PAYLOAD_BYTES = 64;

export function resolveOptions(o: InitOptions, env: Record<string, string | undefined> = process.env): ResolvedOptions {
  if (!o.serviceName) throw new TypeError('livegrade init: serviceName is required');
  if (o.tracerProvider && o.registerGlobal) {
    throw new TypeError(
      "livegrade init: registerGlobal applies to livegrade's own tracer provider; drop it when passing tracerProvider",
    );
  }
  const brokers = brokerList(o.kafkaBrokers ?? env.LIVEGRADE_KAFKA_BROKERS);
  const endpoint = (o.endpoint ?? env.LIVEGRADE_ENDPOINT)?.trim();
  const prefix = o.topicPrefix || env.LIVEGRADE_KAFKA_TOPIC_PREFIX || 'livegrade';
  let transport: Transport;
  if (brokers.length > 0) transport = { kind: 'kafka', brokers };
  else if (endpoint) transport = { kind: 'gateway', endpoint: gatewayBase(endpoint) };
  else if (o.exporter) transport = { kind: 'custom' };
  else {
    throw new Error(
      'livegrade init: nowhere to send spans. Set LIVEGRADE_KAFKA_BROKERS (or the kafkaBrokers option, e.g. 127.0.0.1:9092) to write to Kafka, or LIVEGRADE_ENDPOINT (or the endpoint option, e.g. http://127.0.0.1:4318) to send to a livegrade gateway',
    );
  }
  const maxPayloadBytes = o.maxPayloadBytes ?? 16_384;
  // below this the truncation marker alone would not fit
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < MIN_PAYLOAD_BYTES) {
    throw new RangeError(
      `livegrade init: maxPayloadBytes must be an integer ≥ ${MIN_PAYLOAD_BYTES}, got ${maxPayloadBytes}`,
    );
  }
  return {
    serviceName: o.serviceName,
    transport,
    topics: { spans: `${prefix}.spans`, verdicts: `${prefix}.verdicts` },
    maxPayloadBytes,
    onError: safe(o.onError ?? ((err) => console.warn(`livegrade: ${err.message}`))),
  };
}

function brokerList(value: string | string[] | undefined): string[] {
  const list = typeof value === 'string' ? value.split(',') : (value ?? []);
  return list.map((b) => b.trim()).filter((b) => b !== '');
}

function gatewayBase(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(
      `livegrade init: endpoint (LIVEGRADE_ENDPOINT) must be a URL such as http://127.0.0.1:4318, got "${endpoint}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`livegrade init: endpoint must be http:// or https://, got "${endpoint}"`);
  }
  // a base URL: /v1/traces and /v1/verdicts are appended; forgive a full traces URL
  return endpoint.replace(/\/+$/, '').replace(/\/v1\/traces$/, '');
}

/** Reports arrive from background sends and shutdown: a throwing handler must not break them. */
function safe(onError: (err: Error) => void): (err: Error) => void {
  return (err) => {
    try {
      onError(err);
    } catch {
      // nothing sensible left to tell
    }
  };
}
