import type { Attributes, AttrValue, DecisionRow, FlatSpan } from '@livegrade/core';

/** Row shape of recent_spans / sampled_spans (see schemas/clickhouse/0002_spans.sql). */
export interface SpanRow {
  /** DateTime64(6) ticks: microseconds since the epoch */
  ts: number;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: number;
  duration_ms: number;
  status_code: number;
  status_message: string;
  service: string;
  scope: string;
  decision_id: string;
  decision_type: string;
  attributes: Record<string, string>;
  resource_attributes: Record<string, string>;
  events: string;
  sample_reason?: string;
  sample_weight?: number;
}

function text(v: AttrValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function stringMap(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attrs) out[k] = text(attrs[k] as AttrValue);
  return out;
}

export function toSpanRow(
  span: FlatSpan,
  decision?: { decisionId: string; decisionType: string },
  sample?: { reason: string; weight: number },
): SpanRow {
  const row: SpanRow = {
    ts: Math.round(span.startMs * 1000),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    duration_ms: Math.max(0, span.endMs - span.startMs),
    status_code: span.statusCode,
    status_message: span.statusMessage,
    service: span.serviceName,
    scope: span.scopeName,
    decision_id: decision?.decisionId ?? '',
    decision_type: decision?.decisionType ?? '',
    attributes: stringMap(span.attributes),
    resource_attributes: stringMap(span.resourceAttributes),
    events: span.events.length === 0 ? '[]' : JSON.stringify(span.events),
  };
  if (sample) {
    row.sample_reason = sample.reason;
    row.sample_weight = sample.weight;
  }
  return row;
}

/** decisions row as inserted: DateTime64(3) takes integer milliseconds. */
export function decisionInsertRow(d: DecisionRow) {
  return { ...d, ts: Math.round(d.ts) };
}
