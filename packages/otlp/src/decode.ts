import type { Attributes, FlatSpan, SpanEvent } from '@livegrade/core';
import protobuf from 'protobufjs/minimal.js';
import {
  checkDepth,
  knownEnum,
  MAX_SPAN_KIND,
  MAX_STATUS_CODE,
  type RawValue,
  setKey,
  toAttrValue,
} from './any-value.ts';
import { detectFormat, OtlpDecodeError, type OtlpFormat } from './errors.ts';
import { toHex } from './hex.ts';
import { decodeJsonTraces } from './json.ts';
import { F, WT } from './wire.ts';

const { Reader } = protobuf;
type Reader = protobuf.Reader;

/** Decodes an OTLP ExportTraceServiceRequest (protobuf or OTLP JSON) into flat spans. */
export function decodeTraces(payload: Uint8Array, format: OtlpFormat = detectFormat(payload)): FlatSpan[] {
  if (format === 'json') return decodeJsonTraces(payload);
  try {
    return decodeRequest(Reader.create(payload));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`not an OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`);
  }
}

interface Context {
  serviceName: string;
  resourceAttributes: Attributes;
  scopeName: string;
}

function decodeRequest(r: Reader): FlatSpan[] {
  const out: FlatSpan[] = [];
  let index = 0;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 === F.request.resourceSpans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      decodeResourceSpans(r, r.pos + len, out, index++);
    } else r.skipType(t & 7);
  }
  return out;
}

function decodeResourceSpans(r: Reader, end: number, out: FlatSpan[], index: number) {
  const ctx: Context = { serviceName: '', resourceAttributes: {}, scopeName: '' };
  // the resource may follow the scope spans on the wire: collect spans first, then stamp them
  const first = out.length;
  let scopeIndex = 0;
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.resourceSpans.resource && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      const stop = r.pos + len;
      while (r.pos < stop) {
        const rt = r.uint32();
        if (rt >>> 3 === F.resource.attributes && (rt & 7) === WT.ldelim) decodeKeyValue(r, ctx.resourceAttributes);
        else r.skipType(rt & 7);
      }
    } else if (field === F.resourceSpans.scopeSpans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      decodeScopeSpans(r, r.pos + len, out, `resourceSpans[${index}].scopeSpans[${scopeIndex++}]`);
    } else r.skipType(t & 7);
  }
  const service = ctx.resourceAttributes['service.name'];
  const serviceName = typeof service === 'string' ? service : '';
  for (let i = first; i < out.length; i++) {
    const s = out[i] as FlatSpan;
    s.serviceName = serviceName;
    s.resourceAttributes = ctx.resourceAttributes;
  }
}

function decodeScopeSpans(r: Reader, end: number, out: FlatSpan[], where: string) {
  let scopeName = '';
  const first = out.length;
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.scopeSpans.scope && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      const stop = r.pos + len;
      while (r.pos < stop) {
        const st = r.uint32();
        if (st >>> 3 === F.scope.name && (st & 7) === WT.ldelim) scopeName = r.string();
        else r.skipType(st & 7);
      }
    } else if (field === F.scopeSpans.spans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      out.push(decodeSpan(r, r.pos + len, `${where}.spans[${out.length - first}]`));
    } else r.skipType(t & 7);
  }
  for (let i = first; i < out.length; i++) (out[i] as FlatSpan).scopeName = scopeName;
}

/** fixed64 nanoseconds → float milliseconds, without BigInt: 2^32 ns = 4294.967296 ms */
export function nanosToMs(r: Reader): number {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi * 4294.967296 + lo / 1e6;
}

export function idHex(r: Reader, bytes: number, what: string, where: string): string {
  const len = r.uint32();
  if (len === 0) return '';
  if (len !== bytes) throw new OtlpDecodeError(`${what} must be ${bytes} bytes, got ${len} (${where})`);
  // past the end, the hex of a cut-off id read "undefined" for its missing bytes
  if (r.pos + len > r.len) throw new OtlpDecodeError(`${what} runs past the end of the payload (${where})`);
  const hex = toHex(r.buf, r.pos, r.pos + len);
  r.pos += len;
  return hex;
}

function decodeSpan(r: Reader, end: number, where: string): FlatSpan {
  const span: FlatSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startMs: 0,
    endMs: 0,
    statusCode: 0,
    statusMessage: '',
    serviceName: '',
    scopeName: '',
    attributes: {},
    resourceAttributes: {},
    events: [],
  };
  const S = F.span;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t >>> 3) {
      case S.traceId:
        span.traceId = idHex(r, 16, 'traceId', where);
        break;
      case S.spanId:
        span.spanId = idHex(r, 8, 'spanId', where);
        break;
      case S.parentSpanId:
        span.parentSpanId = idHex(r, 8, 'parentSpanId', where);
        break;
      case S.name:
        span.name = r.string();
        break;
      case S.kind:
        span.kind = knownEnum(r.int32(), MAX_SPAN_KIND);
        break;
      case S.startTimeUnixNano:
        span.startMs = nanosToMs(r);
        break;
      case S.endTimeUnixNano:
        span.endMs = nanosToMs(r);
        break;
      case S.attributes:
        decodeKeyValue(r, span.attributes);
        break;
      case S.events:
        span.events.push(decodeEvent(r));
        break;
      case S.status: {
        const stop = r.uint32() + r.pos;
        while (r.pos < stop) {
          const st = r.uint32();
          if (st >>> 3 === F.status.code && (st & 7) === WT.varint)
            span.statusCode = knownEnum(r.int32(), MAX_STATUS_CODE);
          else if (st >>> 3 === F.status.message && (st & 7) === WT.ldelim) span.statusMessage = r.string();
          else r.skipType(st & 7);
        }
        break;
      }
      default:
        r.skipType(t & 7);
    }
  }
  if (r.pos !== end) throw new OtlpDecodeError(`span overruns its length (${where})`);
  if (span.traceId === '') throw new OtlpDecodeError(`span has no traceId (${where})`);
  if (span.spanId === '') throw new OtlpDecodeError(`span has no spanId (${where})`);
  return span;
}

function decodeEvent(r: Reader): SpanEvent {
  const stop = r.uint32() + r.pos;
  const ev: SpanEvent = { name: '', timeMs: 0, attributes: {} };
  while (r.pos < stop) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.event.timeUnixNano && (t & 7) === WT.fixed64) ev.timeMs = nanosToMs(r);
    else if (field === F.event.name && (t & 7) === WT.ldelim) ev.name = r.string();
    else if (field === F.event.attributes && (t & 7) === WT.ldelim) decodeKeyValue(r, ev.attributes);
    else r.skipType(t & 7);
  }
  return ev;
}

/** Reads one length-delimited KeyValue into `into`. */
function decodeKeyValue(r: Reader, into: Attributes) {
  const [key, value] = readKeyValue(r, 1);
  setKey(into, key, toAttrValue(value));
}

/** A KeyValue inside a kvlist: its value stays raw, the outermost attribute stringifies the whole map once. */
function decodeRawKeyValue(r: Reader, into: Record<string, RawValue>, depth: number, where: string) {
  const [key, value] = readKeyValue(r, depth, where);
  setKey(into, key, value);
}

/** `where`: the outermost attribute's key, for the depth error; an attribute's own key when omitted. */
function readKeyValue(r: Reader, depth: number, where?: string): [string, RawValue] {
  const stop = r.uint32() + r.pos;
  let key = '';
  let value: RawValue = null;
  while (r.pos < stop) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.keyValue.key && (t & 7) === WT.ldelim) key = r.string();
    else if (field === F.keyValue.value && (t & 7) === WT.ldelim) value = decodeAnyValue(r, depth, where ?? key);
    else r.skipType(t & 7);
  }
  return [key, value];
}

export function decodeAnyValue(r: Reader, depth: number, key: string): RawValue {
  checkDepth(depth, `attribute "${key.slice(0, 100)}"`);
  const stop = r.uint32() + r.pos;
  let value: RawValue = null;
  while (r.pos < stop) {
    const t = r.uint32();
    const A = F.anyValue;
    switch (t >>> 3) {
      case A.string:
        value = r.string();
        break;
      case A.bool:
        value = r.bool();
        break;
      case A.int: {
        const v = r.int64() as unknown as { low: number; high: number } | number;
        value = typeof v === 'number' ? v : v.high * 4294967296 + (v.low >>> 0);
        break;
      }
      case A.double:
        value = r.double();
        break;
      case A.array: {
        const end = r.uint32() + r.pos;
        const arr: RawValue[] = [];
        while (r.pos < end) {
          const at = r.uint32();
          if (at >>> 3 === F.arrayValue.values && (at & 7) === WT.ldelim) arr.push(decodeAnyValue(r, depth + 1, key));
          else r.skipType(at & 7);
        }
        value = arr;
        break;
      }
      case A.kvlist: {
        const end = r.uint32() + r.pos;
        const obj: Record<string, RawValue> = {};
        while (r.pos < end) {
          const kt = r.uint32();
          if (kt >>> 3 === F.keyValueList.values && (kt & 7) === WT.ldelim) decodeRawKeyValue(r, obj, depth + 1, key);
          else r.skipType(kt & 7);
        }
        // a map inside an attribute is kept as its JSON text (toAttrValue): attribute columns hold scalars
        value = obj;
        break;
      }
      case A.bytes:
        value = Buffer.from(r.bytes()).toString('base64');
        break;
      default:
        r.skipType(t & 7);
    }
  }
  return value;
}
