/**
 * The pipeline's internal view of one OTLP span, flattened: resource and scope
 * are folded in, ids are lowercase hex, times are float milliseconds since the
 * epoch. Float ms keeps ~0.2 µs precision for present-day times, which is
 * finer than any latency we report, and avoids BigInt on the hot path.
 */
export type AttrValue = string | number | boolean | null | AttrValue[];

export type Attributes = Record<string, AttrValue>;

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

export const SpanStatus = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface FlatSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind enum value (0 unspecified … 5 consumer) */
  kind: number;
  startMs: number;
  endMs: number;
  /** OTLP status code: 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage: string;
  serviceName: string;
  scopeName: string;
  attributes: Attributes;
  resourceAttributes: Attributes;
  events: SpanEvent[];
}
