// Seeded generators of bad input for the fuzz tests (issue 16: bad input
// never stalls or crashes). Everything is drawn from one PRNG, so a failing
// case is reproduced by its seed and index alone.
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateSync, gzipSync } from 'node:zlib';
import type { FlatSpan } from '@livegrade/core';
import { encodeTraces, encodeTracesJson } from '@livegrade/otlp';
import { mulberry32 } from '../../packages/core/src/sampling/prng.testkit.ts';
import { generateTraces } from './traffic.ts';

export type Rnd = () => number;

/** The fuzz budget: LIVEGRADE_FUZZ_SECONDS, else `fallback` (sized so the fuzzers together stay near 90 s in CI). */
export function fuzzSeconds(fallback: number): number {
  const s = Number(process.env.LIVEGRADE_FUZZ_SECONDS);
  return Number.isFinite(s) && s > 0 ? s : fallback;
}

/** The seed: LIVEGRADE_FUZZ_SEED to replay a failure, else fixed so CI runs are repeatable. */
export function fuzzSeed(fallback = 16): number {
  const s = Number(process.env.LIVEGRADE_FUZZ_SEED);
  return Number.isInteger(s) ? s : fallback;
}

const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

function randomBytes(rnd: Rnd, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Weighted choice among kinds, so expensive kinds (huge bodies, bombs) stay a small share. */
function weighted<K extends string>(rnd: Rnd, table: ReadonlyArray<readonly [K, number]>): K {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [k, w] of table) {
    x -= w;
    if (x < 0) return k;
  }
  return table[0]![0];
}

// ---------------------------------------------------------------- OTLP bytes

/** Real OTLP: traces of the traffic generator, as protobuf (the SDK's and Collector's wire format). */
function goodSpans(rnd: Rnd): FlatSpan[] {
  return generateTraces({ traces: int(rnd, 1, 3), seed: int(rnd, 1, 1e9) }).flatMap((t) => t.spans);
}

/** Raw protobuf writer for what encodeTraces refuses to write: invalid UTF-8, missing ids, out-of-range times. */
const pb = {
  varint(n: number | bigint): number[] {
    let v = BigInt(n);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      out.push(byte);
    } while (v > 0n);
    return out;
  },
  ld(field: number, ...parts: Array<Uint8Array | number[]>): Buffer {
    const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
    return Buffer.concat([Buffer.from(pb.varint((field << 3) | 2)), Buffer.from(pb.varint(body.length)), body]);
  },
  fixed64(field: number, nanos: bigint): Buffer {
    const b = Buffer.alloc(9);
    b[0] = (field << 3) | 1;
    b.writeBigUInt64LE(nanos, 1);
    return b;
  },
  uint(field: number, v: number | bigint): Buffer {
    return Buffer.from([...pb.varint(field << 3), ...pb.varint(v)]);
  },
  request(spans: Buffer[], resourceAttrs: Buffer[] = []): Buffer {
    return pb.ld(1, pb.ld(1, ...resourceAttrs), pb.ld(2, pb.ld(1, pb.ld(1, Buffer.from('fuzz'))), ...spans));
  },
  kv(key: Uint8Array, value: Buffer): Buffer {
    return pb.ld(9, pb.ld(1, key), pb.ld(2, value));
  },
};

const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88]);

/**
 * AnyValue nested `depth` arrays deep. All framing is prefix (tag, length), so
 * the lengths are computed inside out and written outside in: concatenating
 * level by level copies the whole value per level, quadratic in `depth`.
 */
function deepProtobufValue(depth: number): Buffer {
  const bottom = pb.ld(1, Buffer.from('bottom')); // AnyValue.string_value
  const heads: number[][] = [];
  let length = bottom.length;
  for (let i = 0; i < depth; i++) {
    for (const field of [1, 5]) {
      // ArrayValue.values, then AnyValue.array_value around it
      const head = [...pb.varint((field << 3) | 2), ...pb.varint(length)];
      heads.push(head);
      length += head.length;
    }
  }
  const out = Buffer.alloc(length);
  let at = 0;
  for (let i = heads.length - 1; i >= 0; i--) {
    out.set(heads[i]!, at);
    at += heads[i]!.length;
  }
  bottom.copy(out, at);
  return out;
}

export interface OddSpan {
  kind: string;
  bytes: Buffer;
}

/** Valid protobuf framing around strange content: each must be stored or dead-lettered, never crash. */
function oddProtobuf(rnd: Rnd): OddSpan {
  const id = (n: number) => randomBytes(rnd, n);
  const span = (fields: Buffer[]) => pb.ld(2, ...fields);
  const ns = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;
  const now = Date.now();
  const base = () => [pb.ld(1, id(16)), pb.ld(2, id(8)), pb.ld(5, Buffer.from('odd'))];
  const kind = pick(rnd, [
    'empty-trace-id',
    'no-ids',
    'non-utf8-strings',
    'time-zero',
    'time-max-uint64',
    'end-before-start',
    'many-attributes',
    'big-attribute',
    'odd-enums',
    'odd-decision',
    'deep-attribute',
  ] as const);
  const spans: Buffer[] = [];
  switch (kind) {
    case 'empty-trace-id':
      spans.push(span([pb.ld(1, []), pb.ld(2, id(8))]));
      break;
    case 'no-ids':
      spans.push(span([pb.ld(5, Buffer.from('anonymous')), pb.fixed64(7, ns(now))]));
      break;
    case 'non-utf8-strings':
      spans.push(
        span([
          ...base(),
          pb.ld(5, NOT_UTF8),
          pb.kv(NOT_UTF8, pb.ld(1, NOT_UTF8)),
          pb.ld(15, pb.ld(2, NOT_UTF8), pb.uint(3, 2)),
        ]),
      );
      break;
    case 'time-zero':
      spans.push(span([...base(), pb.fixed64(7, 0n), pb.fixed64(8, 0n)]));
      break;
    case 'time-max-uint64':
      spans.push(span([...base(), pb.fixed64(7, 2n ** 64n - 1n), pb.fixed64(8, 2n ** 64n - 1n)]));
      break;
    case 'end-before-start':
      spans.push(span([...base(), pb.fixed64(7, ns(now)), pb.fixed64(8, ns(now - 86_400_000))]));
      break;
    case 'many-attributes': {
      const attrs: Buffer[] = [];
      for (let i = 0; i < 5000; i++) attrs.push(pb.kv(Buffer.from(`k${i}`), pb.uint(3, i)));
      spans.push(span([...base(), pb.fixed64(7, ns(now)), ...attrs]));
      break;
    }
    case 'big-attribute':
      // under Kafka's default 1 MB message limit, so the bytes reach the sampler
      spans.push(
        span([...base(), pb.fixed64(7, ns(now)), pb.kv(Buffer.from('blob'), pb.ld(1, Buffer.alloc(600_000, 0x61)))]),
      );
      break;
    case 'odd-enums':
      spans.push(span([...base(), pb.uint(6, 2n ** 64n - 1n), pb.ld(15, pb.uint(3, 4_000_000_000))]));
      break;
    case 'odd-decision':
      spans.push(
        span([
          ...base(),
          pb.fixed64(7, ns(now)),
          pb.kv(Buffer.from('livegrade.decision.type'), pb.ld(1, Buffer.from('t,=\u0000'))),
          pb.kv(Buffer.from('livegrade.decision.score'), pb.ld(1, Buffer.from('NaN'))),
          pb.kv(Buffer.from('livegrade.decision.id'), pb.ld(1, Buffer.alloc(5000, 0x64))),
          pb.kv(Buffer.from('livegrade.slice.language'), pb.ld(5, pb.ld(1, pb.ld(1, Buffer.from('x'))))),
          pb.kv(Buffer.from('gen_ai.usage.input_tokens'), pb.ld(1, Buffer.from('1e999'))),
          pb.kv(Buffer.from('__proto__'), pb.ld(5, pb.ld(1, pb.ld(1, Buffer.from('polluted'))))),
        ]),
      );
      break;
    case 'deep-attribute':
      spans.push(span([...base(), pb.kv(Buffer.from('deep'), deepProtobufValue(int(rnd, 200, 50_000)))]));
      break;
  }
  return { kind, bytes: pb.request(spans) };
}

/** A valid request cut short somewhere inside. */
function truncated(rnd: Rnd): Buffer {
  const full = Buffer.from(encodeTraces(goodSpans(rnd)));
  return full.subarray(0, int(rnd, 1, full.length - 1));
}

/** A valid request with a few bytes changed. */
function flipped(rnd: Rnd): Buffer {
  const b = Buffer.from(encodeTraces(goodSpans(rnd)));
  const n = int(rnd, 1, 8);
  for (let i = 0; i < n; i++) {
    const at = int(rnd, 0, b.length - 1);
    b[at] = rnd() < 0.5 ? b[at]! ^ (1 << int(rnd, 0, 7)) : int(rnd, 0, 255);
  }
  return b;
}

// ---------------------------------------------------------------- OTLP JSON

function goodJson(rnd: Rnd): Record<string, unknown> {
  return JSON.parse(encodeTracesJson(goodSpans(rnd))) as Record<string, unknown>;
}

/** OTLP JSON with an attribute value nested `depth` levels (built as text: JSON.stringify would recurse). */
function deepJsonAttribute(rnd: Rnd, depth: number, maxBytes = Number.POSITIVE_INFINITY): string {
  const [open, close] = pick(rnd, [
    ['{"arrayValue":{"values":[', ']}}'],
    ['{"kvlistValue":{"values":[{"key":"k","value":', '}]}}'],
  ] as const);
  const span = `{"traceId":"${'ab'.repeat(16)}","spanId":"${'cd'.repeat(8)}","attributes":[{"key":"deep","value":`;
  // kept under the body limit, so it is the nesting that gets refused
  depth = Math.min(depth, Math.floor((maxBytes - 200) / (open.length + close.length)));
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}${open.repeat(depth)}{"stringValue":"x"}${close.repeat(depth)}}]}]}]}]}`;
}

interface WrongType {
  names: RegExp;
  apply(doc: Record<string, unknown>, rnd: Rnd): void;
}

const firstSpan = (doc: Record<string, unknown>) =>
  ((doc.resourceSpans as Array<Record<string, unknown>>)[0]!.scopeSpans as Array<Record<string, unknown>>)[0]!
    .spans as Array<Record<string, unknown>>;

/** Mutations every OTLP receiver must refuse, each with what the refusal has to name. */
const WRONG_TYPES: WrongType[] = [
  {
    names: /resourceSpans/,
    apply: (d, r) => {
      d.resourceSpans = pick(r, [1, 'x', true, {}]);
    },
  },
  {
    names: /resourceSpans\[0\]/,
    apply: (d, r) => {
      (d.resourceSpans as unknown[])[0] = pick(r, [null, 1, 'x', [[]]]);
    },
  },
  {
    names: /scopeSpans/,
    apply: (d, r) => {
      (d.resourceSpans as Array<Record<string, unknown>>)[0]!.scopeSpans = pick(r, [1, 'x', true, {}]);
    },
  },
  {
    names: /spans\[0\]/,
    apply: (d, r) => {
      firstSpan(d)[0] = pick(r, [null, 1, 'x', [[]]]) as unknown as Record<string, unknown>;
    },
  },
  {
    names: /traceId/,
    apply: (d, r) => {
      firstSpan(d)[0]!.traceId = pick(r, [12, 'abc', 'zz'.repeat(16), {}, true, ['ab'], null]);
    },
  },
  {
    names: /spanId/,
    apply: (d, r) => {
      firstSpan(d)[0]!.spanId = pick(r, [12, 'abc', 'zz'.repeat(8), {}, true, null]);
    },
  },
  {
    names: /time|startTimeUnixNano/i,
    apply: (d, r) => {
      firstSpan(d)[0]!.startTimeUnixNano = pick(r, ['abc', -1, '1e9', {}, true, 1e300, '9'.repeat(40), 1.5]);
    },
  },
  {
    names: /attribute/,
    apply: (d, r) => {
      firstSpan(d)[0]!.attributes = pick(r, [{}, 'x', 5, [null], [5], [{ value: { stringValue: 'no key' } }]]);
    },
  },
  {
    names: /events/,
    apply: (d, r) => {
      firstSpan(d)[0]!.events = pick(r, ['x', 5, {}, [null]]);
    },
  },
];

function wrongTypes(rnd: Rnd): { body: string; names: RegExp } {
  const doc = goodJson(rnd);
  const w = pick(rnd, WRONG_TYPES);
  w.apply(doc, rnd);
  return { body: JSON.stringify(doc), names: w.names };
}

/** Valid OTLP JSON bytes with invalid UTF-8 spliced into a string value. */
function invalidUtf8Json(rnd: Rnd): Buffer {
  const text = Buffer.from(JSON.stringify(goodJson(rnd)));
  const at = text.indexOf('"POST /chat"');
  const cut = at >= 0 ? at + 1 : text.indexOf('"name":"') + 8;
  return Buffer.concat([text.subarray(0, cut), NOT_UTF8.subarray(0, int(rnd, 1, NOT_UTF8.length)), text.subarray(cut)]);
}

// ---------------------------------------------------------------- requests

export interface BadRequest {
  kind: string;
  path: '/v1/traces' | '/v1/verdicts';
  headers: Record<string, string>;
  body: Buffer;
  /** 'refused': a 4xx is the only right answer; 'either': the bytes may still be valid OTLP (a flip inside a name), so 2xx is right when the decoder accepts them too */
  expect: 'refused' | 'either';
  /** what a refusal's message must mention */
  names: RegExp;
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const OTLP_PROBLEM = /OTLP|protobuf|traceId|spanId|span|time|attribute|nested/i;

const REQUEST_KINDS = [
  ['random-bytes', 10],
  ['truncated-protobuf', 10],
  ['flipped-protobuf', 10],
  ['odd-protobuf', 8],
  ['deep-json', 3],
  ['deep-json-root', 2],
  ['huge-body', 1],
  ['wrong-types-json', 10],
  ['invalid-utf8-json', 4],
  ['not-json', 4],
  ['gzip-bomb', 2],
  ['corrupt-gzip', 5],
  ['wrong-content-type', 6],
  ['wrong-content-encoding', 5],
  ['empty-body', 4],
  ['bad-verdict', 5],
] as const;

/**
 * Bad requests for POST /v1/traces (and /v1/verdicts), forever: the caller
 * stops when its budget is spent. `maxBodyBytes` is the gateway's limit, so
 * the huge bodies and bombs are sized past it.
 */
export function* badRequests(seed: number, maxBodyBytes: number): Generator<BadRequest> {
  const rnd = mulberry32(seed);
  // bombs are costly to make and all alike: a few made once, sent many times
  const bombs = [2, 8, 64].map((k) => ({
    gzip: gzipSync(Buffer.alloc(maxBodyBytes * k)),
    deflate: deflateSync(Buffer.alloc(maxBodyBytes * k)),
  }));
  for (;;) {
    const kind = weighted(rnd, REQUEST_KINDS);
    switch (kind) {
      case 'random-bytes':
        yield {
          kind,
          path: '/v1/traces',
          headers: PROTOBUF,
          body: randomBytes(rnd, int(rnd, 1, 4096)),
          expect: 'either',
          names: OTLP_PROBLEM,
        };
        break;
      case 'truncated-protobuf':
        yield {
          kind,
          path: '/v1/traces',
          headers: PROTOBUF,
          body: truncated(rnd),
          expect: 'either',
          names: OTLP_PROBLEM,
        };
        break;
      case 'flipped-protobuf':
        yield {
          kind,
          path: '/v1/traces',
          headers: PROTOBUF,
          body: flipped(rnd),
          expect: 'either',
          names: OTLP_PROBLEM,
        };
        break;
      case 'odd-protobuf': {
        const odd = oddProtobuf(rnd);
        yield {
          kind: `odd-protobuf:${odd.kind}`,
          path: '/v1/traces',
          headers: PROTOBUF,
          body: odd.bytes,
          expect: 'either',
          names: OTLP_PROBLEM,
        };
        break;
      }
      case 'deep-json':
        yield {
          kind,
          path: '/v1/traces',
          headers: JSON_TYPE,
          body: Buffer.from(deepJsonAttribute(rnd, int(rnd, 1_000, 100_000), maxBodyBytes)),
          expect: 'refused',
          names: /nested|deep/i,
        };
        break;
      case 'deep-json-root': {
        const depth = int(rnd, 1_000, 100_000);
        const inner = rnd() < 0.5;
        const text = inner
          ? `{"resourceSpans":${'['.repeat(depth)}${']'.repeat(depth)}}`
          : `${'['.repeat(depth)}${']'.repeat(depth)}`;
        yield {
          kind,
          path: '/v1/traces',
          headers: JSON_TYPE,
          body: Buffer.from(text),
          expect: 'refused',
          names: /OTLP JSON|resourceSpans/,
        };
        break;
      }
      case 'huge-body': {
        const json = rnd() < 0.5;
        const size = maxBodyBytes + int(rnd, 1, maxBodyBytes);
        const body = json
          ? Buffer.from(`{"resourceSpans":[],"pad":"${'x'.repeat(size)}"}`)
          : Buffer.concat([Buffer.from(encodeTraces(goodSpans(rnd))), Buffer.alloc(size)]);
        yield {
          kind,
          path: '/v1/traces',
          headers: json ? JSON_TYPE : PROTOBUF,
          body,
          expect: 'refused',
          names: /limit/,
        };
        break;
      }
      case 'wrong-types-json': {
        const w = wrongTypes(rnd);
        yield {
          kind,
          path: '/v1/traces',
          headers: JSON_TYPE,
          body: Buffer.from(w.body),
          expect: 'refused',
          names: w.names,
        };
        break;
      }
      case 'invalid-utf8-json':
        yield {
          kind,
          path: '/v1/traces',
          headers: JSON_TYPE,
          body: invalidUtf8Json(rnd),
          expect: 'refused',
          names: /UTF-8/,
        };
        break;
      case 'not-json': {
        const body = pick(rnd, [
          '{"resourceSpans": [',
          'null',
          '"text"',
          '42',
          '{"a":1}}',
          `{${randomBytes(rnd, 64).toString('latin1')}`,
        ]);
        yield {
          kind,
          path: '/v1/traces',
          headers: JSON_TYPE,
          body: Buffer.from(body, 'latin1'),
          expect: 'refused',
          names: /JSON/,
        };
        break;
      }
      case 'gzip-bomb': {
        const bomb = pick(rnd, bombs);
        const gzip = rnd() < 0.6;
        yield {
          kind,
          path: '/v1/traces',
          headers: { ...(rnd() < 0.5 ? PROTOBUF : JSON_TYPE), 'content-encoding': gzip ? 'gzip' : 'deflate' },
          body: gzip ? bomb.gzip : bomb.deflate,
          expect: 'refused',
          names: /limit/,
        };
        break;
      }
      case 'corrupt-gzip': {
        const good = gzipSync(Buffer.from(encodeTraces(goodSpans(rnd))));
        const body = pick(rnd, [
          Buffer.from(encodeTraces(goodSpans(rnd))), // says gzip, is not
          good.subarray(0, int(rnd, 1, good.length - 9)), // cut short
          Buffer.concat([good.subarray(0, 10), randomBytes(rnd, 200)]), // header, then noise
        ]);
        yield {
          kind,
          path: '/v1/traces',
          headers: { ...PROTOBUF, 'content-encoding': rnd() < 0.7 ? 'gzip' : 'deflate' },
          body,
          expect: 'refused',
          names: /gzip|deflate|compress/i,
        };
        break;
      }
      case 'wrong-content-type': {
        const type = pick(rnd, [
          undefined,
          '',
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'application/protobuf+json',
          'application/json-seq',
          ';;;',
          `application/${'x'.repeat(int(rnd, 1, 2000))}`,
          randomBytes(rnd, 16).toString('hex'),
        ]);
        yield {
          kind,
          path: rnd() < 0.8 ? '/v1/traces' : '/v1/verdicts',
          headers: type === undefined ? {} : { 'content-type': type },
          body: Buffer.from(encodeTraces(goodSpans(rnd))),
          expect: 'refused',
          names: /content-type/,
        };
        break;
      }
      case 'wrong-content-encoding': {
        const encoding = pick(rnd, [
          'br',
          'zstd',
          'compress',
          'gzip, gzip',
          'gzip, br',
          'x-gzip2',
          `${randomBytes(rnd, 6).toString('hex')}`,
        ]);
        yield {
          kind,
          path: '/v1/traces',
          headers: { ...PROTOBUF, 'content-encoding': encoding },
          body: gzipSync(Buffer.from(encodeTraces(goodSpans(rnd)))),
          expect: 'refused',
          names: /content-encoding/,
        };
        break;
      }
      case 'empty-body': {
        // an empty protobuf is a valid, empty ExportTraceServiceRequest; empty JSON is not JSON
        const json = rnd() < 0.5;
        yield {
          kind,
          path: '/v1/traces',
          headers: json ? JSON_TYPE : PROTOBUF,
          body: Buffer.alloc(0),
          expect: json ? 'refused' : 'either',
          names: /JSON|empty/i,
        };
        break;
      }
      case 'bad-verdict': {
        const depth = int(rnd, 1_000, 100_000);
        const body = pick(rnd, [
          `{"kind":"feedback","decision_id":"d","value":${'['.repeat(depth)}${']'.repeat(depth)}}`,
          `{"verdicts":${'['.repeat(depth)}${']'.repeat(depth)}}`,
          `{"kind":"review","decision_id":${int(rnd, 0, 9)}}`,
          `{"verdicts":[${'null,'.repeat(int(rnd, 0, 50))}null]}`,
          '[]',
          'null',
        ]);
        yield {
          kind,
          path: '/v1/verdicts',
          headers: JSON_TYPE,
          body: Buffer.from(body),
          expect: 'refused',
          names: /verdict|JSON/,
        };
        break;
      }
    }
  }
}

// ---------------------------------------------------------------- spans topic

export interface BadMessage {
  kind: string;
  value: Buffer;
}

const MESSAGE_KINDS = [
  ['random-bytes', 10],
  ['truncated-protobuf', 10],
  ['flipped-protobuf', 10],
  ['odd-protobuf', 12],
  ['deep-json', 2],
  ['wrong-types-json', 8],
  ['invalid-utf8-json', 3],
  ['gzip', 3],
  ['empty', 2],
] as const;

/** Messages for the spans topic: the same bad bytes, as a producer that skips the gateway would write them. */
export function* badMessages(seed: number): Generator<BadMessage> {
  const rnd = mulberry32(seed);
  for (;;) {
    const kind = weighted(rnd, MESSAGE_KINDS);
    switch (kind) {
      case 'random-bytes':
        yield { kind, value: randomBytes(rnd, int(rnd, 1, 4096)) };
        break;
      case 'truncated-protobuf':
        yield { kind, value: truncated(rnd) };
        break;
      case 'flipped-protobuf':
        yield { kind, value: flipped(rnd) };
        break;
      case 'odd-protobuf': {
        const odd = oddProtobuf(rnd);
        yield { kind: `odd-protobuf:${odd.kind}`, value: odd.bytes };
        break;
      }
      case 'deep-json':
        // 30k levels stay under Kafka's 1 MB message limit
        yield { kind, value: Buffer.from(deepJsonAttribute(rnd, int(rnd, 1_000, 30_000), 900_000)) };
        break;
      case 'wrong-types-json':
        yield { kind, value: Buffer.from(wrongTypes(rnd).body) };
        break;
      case 'invalid-utf8-json':
        yield { kind, value: invalidUtf8Json(rnd) };
        break;
      case 'gzip':
        // Kafka carries no content-encoding: a gzipped payload is just bytes that are not OTLP
        yield { kind, value: gzipSync(Buffer.from(encodeTraces(goodSpans(rnd)))) };
        break;
      case 'empty':
        yield { kind, value: Buffer.alloc(0) };
        break;
    }
  }
}

// ---------------------------------------------------------------- config files

export interface BadConfig {
  kind: string;
  yaml: string;
  /** 'refused': must throw; 'either': random text may be a valid (empty) document */
  expect: 'refused' | 'either';
  /** what the message must name besides the file */
  names?: RegExp;
}

const KNOWN_KEYS = [
  ['sampling', 'slice_by'],
  ['sampling', 'per_slice_target_per_hour'],
  ['sampling', 'min_probability'],
  ['sampling', 'decision_wait'],
  ['sampling', 'max_buffered_traces'],
  ['sampling', 'recent_horizon'],
  ['scoring', 'interval'],
  ['scoring', 'windows'],
  ['scoring', 'min_samples'],
  ['scoring', 'fdr'],
  ['scoring', 'slices'],
  ['bank', 'capture_interval'],
  ['alerts', 'rules'],
  ['alerts', 'receivers'],
] as const;

/** Values no known key accepts (every key there wants a number, duration, list or mapping of its own shape). */
const BAD_VALUES = [
  '.nan',
  '"NaN"',
  '.inf',
  '-.inf',
  '1e999',
  '-1e999',
  '99999999999999999999999999999999999999',
  `"${'9'.repeat(400)}d"`,
  '0x7fffffffffffffffffff',
  'true',
  '"-5s"',
  '[[[1]]]',
  '{a: {b: {c: 1}}}',
  '!!binary aGVsbG8=',
  '2026-01-01T00:00:00Z',
];

const CONFIG_KINDS = [
  ['random-text', 6],
  ['random-document', 10],
  ['wrong-type', 10],
  ['unknown-key', 6],
  ['deep-nesting', 4],
  ['alias-bomb', 4],
  ['duplicate-key', 2],
] as const;

/** Bad livegrade.config.yaml documents. */
export function* badConfigs(seed: number): Generator<BadConfig> {
  const rnd = mulberry32(seed);
  for (;;) {
    const kind = weighted(rnd, CONFIG_KINDS);
    switch (kind) {
      case 'random-text': {
        const alphabet = 'ab:- \n\t[]{}&*!|>\'"#%@`,?0.9\u00e9\u{1f600}\u0000';
        let text = '';
        for (let i = int(rnd, 1, 300); i > 0; i--) text += pick(rnd, [...alphabet]);
        yield { kind, yaml: text, expect: 'either' };
        break;
      }
      case 'random-document': {
        // a random JSON-shaped tree at the top: the top level allows four known sections only
        const tree = (depth: number): unknown => {
          const r = rnd();
          if (depth > 3 || r < 0.3) return pick(rnd, [1, -1.5, 'x', true, null, 1e308, '']);
          if (r < 0.6) return Array.from({ length: int(rnd, 0, 4) }, () => tree(depth + 1));
          return Object.fromEntries(
            Array.from({ length: int(rnd, 1, 4) }, () => [
              pick(rnd, ['sampling', 'scoring', 'alerts', 'bank', 'zzz', 'rules', 'windows', '']),
              tree(depth + 1),
            ]),
          );
        };
        yield {
          kind,
          yaml: JSON.stringify({ [`x${int(rnd, 0, 99)}`]: tree(0), sampling: tree(1) }),
          expect: 'refused',
          names: /x\d+: unknown key/,
        };
        break;
      }
      case 'wrong-type': {
        const [section, key] = pick(rnd, KNOWN_KEYS);
        const value = pick(rnd, BAD_VALUES);
        // a huge but finite number is a valid (if odd) target: per_slice_target_per_hour has no upper bound
        const expect = /^(9+|0x[0-9a-f]+)$/.test(value) ? 'either' : 'refused';
        yield { kind, yaml: `${section}:\n  ${key}: ${value}\n`, expect, names: new RegExp(`${section}\\.${key}`) };
        break;
      }
      case 'unknown-key': {
        const [section] = pick(rnd, KNOWN_KEYS);
        const key = pick(rnd, [
          'slice_bye',
          'decisionwait',
          '__proto__',
          'constructor',
          'toString',
          '<<',
          'k'.repeat(int(rnd, 1, 5000)),
        ]);
        // past 1024 characters YAML itself refuses the key, at its line and column
        yield {
          kind,
          yaml: `${section}:\n  ${key}: 1\n`,
          expect: 'refused',
          names: new RegExp(`${section}\\.|:2:3: `),
        };
        break;
      }
      case 'deep-nesting': {
        const [section, key] = pick(rnd, KNOWN_KEYS);
        const depth = int(rnd, 1_000, 100_000);
        const style = rnd();
        let value: string;
        if (style < 0.5) value = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        else value = `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
        yield { kind, yaml: `${section}:\n  ${key}: ${value}\n`, expect: 'refused', names: /YAML|nest|deep|\./ };
        break;
      }
      case 'alias-bomb': {
        // billion laughs: each level repeats the one before `width` times
        const width = int(rnd, 5, 12);
        const levels = int(rnd, 4, 12);
        const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
        for (let i = 1; i < levels; i++)
          lines.push(
            `l${i}: &l${i} [${Array(width)
              .fill(`*l${i - 1}`)
              .join(', ')}]`,
          );
        const [section, key] = pick(rnd, KNOWN_KEYS);
        lines.push(`${section}:\n  ${key}: *l${levels - 1}`);
        yield { kind, yaml: `${lines.join('\n')}\n`, expect: 'refused', names: /alias|l0|unknown key/ };
        break;
      }
      case 'duplicate-key': {
        const [section, key] = pick(rnd, KNOWN_KEYS);
        yield { kind, yaml: `${section}:\n  ${key}: 1\n  ${key}: 2\n`, expect: 'refused', names: /unique/ };
        break;
      }
    }
  }
}

/** Counts by a label, for the summary a fuzz test prints. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}=${n}`)
      .join(' ');
  }
}

const runGc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Memory after a full garbage collection, so what is compared across a run
 * is what it retained, not what it had not yet collected.
 */
export function settledMemory(): NodeJS.MemoryUsage {
  runGc();
  runGc();
  return process.memoryUsage();
}

/** "rss 600 MB, heap 80 MB, buffers 3 MB" */
export function showMemory(m: NodeJS.MemoryUsage): string {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
  return `rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, buffers ${mb(m.arrayBuffers)}`;
}

const MB = 1024 * 1024;
/** growth of what JavaScript retains (heap and Buffers, after a full GC) from the warm-up to the end */
const RETAINED_BOUND = 200 * MB;
/**
 * RSS also holds what native code keeps: the ClickHouse engine runs in this
 * process and zlib and the allocator keep arenas, so it grows while the heap
 * stays flat (+150 MB for the gateway alone, +260-330 MB with the store, over
 * 20-75 s): a bound against runaway growth, not a leak check.
 */
const RSS_BOUND = 512 * MB;

/** Fails when memory grew past the bounds above between the warm-up and the end of a fuzz run. */
export function assertMemoryBounded(warm: NodeJS.MemoryUsage, end: NodeJS.MemoryUsage): void {
  const retained = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
  const grew = (a: number, b: number) => `${((b - a) / MB).toFixed(0)} MB`;
  assert.ok(
    retained(end) - retained(warm) < RETAINED_BOUND,
    `heap and Buffers grew by ${grew(retained(warm), retained(end))}`,
  );
  assert.ok(end.rss - warm.rss < RSS_BOUND, `rss grew by ${grew(warm.rss, end.rss)}`);
}
