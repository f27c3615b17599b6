import type { Attributes, FlatSpan, SpanEvent } from '@livegrade/core';
import {
  checkDepth,
  knownEnum,
  MAX_SPAN_KIND,
  MAX_STATUS_CODE,
  type RawValue,
  setKey,
  toAttrValue,
} from './any-value.ts';
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
  v.forEach((item, i) => {
    if (!isObject(item)) throw new OtlpDecodeError(`${camel}[${i}] must be an object (${where})`);
  });
  return v as Json[];
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// fatal: OTLP JSON is UTF-8 (RFC 8259); a lenient decode would store U+FFFD in place of what was sent
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeJsonTraces(payload: Uint8Array): FlatSpan[] {
  let doc: unknown;
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new OtlpDecodeError('not valid OTLP JSON: the text is not valid UTF-8');
  }
  try {
    doc = JSON.parse(text);
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
          kind: knownEnum(enumValue(s.kind, SPAN_KINDS), MAX_SPAN_KIND),
          startMs: nanos(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), `${at}.startTimeUnixNano`),
          endMs: nanos(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), `${at}.endTimeUnixNano`),
          statusCode: knownEnum(enumValue(status.code, STATUS_CODES), MAX_STATUS_CODE),
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

/** Nanoseconds fit OTLP's fixed64: past 2^64 - 1 a time is not one any SDK can send. */
const MAX_NANOS = 18446744073709551615n;

/** fixed64 nanoseconds as string or number → float ms. Strings are split to keep precision past 2^53. */
function nanos(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number(MAX_NANOS)) return v / 1e6;
  if (typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) <= MAX_NANOS) {
    if (v.length <= 6) return Number(v) / 1e6;
    return Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6;
  }
  throw new OtlpDecodeError(
    `time must be a whole number of nanoseconds from 0 to 2^64-1, got ${JSON.stringify(v)?.slice(0, 100)} (${where})`,
  );
}

function attributes(v: unknown, where: string): Attributes {
  const out: Attributes = {};
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) throw new OtlpDecodeError(`attributes must be an array (${where})`);
  for (const kv of v as unknown[]) {
    if (!isObject(kv) || typeof kv.key !== 'string') throw new OtlpDecodeError(`attribute without a key (${where})`);
    setKey(out, kv.key, toAttrValue(anyValue(kv.value, 1, `${where}.attributes["${kv.key.slice(0, 100)}"]`)));
  }
  return out;
}

function anyValue(v: unknown, depth: number, where: string): RawValue {
  if (!isObject(v)) return null;
  checkDepth(depth, where);
  const s = field(v, 'stringValue', 'string_value');
  if (s !== undefined) return String(s);
  const b = field(v, 'boolValue', 'bool_value');
  if (b !== undefined) return Boolean(b);
  const i = field(v, 'intValue', 'int_value');
  if (i !== undefined) return Number(i);
  const d = field(v, 'doubleValue', 'double_value');
  if (d !== undefined) return Number(d);
  const a = field(v, 'arrayValue', 'array_value');
  if (a !== undefined) {
    const values = isObject(a) && Array.isArray(a.values) ? a.values : [];
    return values.map((x) => anyValue(x, depth + 1, where));
  }
  const kv = field(v, 'kvlistValue', 'kvlist_value');
  if (kv !== undefined) {
    const obj: Record<string, RawValue> = {};
    const values = isObject(kv) && Array.isArray(kv.values) ? kv.values : [];
    for (const e of values) {
      if (isObject(e)) setKey(obj, String(e.key), anyValue(e.value, depth + 1, where));
    }
    return obj;
  }
  const by = field(v, 'bytesValue', 'bytes_value');
  if (by !== undefined) return String(by);
  return null;
}
