import { Attr, truncatePayload } from '@livegrade/core';
import type { Span } from '@opentelemetry/api';

/** What the model did, recorded on the decision span from inside decide(). */
export class DecisionHandle {
  constructor(
    private readonly span: Span,
    /** the decision id: the join key for feedback and reviews */
    readonly id: string,
    readonly traceId: string,
    private readonly maxPayloadBytes: number,
  ) {}

  label(label: string): this {
    this.span.setAttribute(Attr.decisionLabel, label);
    return this;
  }

  score(score: number): this {
    if (!(score >= 0 && score <= 1)) throw new RangeError(`livegrade: score must be within 0..1, got ${score}`);
    this.span.setAttribute(Attr.decisionScore, score);
    return this;
  }

  output(output: unknown): this {
    this.span.setAttribute(Attr.output, payload(output, this.maxPayloadBytes));
    return this;
  }

  modelVersion(version: string): this {
    this.span.setAttribute(Attr.modelVersion, version);
    return this;
  }

  fallback(): this {
    this.span.setAttribute(Attr.fallback, true);
    return this;
  }

  retried(): this {
    this.span.setAttribute(Attr.retried, true);
    return this;
  }

  guardrail(name?: string): this {
    this.span.setAttribute(Attr.guardrail, name ?? true);
    return this;
  }

  usage(u: { inputTokens?: number; outputTokens?: number }): this {
    if (u.inputTokens !== undefined) this.span.setAttribute(Attr.genAiInputTokens, u.inputTokens);
    if (u.outputTokens !== undefined) this.span.setAttribute(Attr.genAiOutputTokens, u.outputTokens);
    return this;
  }

  attribute(key: string, value: string | number | boolean): this {
    this.span.setAttribute(key, value);
    return this;
  }
}

/** Strings pass as they are (cheap length check first); anything else is JSON. */
export function payload(value: unknown, maxBytes: number): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  // a UTF-8 character is at most 3 bytes per UTF-16 unit: short strings need no byte count
  return text.length * 3 <= maxBytes ? text : truncatePayload(text, maxBytes);
}
