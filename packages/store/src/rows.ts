import type { DecisionRow, FlatSpan } from '@livegrade/core';

/**
 * Column order of span rows as inserted into recent_spans (JSONCompactEachRow:
 * one array per row, so the column names are not repeated in every row).
 * Attributes and events go in as JSON objects and are stored as their text
 * (input_format_json_read_objects_as_strings); sampled_spans turns them into
 * Maps for the kept spans only.
 */
export const SPAN_COLUMNS = [
  'ts',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'duration_ms',
  'status_code',
  'status_message',
  'service',
  'scope',
  'decision_id',
  'decision_type',
  'attributes',
  'resource_attributes',
  'events',
  'sample_reason',
  'sample_weight',
] as const;

export type SpanRow = unknown[];

export interface DecisionRef {
  decisionId: string;
  decisionType: string;
}

/** The trace's sampling outcome; reason '' means the trace was not kept. */
export interface SpanSample {
  reason: string;
  weight: number;
}

export const NOT_KEPT: SpanSample = { reason: '', weight: 0 };

export function toSpanRow(span: FlatSpan, decision: DecisionRef | undefined, sample: SpanSample): SpanRow {
  const row = spanFields(span, decision);
  row.push(sample.reason, sample.weight);
  return row;
}

/** Every column of a span's row but its trace's sampling outcome (the last two). */
function spanFields(span: FlatSpan, decision: DecisionRef | undefined): unknown[] {
  return [
    Math.round(span.startMs * 1000), // DateTime64(6) ticks
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.name,
    span.kind,
    Math.max(0, span.endMs - span.startMs),
    span.statusCode,
    span.statusMessage,
    span.serviceName,
    span.scopeName,
    decision?.decisionId ?? '',
    decision?.decisionType ?? '',
    span.attributes,
    span.resourceAttributes,
    span.events,
  ];
}

/**
 * A span encoded once, as its recent_spans row (JSONCompactEachRow) without
 * the closing sample columns: the sampler buffers this text, not the decoded
 * span, and completes it when the trace is decided (completeSpanRow).
 */
export function encodeSpanRow(span: FlatSpan, decision: DecisionRef | undefined): string {
  const text = JSON.stringify(spanFields(span, decision));
  return text.slice(0, -1);
}

export function completeSpanRow(encoded: string, sample: SpanSample): string {
  return `${encoded},${JSON.stringify(sample.reason)},${sample.weight}]\n`;
}

/** A decision's row (JSONEachRow) without its sampling outcome; completed by completeDecisionRow. */
export function encodeDecisionRow(d: DecisionRow): string {
  const { sampled: _s, sample_reason: _r, sample_weight: _w, ...rest } = d;
  const text = JSON.stringify({ ...rest, ts: Math.round(d.ts) });
  return text.slice(0, -1);
}

export function completeDecisionRow(encoded: string, sample: SpanSample): string {
  return `${encoded},"sampled":${sample.reason !== ''},"sample_reason":${JSON.stringify(sample.reason)},"sample_weight":${sample.weight}}\n`;
}

/** decisions row as inserted: DateTime64(3) takes integer milliseconds. */
export function decisionInsertRow(d: DecisionRow) {
  return { ...d, ts: Math.round(d.ts) };
}
