import { Attr, truncatePayload } from '@livegrade/core';
import { type Context, type Span, SpanStatusCode } from '@opentelemetry/api';

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** What the model did, recorded on the decision span from inside decide(). */
export class DecisionHandle {
  constructor(
    protected readonly span: Span,
    /** the decision id: the join key for feedback and reviews */
    readonly id: string,
    /** the trace the decision belongs to; pass it with feedback/review to speed up late joins */
    readonly traceId: string,
    private readonly maxPayloadBytes: number,
  ) {}

  /** what the model decided (categorical): compared with reviewers' labels */
  label(label: string): this {
    this.span.setAttribute(Attr.decisionLabel, label);
    return this;
  }

  /** model confidence or grader score, within 0..1 */
  score(score: number): this {
    if (!(score >= 0 && score <= 1)) {
      throw new RangeError(`livegrade: decision score must be a number within 0..1, got ${String(score)}`);
    }
    this.span.setAttribute(Attr.decisionScore, score);
    return this;
  }

  /** the model's answer; cut to maxPayloadBytes with a marker */
  output(output: unknown): this {
    this.span.setAttribute(Attr.output, payload(output, this.maxPayloadBytes));
    return this;
  }

  modelVersion(version: string): this {
    this.span.setAttribute(Attr.modelVersion, version);
    return this;
  }

  /** the answer came from a fallback path, not the model */
  fallback(): this {
    this.span.setAttribute(Attr.fallback, true);
    return this;
  }

  /** the model was called more than once for this decision */
  retried(): this {
    this.span.setAttribute(Attr.retried, true);
    return this;
  }

  /** a guardrail intervened; name it if there are several */
  guardrail(name?: string): this {
    this.span.setAttribute(Attr.guardrail, name ?? true);
    return this;
  }

  usage(u: { inputTokens?: number; outputTokens?: number }): this {
    if (u.inputTokens !== undefined) this.span.setAttribute(Attr.genAiInputTokens, u.inputTokens);
    if (u.outputTokens !== undefined) this.span.setAttribute(Attr.genAiOutputTokens, u.outputTokens);
    return this;
  }

  attribute(key: string, value: AttributeValue): this {
    this.span.setAttribute(key, value);
    return this;
  }
}

/** A decision begun with startDecision(): the caller ends it. */
export class PendingDecision extends DecisionHandle {
  private ended = false;

  constructor(
    span: Span,
    id: string,
    traceId: string,
    maxPayloadBytes: number,
    /** the context with this decision as the active span: `context.with(d.context, fn)` nests fn's spans under it */
    readonly context: Context,
  ) {
    super(span, id, traceId, maxPayloadBytes);
  }

  /** Ends the decision; an error marks it failed. Later calls do nothing. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) markFailed(this.span, error);
    this.span.end();
  }
}

/** Strings pass as they are, without a byte count when they are short; anything else is JSON. */
export function payload(value: unknown, maxBytes: number): string {
  const text = typeof value === 'string' ? value : (safeStringify(value) ?? String(value));
  // a UTF-16 unit is 1 to 3 UTF-8 bytes: short strings cannot be over the limit, and a long one is
  // cut within its first maxBytes units, so a multi-megabyte prompt is never copied whole
  if (text.length * 3 <= maxBytes) return text;
  return truncatePayload(text.length > maxBytes ? text.slice(0, maxBytes + 1) : text, maxBytes);
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // circular structures and BigInts: a payload must never fail the decision
    return undefined;
  }
}

export function markFailed(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}
