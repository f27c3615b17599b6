import type { Attributes, FlatSpan } from '@livegrade/core';
import protobuf from 'protobufjs/minimal.js';
import { checkDepth, knownEnum, MAX_SPAN_KIND, MAX_STATUS_CODE, setKey, toAttrValue } from './any-value.ts';
import { decodeAnyValue, decodeTraces, idHex, nanosToMs } from './decode.ts';
import { F, WT } from './wire.ts';

const { Reader } = protobuf;
type Reader = protobuf.Reader;

/** The span attributes a caller of decodeSpanFacts wants decoded; every other one is only checked. */
export interface AttributeFilter {
  /** kept by name: matched on the UTF-8 bytes of the key, undecoded, and given as this very string */
  keys: readonly string[];
  /** and every key starting with one of these */
  prefixes: readonly string[];
}

/**
 * A protobuf ExportTraceServiceRequest read for what a sampling decision
 * needs: per span its ids, times, status code, service name and the
 * attributes `filter` keeps. Name, status message, scope, events, other
 * attributes and resource attributes but service.name are left empty (they
 * are walked, not decoded): the sampler parks most traces as their bytes and
 * decodes in full only those it writes as rows. In the bench's traffic this
 * skips the decoding of most strings and most of the objects a span becomes.
 *
 * It accepts exactly what decodeTraces accepts: the walk reads the bytes it
 * skips with the same reader calls (same bounds, nesting depth, wire types),
 * and anything it does not take the same way (an error, a KeyValue whose key
 * comes twice or after its value, input not in a Buffer) is handed to
 * decodeTraces, whose spans or error stand.
 */
export function decodeSpanFacts(payload: Uint8Array, filter: AttributeFilter): FlatSpan[] {
  // protobufjs reads strings out of a Buffer leniently (cut at the end) and out of other arrays strictly
  if (!Buffer.isBuffer(payload)) return decodeTraces(payload, 'protobuf');
  try {
    return request(Reader.create(payload), compile(filter));
  } catch {
    return decodeTraces(payload, 'protobuf');
  }
}

interface Compiled {
  /** by byte length: the key's bytes and its string */
  keys: Map<number, Array<{ bytes: Buffer; key: string }>>;
  prefixes: Buffer[];
}

const compiledFilters = new WeakMap<AttributeFilter, Compiled>();

function compile(filter: AttributeFilter): Compiled {
  let c = compiledFilters.get(filter);
  if (!c) {
    c = { keys: new Map(), prefixes: filter.prefixes.map((p) => Buffer.from(p)) };
    for (const key of filter.keys) {
      const bytes = Buffer.from(key);
      const list = c.keys.get(bytes.length) ?? [];
      c.keys.set(bytes.length, list);
      list.push({ bytes, key });
    }
    compiledFilters.set(filter, c);
  }
  return c;
}

/**
 * The kept key whose bytes these are, or undefined. A known key is its
 * constant string (its hash computed once, no decoding); one kept by prefix
 * is decoded as BufferReader.string would.
 */
function keptKey(buf: Uint8Array, start: number, end: number, filter: Compiled): string | undefined {
  const known = filter.keys.get(end - start);
  if (known) for (const k of known) if (startsWith(buf, start, end, k.bytes)) return k.key;
  for (const p of filter.prefixes) {
    if (startsWith(buf, start, end, p)) {
      return (buf as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);
    }
  }
  return undefined;
}

function startsWith(buf: Uint8Array, start: number, end: number, p: Buffer): boolean {
  if (end - start < p.length) return false;
  for (let i = 0; i < p.length; i++) if (buf[start + i] !== p[i]) return false;
  return true;
}

const RESOURCE = compile({ keys: ['service.name'], prefixes: [] });

/** Thrown where the walk would not follow decodeTraces exactly: the full decoder takes over. */
const DIFFERENT = new Error('not walked like decodeTraces');

const EMPTY: Attributes = Object.freeze({}) as Attributes;
const NO_EVENTS: FlatSpan['events'] = Object.freeze([]) as unknown as FlatSpan['events'];

function request(r: Reader, filter: Compiled): FlatSpan[] {
  const out: FlatSpan[] = [];
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 === F.request.resourceSpans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      resourceSpans(r, r.pos + len, out, filter);
    } else r.skipType(t & 7);
  }
  return out;
}

function resourceSpans(r: Reader, end: number, out: FlatSpan[], filter: Compiled) {
  const resource = { attributes: {} as Attributes };
  const first = out.length;
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.resourceSpans.resource && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      const stop = r.pos + len;
      while (r.pos < stop) {
        const rt = r.uint32();
        if (rt >>> 3 === F.resource.attributes && (rt & 7) === WT.ldelim) keyValue(r, resource, RESOURCE);
        else r.skipType(rt & 7);
      }
    } else if (field === F.resourceSpans.scopeSpans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      scopeSpans(r, r.pos + len, out, filter);
    } else r.skipType(t & 7);
  }
  const service = resource.attributes['service.name'];
  const serviceName = typeof service === 'string' ? service : '';
  for (let i = first; i < out.length; i++) (out[i] as FlatSpan).serviceName = serviceName;
}

function scopeSpans(r: Reader, end: number, out: FlatSpan[], filter: Compiled) {
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.scopeSpans.scope && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      const stop = r.pos + len;
      while (r.pos < stop) {
        const st = r.uint32();
        if (st >>> 3 === F.scope.name && (st & 7) === WT.ldelim) skipString(r);
        else r.skipType(st & 7);
      }
    } else if (field === F.scopeSpans.spans && (t & 7) === WT.ldelim) {
      const len = r.uint32();
      out.push(span(r, r.pos + len, filter));
    } else r.skipType(t & 7);
  }
}

function span(r: Reader, end: number, filter: Compiled): FlatSpan {
  const s: FlatSpan = {
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
    // shared and frozen until a kept attribute comes: most spans have none
    attributes: EMPTY,
    resourceAttributes: EMPTY,
    events: NO_EVENTS,
  };
  const S = F.span;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t >>> 3) {
      case S.traceId:
        s.traceId = hexId(r, 16);
        break;
      case S.spanId:
        s.spanId = hexId(r, 8);
        break;
      case S.parentSpanId:
        s.parentSpanId = hexId(r, 8);
        break;
      case S.name:
        skipString(r);
        break;
      case S.kind:
        s.kind = knownEnum(r.int32(), MAX_SPAN_KIND);
        break;
      case S.startTimeUnixNano:
        s.startMs = nanosToMs(r);
        break;
      case S.endTimeUnixNano:
        s.endMs = nanosToMs(r);
        break;
      case S.attributes:
        keyValue(r, s, filter);
        break;
      case S.events:
        skipEvent(r);
        break;
      case S.status: {
        const stop = r.uint32() + r.pos;
        while (r.pos < stop) {
          const st = r.uint32();
          if (st >>> 3 === F.status.code && (st & 7) === WT.varint)
            s.statusCode = knownEnum(r.int32(), MAX_STATUS_CODE);
          else if (st >>> 3 === F.status.message && (st & 7) === WT.ldelim) skipString(r);
          else r.skipType(st & 7);
        }
        break;
      }
      default:
        r.skipType(t & 7);
    }
  }
  if (r.pos !== end || s.traceId === '' || s.spanId === '') throw DIFFERENT;
  return s;
}

/**
 * decode.ts idHex, its hex made by Buffer natively: a flat string, where
 * toHex's concatenation leaves a rope the trace buffer's Map must flatten
 * to hash. A bad id goes to idHex for its error.
 */
function hexId(r: Reader, bytes: number): string {
  const at = r.pos;
  const len = r.uint32();
  if (len === 0) return '';
  if (len !== bytes || r.pos + len > r.len) {
    r.pos = at;
    return idHex(r, bytes, 'id', '');
  }
  const hex = (r.buf as unknown as { hexSlice(start: number, end: number): string }).hexSlice(r.pos, r.pos + len);
  r.pos += len;
  return hex;
}

/** What BufferReader.string does to the position, without making the string. */
function skipString(r: Reader) {
  const len = r.uint32();
  r.pos = Math.min(r.pos + len, r.len);
}

/** decode.ts decodeEvent, walked */
function skipEvent(r: Reader) {
  const stop = r.uint32() + r.pos;
  while (r.pos < stop) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.event.timeUnixNano && (t & 7) === WT.fixed64) nanosToMs(r);
    else if (field === F.event.name && (t & 7) === WT.ldelim) skipString(r);
    else if (field === F.event.attributes && (t & 7) === WT.ldelim) skipKeyValue(r, 1);
    else r.skipType(t & 7);
  }
}

/**
 * decode.ts decodeKeyValue for a key the filter keeps, walked for any other.
 * The key decides, so it must come first and once (as every encoder writes
 * it); otherwise the full decoder takes over.
 */
function keyValue(r: Reader, into: { attributes: Attributes }, filter: Compiled) {
  const stop = r.uint32() + r.pos;
  let state: 'start' | 'kept' | 'skipped' = 'start';
  let key = '';
  let value: ReturnType<typeof decodeAnyValue> = null;
  while (r.pos < stop) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.keyValue.key && (t & 7) === WT.ldelim) {
      if (state !== 'start') throw DIFFERENT;
      const len = r.uint32();
      const start = r.pos;
      const keyEnd = Math.min(start + len, r.len);
      r.pos = keyEnd;
      const kept = keptKey(r.buf, start, keyEnd, filter);
      state = kept === undefined ? 'skipped' : 'kept';
      if (kept !== undefined) key = kept;
    } else if (field === F.keyValue.value && (t & 7) === WT.ldelim) {
      if (state === 'start') throw DIFFERENT;
      if (state === 'kept') value = decodeAnyValue(r, 1, key);
      else skipAnyValue(r, 1);
    } else r.skipType(t & 7);
  }
  if (state !== 'kept') return;
  if (into.attributes === EMPTY) into.attributes = {};
  setKey(into.attributes, key, toAttrValue(value));
}

/** decode.ts readKeyValue, walked */
function skipKeyValue(r: Reader, depth: number) {
  const stop = r.uint32() + r.pos;
  while (r.pos < stop) {
    const t = r.uint32();
    const field = t >>> 3;
    if (field === F.keyValue.key && (t & 7) === WT.ldelim) skipString(r);
    else if (field === F.keyValue.value && (t & 7) === WT.ldelim) skipAnyValue(r, depth);
    else r.skipType(t & 7);
  }
}

/** decode.ts decodeAnyValue, walked: the same reads where one can fail, nothing built */
function skipAnyValue(r: Reader, depth: number) {
  checkDepth(depth, 'attribute');
  const stop = r.uint32() + r.pos;
  while (r.pos < stop) {
    const t = r.uint32();
    const A = F.anyValue;
    switch (t >>> 3) {
      case A.string:
        skipString(r);
        break;
      case A.bool:
        r.bool();
        break;
      case A.int:
        r.int64();
        break;
      case A.double:
        r.double();
        break;
      case A.array: {
        const end = r.uint32() + r.pos;
        while (r.pos < end) {
          const at = r.uint32();
          if (at >>> 3 === F.arrayValue.values && (at & 7) === WT.ldelim) skipAnyValue(r, depth + 1);
          else r.skipType(at & 7);
        }
        break;
      }
      case A.kvlist: {
        const end = r.uint32() + r.pos;
        while (r.pos < end) {
          const kt = r.uint32();
          if (kt >>> 3 === F.keyValueList.values && (kt & 7) === WT.ldelim) skipKeyValue(r, depth + 1);
          else r.skipType(kt & 7);
        }
        break;
      }
      case A.bytes:
        // Reader.bytes: the same bound
        r.skip(r.uint32());
        break;
      default:
        r.skipType(t & 7);
    }
  }
}
