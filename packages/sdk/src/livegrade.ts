import { randomUUID } from 'node:crypto';
import { Attr, parseVerdict } from '@livegrade/core';
import { type Attributes, context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { DecisionHandle, markFailed, PendingDecision, payload } from './decision.ts';
import type { ResolvedOptions } from './options.ts';
import type { ReportingExporter } from './reporting-exporter.ts';
import { type QueuedVerdict, settlesWithin, type VerdictQueue } from './verdict-queue.ts';

export interface DecisionSpec {
  /** business decision kind: refund, change_address, ... */
  type: string;
  /** stable id to join verdicts on; default: the decision span's id */
  id?: string;
  /** slice dimensions (language, segment, region, ...): metrics and alerts are computed per slice */
  slices?: Record<string, string | number | boolean>;
  /** what the model was asked; strings are kept as they are, anything else as JSON; cut to maxPayloadBytes */
  input?: unknown;
  /**
   * what else the model saw besides the input (customer tier, retrieved policy, ...), so a replay
   * can give a candidate the same; kept like input: strings as they are, anything else as JSON
   */
  context?: unknown;
  /** gen_ai.request.model */
  model?: string;
  modelVersion?: string;
}

export type Feedback = 'thumbs_down' | 'thumbs_up' | 'retry';

export interface FeedbackOptions {
  /** the decision's trace id (d.traceId), when known */
  traceId?: string;
  comment?: string;
}

export interface Review {
  reviewerId: string;
  seniority: 'senior' | 'junior';
  /** the reviewer's label; one that differs from the model's label is an override */
  label: string;
  rationale?: string;
  traceId?: string;
}

export const SDK_SCOPE = '@livegrade/sdk';

/** What init() wires together for a Livegrade. */
export interface LivegradeParts {
  tracer: Tracer;
  /** passes decision traces to the exporter; in the app's provider when init() was given one */
  processor: SpanProcessor;
  exporter: ReportingExporter;
  verdicts: VerdictQueue;
  /**
   * the Kafka producer spans and verdicts share, when exporting to Kafka; closed last on shutdown.
   * Only close() is named so the published types stay free of the bus's Node-only message types.
   */
  producer?: { close(): Promise<void> } | undefined;
  /** livegrade's own tracer provider, absent when the app's is used */
  provider?: TracerProvider | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** even past the deadline, a flush that is already done gets to say so */
const GRACE_MS = 100;

/** What init() returns. */
export class Livegrade {
  /** the tracer decisions are recorded with; spans you start with it inside decide() are the decision's children */
  readonly tracer: Tracer;
  /**
   * The span processor that sends decision traces to livegrade. With init({ tracerProvider }),
   * add it to the app's provider, e.g. `new NodeSDK({ spanProcessors: [lg.spanProcessor, ...] })`.
   */
  readonly spanProcessor: SpanProcessor;
  private readonly exporter: ReportingExporter;
  private readonly verdicts: VerdictQueue;
  private readonly producer: LivegradeParts['producer'];
  private readonly provider: TracerProvider | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    parts: LivegradeParts,
  ) {
    this.tracer = parts.tracer;
    this.spanProcessor = parts.processor;
    this.exporter = parts.exporter;
    this.verdicts = parts.verdicts;
    this.producer = parts.producer;
    this.provider = parts.provider;
  }

  /**
   * Runs fn inside a decision span, active so the spans fn starts nest under
   * it. The span ends when fn settles; a throw marks the decision as an error
   * and is rethrown. Returns fn's result; `d.id` is the decision id.
   */
  decide<T>(spec: DecisionSpec, fn: (d: DecisionHandle) => Promise<T> | T): Promise<T> {
    return this.tracer.startActiveSpan(
      `decision ${spec.type}`,
      { kind: SpanKind.INTERNAL, attributes: this.startAttributes(spec) },
      async (span) => {
        const sc = span.spanContext();
        const id = this.decisionId(span, spec, sc.spanId);
        try {
          return await fn(new DecisionHandle(span, id, sc.traceId, this.options.maxPayloadBytes));
        } catch (err) {
          markFailed(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  /**
   * For code that cannot wrap the decision in a callback: record on the
   * handle, then call end(error?). The span is not made active; run work
   * under `context.with(d.context, ...)` to nest its spans.
   */
  startDecision(spec: DecisionSpec): PendingDecision {
    const span = this.tracer.startSpan(`decision ${spec.type}`, {
      kind: SpanKind.INTERNAL,
      attributes: this.startAttributes(spec),
    });
    const sc = span.spanContext();
    const id = this.decisionId(span, spec, sc.spanId);
    const ctx = trace.setSpan(context.active(), span);
    return new PendingDecision(span, id, sc.traceId, this.options.maxPayloadBytes, ctx);
  }

  /**
   * User feedback on a decision. Validates at once (throws a TypeError naming
   * the bad field), then returns; it is sent in the background. Returns the
   * verdict's id.
   */
  feedback(decisionId: string, value: Feedback, opts: FeedbackOptions = {}): string {
    return this.enqueue({
      kind: 'feedback',
      decision_id: decisionId,
      value,
      trace_id: opts.traceId,
      comment: opts.comment,
    });
  }

  /** A reviewer's label for a decision. Validated at once, sent in the background; returns the verdict's id. */
  review(decisionId: string, r: Review): string {
    return this.enqueue({
      kind: 'review',
      decision_id: decisionId,
      reviewer_id: r?.reviewerId,
      seniority: r?.seniority,
      label: r?.label,
      rationale: r?.rationale,
      trace_id: r?.traceId,
    });
  }

  /**
   * Sends every span and verdict recorded so far and waits for it, at most
   * timeoutMs (default 10 s). Delivery failures and a timeout go to onError;
   * flush itself does not reject.
   */
  async flush(opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    if (!(await this.verdicts.flush(timeoutMs))) {
      this.options.onError(new Error(`flush: verdicts still unsent after ${timeoutMs} ms; sending goes on`));
    }
    const spans = this.spanProcessor.forceFlush().catch((err: unknown) => this.exporter.absorb(err));
    if (!(await settlesWithin(spans, Math.max(deadline - Date.now(), GRACE_MS)))) {
      this.options.onError(new Error(`flush: spans still unsent after ${timeoutMs} ms; sending goes on`));
    }
  }

  /**
   * Flushes, then releases connections; call it before the process exits.
   * Whatever is not sent within timeoutMs (default 10 s) is reported to
   * onError as dropped, so an unreachable destination cannot hold the exit.
   * Later calls wait for the first.
   */
  shutdown(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.shuttingDown ??= this.close(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return this.shuttingDown;
  }

  private async close(timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    // verdicts and spans before the producer: in Kafka mode they share it
    if (!(await this.verdicts.flush(timeoutMs))) {
      this.verdicts.abandon(`not sent within the shutdown timeout of ${timeoutMs} ms`);
    }
    // our own provider shuts our processor down with it; in the app's provider the processor goes alone,
    // and the app's later shutdown finds it already done
    const spans = (this.provider ?? this.spanProcessor).shutdown().then(
      () => true,
      async (err: unknown) => {
        this.exporter.absorb(err);
        // a failed final flush skips the exporter's shutdown; its connections must still close
        await this.exporter.shutdown().catch(() => {});
        return true;
      },
    );
    if (!(await settlesWithin(spans, Math.max(deadline - Date.now(), GRACE_MS)))) {
      this.options.onError(new Error(`spans not confirmed sent within the shutdown timeout of ${timeoutMs} ms`));
    }
    // closing waits for a connect still under way; nothing is lost by not waiting past the deadline
    if (this.producer) await settlesWithin(this.producer.close(), Math.max(deadline - Date.now(), GRACE_MS));
  }

  private startAttributes(spec: DecisionSpec): Attributes {
    const a: Attributes = { [Attr.decisionType]: spec.type };
    const slices = spec.slices;
    if (slices) for (const k in slices) a[Attr.slicePrefix + k] = slices[k];
    if (spec.id !== undefined) a[Attr.decisionId] = spec.id;
    if (spec.input !== undefined) a[Attr.input] = payload(spec.input, this.options.maxPayloadBytes);
    if (spec.context !== undefined) a[Attr.context] = payload(spec.context, this.options.maxPayloadBytes);
    if (spec.model) a[Attr.genAiModel] = spec.model;
    if (spec.modelVersion) a[Attr.modelVersion] = spec.modelVersion;
    return a;
  }

  /** The span id only exists once the span does, so the default id is set after start. */
  private decisionId(span: Span, spec: DecisionSpec, spanId: string): string {
    if (spec.id !== undefined) return spec.id;
    span.setAttribute(Attr.decisionId, spanId);
    return spanId;
  }

  private enqueue(event: Record<string, unknown>): string {
    const fields: Record<string, unknown> = { id: randomUUID(), ts: Date.now() };
    for (const k in event) if (event[k] !== undefined) fields[k] = event[k];
    const parsed = parseVerdict(fields);
    if (!parsed.ok) throw new TypeError(`livegrade: invalid ${String(event.kind)}: ${parsed.error}`);
    const verdict = parsed.value as QueuedVerdict;
    if (this.shuttingDown) {
      // a request still in flight during shutdown must not fail because of it
      this.options.onError(new Error(`dropped ${verdict.kind} for decision ${verdict.decision_id}: after shutdown()`));
    } else {
      this.verdicts.push(verdict);
    }
    return verdict.id;
  }
}
