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
    sample.reason,
    sample.weight,
  ];
}

/** decisions row as inserted: DateTime64(3) takes integer milliseconds. */
export function decisionInsertRow(d: DecisionRow) {
  return { ...d, ts: Math.round(d.ts) };
}
