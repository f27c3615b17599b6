import { Attr } from './conventions.ts';
import { type AttrValue, type FlatSpan, SpanStatus } from './span.ts';

/** One slim row per decision: the whole traffic, kept or not (table `decisions`). */
export interface DecisionRow {
  ts: number;
  service: string;
  trace_id: string;
  span_id: string;
  decision_id: string;
  decision_type: string;
  label: string;
  score: number | null;
  model: string;
  model_version: string;
  slices: Record<string, string>;
  is_error: boolean;
  fallback: boolean;
  retried: boolean;
  guardrail: boolean;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  sampled: boolean;
  sample_reason: string;
  sample_weight: number;
}

/**
 * A decision as the regression bank and eval sets name it: identity, time,
 * slice and what the model said (bank occurrences and eval candidates add
 * what a human said).
 */
export interface DecisionFacts {
  decision_id: string;
  trace_id: string;
  /** decision time, epoch ms */
  ts: number;
  decision_type: string;
  /** the sampler's slice key of the decision (sliceKey over the slice dimensions in use) */
  slice: string;
  /** slice dimensions as the decision carried them (livegrade.slice.*) */
  slices: Record<string, string>;
  model_version: string;
  /** what the model decided */
  model_label: string;
}

export interface SampleDecision {
  sampled: boolean;
  reason: string;
  weight: number;
}

export const KEEP_ALL: SampleDecision = { sampled: true, reason: 'all', weight: 1 };

export function isDecisionSpan(span: FlatSpan): boolean {
  const t = span.attributes[Attr.decisionType];
  return typeof t === 'string' && t.length > 0;
}

function str(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

function num(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function flag(v: AttrValue | undefined): boolean {
  return v === true || v === 'true' || v === 1;
}

/** How outcome flags and scores are read, shared with the sampler's TraceFacts. */
export { flag as attrFlag, num as attrNumber };

export function slicesOf(span: FlatSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in span.attributes) {
    if (key.startsWith(Attr.slicePrefix)) {
      out[key.slice(Attr.slicePrefix.length)] = str(span.attributes[key]);
    }
  }
  return out;
}

/** Maps a decision span to its `decisions` row. Call only when isDecisionSpan(span). */
export function toDecisionRow(span: FlatSpan, sample: SampleDecision = KEEP_ALL): DecisionRow {
  const a = span.attributes;
  const score = num(a[Attr.decisionScore]);
  return {
    ts: span.startMs,
    service: span.serviceName,
    trace_id: span.traceId,
    span_id: span.spanId,
    decision_id: str(a[Attr.decisionId]) || span.spanId,
    decision_type: str(a[Attr.decisionType]),
    label: str(a[Attr.decisionLabel]),
    score,
    model: str(a[Attr.genAiModel]),
    model_version: str(a[Attr.modelVersion]),
    slices: slicesOf(span),
    is_error: span.statusCode === SpanStatus.ERROR,
    fallback: flag(a[Attr.fallback]),
    retried: flag(a[Attr.retried]),
    guardrail: flag(a[Attr.guardrail]),
    latency_ms: Math.max(0, span.endMs - span.startMs),
    input_tokens: num(a[Attr.genAiInputTokens]) ?? 0,
    output_tokens: num(a[Attr.genAiOutputTokens]) ?? 0,
    sampled: sample.sampled,
    sample_reason: sample.reason,
    sample_weight: sample.weight,
  };
}
