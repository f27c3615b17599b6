import { Attr } from '@livegrade/core';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** traces holding a decision whose local root has not ended yet; beyond this the oldest is forgotten */
const DEFAULT_MAX_OPEN_TRACES = 10_000;

/**
 * Passes on to livegrade only the traces that hold a decision, so it can sit
 * in an app's own tracer provider (NodeSDK's) next to the app's exporters
 * without sending livegrade every health check and database call.
 *
 * A trace is followed from the moment a decision span starts in it until its
 * local root span (the incoming request's span) ends: the decision, its
 * children, and the request span that encloses it are sent, so the sampler
 * sees the trace's root and decides it on time. Spans of the same trace that
 * ended before the decision started are not sent; livegrade never needs them.
 * A span that only gets `livegrade.decision.type` after it started is sent
 * too, alone if nothing else marked its trace. A decision started after its
 * request span ended (background work) has no local root left to end: its
 * trace stays followed until newer ones push it out of maxOpenTraces.
 */
export class DecisionTraceProcessor implements SpanProcessor {
  private readonly open = new Set<string>();
  private shutdownOnce: Promise<void> | undefined;

  constructor(
    private readonly next: SpanProcessor,
    private readonly maxOpenTraces = DEFAULT_MAX_OPEN_TRACES,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    const traceId = span.spanContext().traceId;
    if (span.attributes[Attr.decisionType] !== undefined && !this.open.has(traceId)) {
      // a root that never ends (a crashed request) must not hold memory forever: the oldest goes first
      if (this.open.size >= this.maxOpenTraces) this.open.delete(this.open.values().next().value as string);
      this.open.add(traceId);
    }
    if (this.open.has(traceId)) this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    if (this.open.has(traceId) || span.attributes[Attr.decisionType] !== undefined) this.next.onEnd(span);
    if (isLocalRoot(span)) this.open.delete(traceId);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  /** Idempotent: both the app's provider and Livegrade.shutdown() may call it. */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.next.shutdown().finally(() => this.open.clear());
    return this.shutdownOnce;
  }
}

/** The first span of the trace in this process: no parent, or a parent in another process. */
function isLocalRoot(span: ReadableSpan): boolean {
  return span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
}
