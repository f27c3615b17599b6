import { randomUUID } from 'node:crypto';
import { type Bus, createKafkaBus } from '@livegrade/bus';
import { Attr, parseVerdict, type VerdictEvent } from '@livegrade/core';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { DecisionHandle, payload } from './decision.ts';
import { KafkaSpanExporter } from './kafka-exporter.ts';
import { type InitOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { VerdictQueue, type VerdictSink } from './verdict-queue.ts';

export interface DecisionSpec {
  /** business decision kind: refund, change_address, ... */
  type: string;
  /** stable id to join verdicts on; default: the decision span's id */
  id?: string;
  slices?: Record<string, string>;
  input?: unknown;
  model?: string;
  modelVersion?: string;
}

export type Feedback = 'thumbs_down' | 'thumbs_up' | 'retry';

export interface Review {
  reviewerId: string;
  seniority: 'senior' | 'junior';
  label: string;
  rationale?: string;
  traceId?: string;
}

const SDK_SCOPE = '@livegrade/sdk';

export class Livegrade {
  /** the tracer decisions are recorded with; use it for your own spans inside a decision */
  readonly tracer: Tracer;
  private readonly verdicts: VerdictQueue;
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly provider: TracerProvider,
    verdictSink: VerdictSink,
    private readonly bus: Bus | undefined,
  ) {
    this.tracer = provider.getTracer(SDK_SCOPE);
    this.verdicts = new VerdictQueue(verdictSink, options.onError);
  }

  /**
   * Runs fn inside a decision span. The span ends when fn settles; a throw
   * marks the decision as an error and is rethrown. Returns fn's result.
   */
  decide<T>(spec: DecisionSpec, fn: (d: DecisionHandle) => Promise<T> | T): Promise<T> {
    return this.tracer.startActiveSpan(
      `decision ${spec.type}`,
      { kind: SpanKind.INTERNAL, attributes: this.startAttributes(spec) },
      async (span) => {
        const d = this.handle(span, spec);
        try {
          return await fn(d);
        } catch (err) {
          fail(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  /** For code that cannot wrap the decision in a callback: call end() when it is done. */
  startDecision(spec: DecisionSpec): DecisionHandle & { end(error?: unknown): void } {
    const span = this.tracer.startSpan(`decision ${spec.type}`, {
      kind: SpanKind.INTERNAL,
      attributes: this.startAttributes(spec),
    });
    const d = this.handle(span, spec);
    return Object.assign(d, {
      end(error?: unknown) {
        if (error !== undefined) fail(span, error);
        span.end();
      },
    });
  }

  /** User feedback on a decision. Returns at once; sent in the background. */
  feedback(decisionId: string, value: Feedback, opts: { traceId?: string; comment?: string } = {}): void {
    this.enqueue({ kind: 'feedback', decision_id: decisionId, value, trace_id: opts.traceId, comment: opts.comment });
  }

  /** A reviewer's label for a decision; a label that differs from the model's is an override. */
  review(decisionId: string, r: Review): void {
    this.enqueue({
      kind: 'review',
      decision_id: decisionId,
      reviewer_id: r.reviewerId,
      seniority: r.seniority,
      label: r.label,
      rationale: r.rationale,
      trace_id: r.traceId,
    });
  }

  /** Sends every span and verdict recorded so far. */
  async flush(): Promise<void> {
    await this.verdicts.flush();
    await this.provider.forceFlush();
  }

  /** Flushes, then releases connections. Call once, before the process exits. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.verdicts.flush();
    await this.provider.shutdown();
    await this.bus?.close();
  }

  private startAttributes(spec: DecisionSpec) {
    const a: Record<string, string> = { [Attr.decisionType]: spec.type };
    if (spec.slices) for (const k in spec.slices) a[Attr.slicePrefix + k] = spec.slices[k] as string;
    if (spec.input !== undefined) a[Attr.input] = payload(spec.input, this.options.maxPayloadBytes);
    if (spec.model) a[Attr.genAiModel] = spec.model;
    if (spec.modelVersion) a[Attr.modelVersion] = spec.modelVersion;
    return a;
  }

  private handle(span: Span, spec: DecisionSpec): DecisionHandle {
    const sc = span.spanContext();
    const id = spec.id ?? sc.spanId;
    span.setAttribute(Attr.decisionId, id);
    return new DecisionHandle(span, id, sc.traceId, this.options.maxPayloadBytes);
  }

  private enqueue(event: Record<string, unknown>) {
    if (this.closed) throw new Error('livegrade: feedback after shutdown()');
    const defined = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));
    const parsed = parseVerdict({ ...defined, id: randomUUID(), ts: Date.now() });
    if (!parsed.ok) throw new TypeError(`livegrade: invalid ${String(event.kind)}: ${parsed.error}`);
    this.verdicts.push(parsed.value as VerdictEvent & { id: string });
  }
}

function fail(span: Span, err: unknown) {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/**
 * One call to instrument a service: an OpenTelemetry tracer provider whose
 * spans leave in batches, off the request path, to Kafka or a gateway.
 */
export function init(options: InitOptions & { verdictSink?: VerdictSink }): Livegrade {
  const resolved = resolveOptions(options);
  // decisions nest the user's own spans only with an async context manager; keep one already set
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager)) contextManager.disable();

  let bus: Bus | undefined;
  let exporter: SpanExporter;
  let verdictSink: VerdictSink;
  const t = resolved.transport;
  if (t.kind === 'kafka') {
    bus = createKafkaBus({ brokers: t.brokers, clientId: `livegrade-sdk-${resolved.serviceName}` });
    const producer = bus.producer();
    exporter = options.exporter ?? new KafkaSpanExporter(producer, resolved.topics.spans);
    verdictSink = (batch) =>
      producer.send(
        resolved.topics.verdicts,
        batch.map((v) => ({ key: v.decision_id, value: Buffer.from(JSON.stringify(v)) })),
      );
  } else if (t.kind === 'gateway') {
    exporter = options.exporter ?? new OTLPTraceExporter({ url: `${t.endpoint}/v1/traces` });
    verdictSink = async (batch) => {
      const res = await fetch(`${t.endpoint}/v1/verdicts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ verdicts: batch }),
      });
      if (!res.ok) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
    };
  } else {
    exporter = options.exporter as SpanExporter;
    verdictSink =
      options.verdictSink ??
      (async () => {
        throw new Error('no verdict destination: set kafkaBrokers, endpoint or verdictSink');
      });
  }
  if (options.verdictSink) verdictSink = options.verdictSink;

  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': resolved.serviceName, ...options.resourceAttributes }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: options.batch?.maxQueueSize ?? 8192,
        maxExportBatchSize: options.batch?.maxExportBatchSize ?? 1024,
        scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? 500,
      }),
    ],
  });
  if (options.registerGlobal) trace.setGlobalTracerProvider(provider);
  return new Livegrade(resolved, provider, verdictSink, bus);
}
