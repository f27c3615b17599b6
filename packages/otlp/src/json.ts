import type { Attributes, AttrValue, FlatSpan, SpanEvent } from '@livegrade/core';
import { OtlpDecodeError } from './errors.ts';
import { HEX_ID } from './hex.ts';

/**
 * OTLP/JSON (the Collector's `otlp_json`, OTLP/HTTP with application/json).
 * Per the spec: ids are hex strings, 64-bit integers may be strings, enums are
 * numbers, keys are lowerCamelCase; receivers should also accept snake_case.
 */
type Json = Record<string, unknown>;

function field(o: Json, camel: string, snake: string): unknown {
  return o[camel] ?? o[snake];
}

function list(o: Json, camel: string, snake: string, where: string): Json[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${camel} must be an array (${where})`);
  return v as Json[];
}

export function decodeJsonTraces(payload: Uint8Array): FlatSpan[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`not valid OTLP JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new OtlpDecodeError('OTLP JSON must be an object with "resourceSpans"');
  }
  const out: FlatSpan[] = [];
  list(doc as Json, 'resourceSpans', 'resource_spans', '(root)').forEach((rs, i) => {
    const where = `resourceSpans[${i}]`;
    const resource = (rs.resource ?? {}) as Json;
    const resourceAttributes = attributes(resource.attributes, `${where}.resource`);
    const service = resourceAttributes['service.name'];
    list(rs, 'scopeSpans', 'scope_spans', where).forEach((ss, j) => {
      const scope = (ss.scope ?? {}) as Json;
      const scopeName = typeof scope.name === 'string' ? scope.name : '';
      list(ss, 'spans', 'spans', `${where}.scopeSpans[${j}]`).forEach((s, k) => {
        const at = `${where}.scopeSpans[${j}].spans[${k}]`;
        const status = (s.status ?? {}) as Json;
        out.push({
          traceId: id(field(s, 'traceId', 'trace_id'), HEX_ID.trace, 'traceId', 32, at, true),
          spanId: id(field(s, 'spanId', 'span_id'), HEX_ID.span, 'spanId', 16, at, true),
          parentSpanId: id(field(s, 'parentSpanId', 'parent_span_id'), HEX_ID.span, 'parentSpanId', 16, at, false),
          name: typeof s.name === 'string' ? s.name : '',
          kind: enumValue(s.kind, SPAN_KINDS),
          startMs: nanos(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), `${at}.startTimeUnixNano`),
          endMs: nanos(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), `${at}.endTimeUnixNano`),
          statusCode: enumValue(status.code, STATUS_CODES),
          statusMessage: typeof status.message === 'string' ? status.message : '',
          serviceName: typeof service === 'string' ? service : '',
          scopeName,
          attributes: attributes(s.attributes, at),
          resourceAttributes,
          events: list(s, 'events', 'events', at).map(
            (e, n): SpanEvent => ({
              name: typeof e.name === 'string' ? e.name : '',
              timeMs: nanos(field(e, 'timeUnixNano', 'time_unix_nano'), `${at}.events[${n}]`),
              attributes: attributes(e.attributes, `${at}.events[${n}]`),
            }),
          ),
        });
      });
    });
  });
  return out;
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function enumValue(v: unknown, names: Record<string, number>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return names[v] ?? (Number(v) || 0);
  return 0;
}

function id(v: unknown, pattern: RegExp, what: string, chars: number, where: string, required: boolean): string {
  if (v === undefined || v === null || v === '') {
    if (required) throw new OtlpDecodeError(`span has no ${what} (${where})`);
    return '';
  }
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  if (!pattern.test(s)) {
    throw new OtlpDecodeError(`${what} must be ${chars} hex characters, got ${JSON.stringify(v)} (${where})`);
  }
  return s;
}

/** int64 nanoseconds as string or number → float ms. Strings are split to keep precision past 2^53. */
function nanos(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    if (v.length <= 6) return Number(v) / 1e6;
    return Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6;
  }
  throw new OtlpDecodeError(`time must be an integer of nanoseconds, got ${JSON.stringify(v)} (${where})`);
}

function attributes(v: unknown, where: string): Attributes {
  const out: Attributes = {};
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) throw new OtlpDecodeError(`attributes must be an array (${where})`);
  for (const kv of v as Json[]) {
    if (typeof kv?.key !== 'string') throw new OtlpDecodeError(`attribute without a key (${where})`);
    out[kv.key] = anyValue(kv.value as Json | undefined);
  }
  return out;
}

function anyValue(v: Json | undefined): AttrValue {
  if (!v || typeof v !== 'object') return null;
  const s = field(v, 'stringValue', 'string_value');
  if (s !== undefined) return String(s);
  const b = field(v, 'boolValue', 'bool_value');
  if (b !== undefined) return Boolean(b);
  const i = field(v, 'intValue', 'int_value');
  if (i !== undefined) return Number(i);
  const d = field(v, 'doubleValue', 'double_value');
  if (d !== undefined) return Number(d);
  const a = field(v, 'arrayValue', 'array_value') as Json | undefined;
  if (a !== undefined) return ((a?.values as Json[] | undefined) ?? []).map((x) => anyValue(x));
  const kv = field(v, 'kvlistValue', 'kvlist_value') as Json | undefined;
  if (kv !== undefined) {
    const obj: Attributes = {};
    for (const e of (kv?.values as Json[] | undefined) ?? []) obj[String(e.key)] = anyValue(e.value as Json);
    return JSON.stringify(obj);
  }
  const by = field(v, 'bytesValue', 'bytes_value');
  if (by !== undefined) return String(by);
  return null;
}
