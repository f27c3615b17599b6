import type { AttrValue } from '@livegrade/core';
import { OtlpDecodeError } from './errors.ts';

/**
 * How deep arrays and maps may nest inside one attribute value. OTLP sets no
 * limit, but every level costs a stack frame in the decoders: without one a
 * few hundred kilobytes of nesting overflow the stack. No instrumentation
 * nests anywhere near this deep.
 */
export const MAX_VALUE_DEPTH = 64;

/** An AnyValue as decoded: a kvlist stays an object until the attribute is complete (see toAttrValue). */
export type RawValue = AttrValue | RawValue[] | { [key: string]: RawValue };

export function checkDepth(depth: number, where: string): void {
  if (depth > MAX_VALUE_DEPTH) {
    throw new OtlpDecodeError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels (${where})`);
  }
}

/**
 * A decoded value as an attribute column holds it: a map becomes its JSON
 * text. Maps are stringified once, at the outermost level: stringifying each
 * nested map and then the text of it again doubles the escaping per level, so
 * 30 nested maps (a few hundred bytes) grew to a gigabyte string.
 */
export function toAttrValue(v: RawValue): AttrValue {
  if (Array.isArray(v)) return v.map(toAttrValue);
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

/**
 * `into[key] = value`, also for the key "__proto__": plain assignment would
 * replace the object's prototype instead (dropping the attribute, and with an
 * array value making its indices appear as attributes).
 */
export function setKey<V>(into: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  } else into[key] = value;
}

/** The highest SpanKind (CONSUMER) and Status.code (ERROR) OTLP defines. */
export const MAX_SPAN_KIND = 5;
export const MAX_STATUS_CODE = 2;

/**
 * An enum value OTLP does not define reads as 0 (unspecified, unset). The
 * store keeps kind and status in UInt8 columns: a span of kind -1 failed its
 * whole insert, which the sampler retries, so one such span stalled the
 * partition behind it.
 */
export function knownEnum(v: number, max: number): number {
  return Number.isInteger(v) && v >= 0 && v <= max ? v : 0;
}
