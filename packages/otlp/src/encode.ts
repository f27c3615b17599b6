import type { Attributes, AttrValue, FlatSpan } from '@livegrade/core';
import protobuf from 'protobufjs/minimal.js';
import { fromHex } from './hex.ts';
import { F, tag, WT } from './wire.ts';

const { Writer } = protobuf;
type Writer = protobuf.Writer;

/** Spans grouped the way OTLP nests them: resource → scope → spans. */
export function groupByResourceAndScope(spans: FlatSpan[]) {
  const resources = new Map<string, { attributes: Attributes; scopes: Map<string, FlatSpan[]> }>();
  for (const s of spans) {
    const rkey = JSON.stringify(s.resourceAttributes);
    let r = resources.get(rkey);
    if (!r) {
      r = { attributes: s.resourceAttributes, scopes: new Map() };
      resources.set(rkey, r);
    }
    const list = r.scopes.get(s.scopeName);
    if (list) list.push(s);
    else r.scopes.set(s.scopeName, [s]);
  }
  return resources;
}

/** Flat spans → OTLP ExportTraceServiceRequest protobuf (tests, load generation, benchmarks). */
export function encodeTraces(spans: FlatSpan[]): Uint8Array {
  const w = Writer.create();
  for (const r of groupByResourceAndScope(spans).values()) {
    w.uint32(tag(F.request.resourceSpans, WT.ldelim)).fork();
    w.uint32(tag(F.resourceSpans.resource, WT.ldelim)).fork();
    writeAttributes(w, F.resource.attributes, r.attributes);
    w.ldelim();
    for (const [scopeName, list] of r.scopes) {
      w.uint32(tag(F.resourceSpans.scopeSpans, WT.ldelim)).fork();
      w.uint32(tag(F.scopeSpans.scope, WT.ldelim)).fork();
      if (scopeName) w.uint32(tag(F.scope.name, WT.ldelim)).string(scopeName);
      w.ldelim();
      for (const s of list) writeSpan(w, s);
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

function writeNanos(w: Writer, field: number, ms: number) {
  const ns = BigInt(Math.round(ms * 1e6));
  w.uint32(tag(field, WT.fixed64));
  w.fixed32(Number(ns & 0xffffffffn));
  w.fixed32(Number(ns >> 32n));
}

function writeSpan(w: Writer, s: FlatSpan) {
  const S = F.span;
  w.uint32(tag(F.scopeSpans.spans, WT.ldelim)).fork();
  w.uint32(tag(S.traceId, WT.ldelim)).bytes(fromHex(s.traceId));
  w.uint32(tag(S.spanId, WT.ldelim)).bytes(fromHex(s.spanId));
  if (s.parentSpanId) w.uint32(tag(S.parentSpanId, WT.ldelim)).bytes(fromHex(s.parentSpanId));
  w.uint32(tag(S.name, WT.ldelim)).string(s.name);
  if (s.kind) w.uint32(tag(S.kind, WT.varint)).int32(s.kind);
  writeNanos(w, S.startTimeUnixNano, s.startMs);
  writeNanos(w, S.endTimeUnixNano, s.endMs);
  writeAttributes(w, S.attributes, s.attributes);
  for (const e of s.events) {
    w.uint32(tag(S.events, WT.ldelim)).fork();
    writeNanos(w, F.event.timeUnixNano, e.timeMs);
    w.uint32(tag(F.event.name, WT.ldelim)).string(e.name);
    writeAttributes(w, F.event.attributes, e.attributes);
    w.ldelim();
  }
  if (s.statusCode || s.statusMessage) {
    w.uint32(tag(S.status, WT.ldelim)).fork();
    if (s.statusMessage) w.uint32(tag(F.status.message, WT.ldelim)).string(s.statusMessage);
    if (s.statusCode) w.uint32(tag(F.status.code, WT.varint)).int32(s.statusCode);
    w.ldelim();
  }
  w.ldelim();
}

function writeAttributes(w: Writer, field: number, attrs: Attributes) {
  for (const key in attrs) {
    w.uint32(tag(field, WT.ldelim)).fork();
    w.uint32(tag(F.keyValue.key, WT.ldelim)).string(key);
    w.uint32(tag(F.keyValue.value, WT.ldelim)).fork();
    writeAnyValue(w, attrs[key] as AttrValue);
    w.ldelim();
    w.ldelim();
  }
}

function writeAnyValue(w: Writer, v: AttrValue) {
  const A = F.anyValue;
  if (v === null) return;
  if (typeof v === 'string') w.uint32(tag(A.string, WT.ldelim)).string(v);
  else if (typeof v === 'boolean') w.uint32(tag(A.bool, WT.varint)).bool(v);
  else if (typeof v === 'number') {
    if (Number.isInteger(v)) w.uint32(tag(A.int, WT.varint)).int64(v);
    else w.uint32(tag(A.double, WT.fixed64)).double(v);
  } else {
    w.uint32(tag(A.array, WT.ldelim)).fork();
    for (const item of v) {
      w.uint32(tag(F.arrayValue.values, WT.ldelim)).fork();
      writeAnyValue(w, item);
      w.ldelim();
    }
    w.ldelim();
  }
}

/** Flat spans → OTLP JSON, as the Collector's otlp_json marshaler writes it. */
export function encodeTracesJson(spans: FlatSpan[]): string {
  const nanos = (ms: number) => BigInt(Math.round(ms * 1e6)).toString();
  const anyValue = (v: AttrValue): unknown => {
    if (v === null) return {};
    if (typeof v === 'string') return { stringValue: v };
    if (typeof v === 'boolean') return { boolValue: v };
    if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    return { arrayValue: { values: v.map(anyValue) } };
  };
  const attrs = (a: Attributes) => Object.entries(a).map(([key, value]) => ({ key, value: anyValue(value) }));
  const resourceSpans = [...groupByResourceAndScope(spans).values()].map((r) => ({
    resource: { attributes: attrs(r.attributes) },
    scopeSpans: [...r.scopes].map(([name, list]) => ({
      scope: { name },
      spans: list.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: nanos(s.startMs),
        endTimeUnixNano: nanos(s.endMs),
        attributes: attrs(s.attributes),
        events: s.events.map((e) => ({ timeUnixNano: nanos(e.timeMs), name: e.name, attributes: attrs(e.attributes) })),
        status: {
          ...(s.statusMessage ? { message: s.statusMessage } : {}),
          ...(s.statusCode ? { code: s.statusCode } : {}),
        },
      })),
    })),
  }));
  return JSON.stringify({ resourceSpans });
}
