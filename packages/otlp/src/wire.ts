/**
 * Field numbers of the OTLP trace protos (opentelemetry-proto v1, stable):
 * collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto.
 *
 * livegrade reads and writes OTLP at the wire level with protobufjs' Reader
 * and Writer instead of through generated message classes: the sampler's
 * throughput target leaves no room for an intermediate object graph per span,
 * and the gateway can regroup spans by trace by copying their bytes.
 */
export const F = {
  request: { resourceSpans: 1 },
  resourceSpans: { resource: 1, scopeSpans: 2, schemaUrl: 3 },
  resource: { attributes: 1 },
  scopeSpans: { scope: 1, spans: 2, schemaUrl: 3 },
  scope: { name: 1, version: 2, attributes: 3 },
  span: {
    traceId: 1,
    spanId: 2,
    traceState: 3,
    parentSpanId: 4,
    name: 5,
    kind: 6,
    startTimeUnixNano: 7,
    endTimeUnixNano: 8,
    attributes: 9,
    droppedAttributesCount: 10,
    events: 11,
    droppedEventsCount: 12,
    links: 13,
    droppedLinksCount: 14,
    status: 15,
    flags: 16,
  },
  event: { timeUnixNano: 1, name: 2, attributes: 3 },
  status: { message: 2, code: 3 },
  keyValue: { key: 1, value: 2 },
  anyValue: { string: 1, bool: 2, int: 3, double: 4, array: 5, kvlist: 6, bytes: 7 },
  arrayValue: { values: 1 },
  keyValueList: { values: 1 },
} as const;

/** protobuf wire types */
export const WT = { varint: 0, fixed64: 1, ldelim: 2, fixed32: 5 } as const;

export function tag(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}
