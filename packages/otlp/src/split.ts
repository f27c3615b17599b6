import protobuf from 'protobufjs/minimal.js';
import { decodeTraces } from './decode.ts';
import { encodeTraces } from './encode.ts';
import { detectFormat, OtlpDecodeError, type OtlpFormat } from './errors.ts';
import { toHex } from './hex.ts';
import { F, tag, WT } from './wire.ts';

const { Reader, Writer } = protobuf;
type Reader = protobuf.Reader;

export interface TracePayload {
  traceId: string;
  /** an ExportTraceServiceRequest (protobuf) holding only this trace's spans */
  payload: Uint8Array;
  spanCount: number;
}

interface Scope {
  scope: Uint8Array | undefined;
  schemaUrl: string;
  spans: Uint8Array[];
}

interface Resource {
  resource: Uint8Array | undefined;
  schemaUrl: string;
  scopes: Map<number, Scope>;
}

/**
 * One request per trace id, so each can be its own Kafka message keyed by
 * trace id. Protobuf input is checked by decoding it as the sampler will,
 * then regrouped by copying the encoded resource, scope and span bytes.
 */
export function splitByTrace(payload: Uint8Array, format: OtlpFormat = detectFormat(payload)): TracePayload[] {
  if (format === 'json') {
    const byTrace = new Map<string, ReturnType<typeof decodeTraces>>();
    for (const s of decodeTraces(payload, 'json')) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    return [...byTrace].map(([traceId, spans]) => ({ traceId, payload: encodeTraces(spans), spanCount: spans.length }));
  }
  // Regrouping copies bytes it does not look into; decoding first refuses here, with a 400 the
  // client sees, what the sampler would otherwise dead-letter after the client was told 200.
  decodeTraces(payload, 'protobuf');
  return [...protobufByTrace(payload)].map(([traceId, t]) => ({ traceId, payload: t.payload, spanCount: t.spanCount }));
}

/**
 * A protobuf ExportTraceServiceRequest regrouped per trace id, by copying the
 * encoded resource, scope and span bytes (nothing is decoded but each span's
 * trace id). For callers that decoded the payload already (the sampler).
 */
export function protobufByTrace(payload: Uint8Array): Map<string, { payload: Uint8Array; spanCount: number }> {
  let traces: Map<string, Map<number, Resource>>;
  try {
    traces = regroup(Reader.create(payload));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`not an OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`);
  }
  const out = new Map<string, { payload: Uint8Array; spanCount: number }>();
  for (const [traceId, resources] of traces) {
    const w = Writer.create();
    let spanCount = 0;
    for (const r of resources.values()) {
      w.uint32(tag(F.request.resourceSpans, WT.ldelim)).fork();
      if (r.resource) w.uint32(tag(F.resourceSpans.resource, WT.ldelim)).bytes(r.resource);
      for (const s of r.scopes.values()) {
        w.uint32(tag(F.resourceSpans.scopeSpans, WT.ldelim)).fork();
        if (s.scope) w.uint32(tag(F.scopeSpans.scope, WT.ldelim)).bytes(s.scope);
        for (const span of s.spans) w.uint32(tag(F.scopeSpans.spans, WT.ldelim)).bytes(span);
        if (s.schemaUrl) w.uint32(tag(F.scopeSpans.schemaUrl, WT.ldelim)).string(s.schemaUrl);
        w.ldelim();
        spanCount += s.spans.length;
      }
      if (r.schemaUrl) w.uint32(tag(F.resourceSpans.schemaUrl, WT.ldelim)).string(r.schemaUrl);
      w.ldelim();
    }
    out.set(traceId, { payload: w.finish(), spanCount });
  }
  return out;
}

function regroup(r: Reader): Map<string, Map<number, Resource>> {
  const traces = new Map<string, Map<number, Resource>>();
  let resourceIndex = 0;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 !== F.request.resourceSpans || (t & 7) !== WT.ldelim) {
      r.skipType(t & 7);
      continue;
    }
    const ri = resourceIndex++;
    const end = r.uint32() + r.pos;
    let resource: Uint8Array | undefined;
    let schemaUrl = '';
    const spansOf: Array<{ scopeIndex: number; scope: Scope; traceId: string; span: Uint8Array }> = [];
    let scopeIndex = 0;
    while (r.pos < end) {
      const rt = r.uint32();
      const field = rt >>> 3;
      if (field === F.resourceSpans.resource && (rt & 7) === WT.ldelim) resource = r.bytes();
      else if (field === F.resourceSpans.schemaUrl && (rt & 7) === WT.ldelim) schemaUrl = r.string();
      else if (field === F.resourceSpans.scopeSpans && (rt & 7) === WT.ldelim) {
        const si = scopeIndex++;
        const scope: Scope = { scope: undefined, schemaUrl: '', spans: [] };
        const stop = r.uint32() + r.pos;
        while (r.pos < stop) {
          const st = r.uint32();
          const sf = st >>> 3;
          if (sf === F.scopeSpans.scope && (st & 7) === WT.ldelim) scope.scope = r.bytes();
          else if (sf === F.scopeSpans.schemaUrl && (st & 7) === WT.ldelim) scope.schemaUrl = r.string();
          else if (sf === F.scopeSpans.spans && (st & 7) === WT.ldelim) {
            const span = r.bytes();
            spansOf.push({
              scopeIndex: si,
              scope,
              traceId: traceIdOf(span, `resourceSpans[${ri}].scopeSpans[${si}]`),
              span,
            });
          } else r.skipType(st & 7);
        }
      } else r.skipType(rt & 7);
    }
    for (const s of spansOf) {
      let resources = traces.get(s.traceId);
      if (!resources) {
        resources = new Map();
        traces.set(s.traceId, resources);
      }
      let res = resources.get(ri);
      if (!res) {
        res = { resource, schemaUrl, scopes: new Map() };
        resources.set(ri, res);
      }
      let scope = res.scopes.get(s.scopeIndex);
      if (!scope) {
        scope = { scope: s.scope.scope, schemaUrl: s.scope.schemaUrl, spans: [] };
        res.scopes.set(s.scopeIndex, scope);
      }
      scope.spans.push(s.span);
    }
  }
  return traces;
}

function traceIdOf(span: Uint8Array, where: string): string {
  const r = Reader.create(span);
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 === F.span.traceId && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      if (len !== 16) throw new OtlpDecodeError(`traceId must be 16 bytes, got ${len} (${where})`);
      return toHex(r.buf, r.pos, r.pos + len);
    }
    r.skipType(t & 7);
  }
  throw new OtlpDecodeError(`span has no traceId (${where})`);
}
