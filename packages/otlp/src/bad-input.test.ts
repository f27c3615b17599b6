import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pb } from '../../../test/support/protobuf.ts';
import { MAX_VALUE_DEPTH } from './any-value.ts';
import { decodeTraces, OtlpDecodeError, splitByTrace } from './index.ts';

// Inputs the fuzzers (test/e2e/fuzz-*.test.ts) found mishandled: each threw
// something other than OtlpDecodeError (a 500 at the gateway), was accepted
// wrongly, or cost far more than its size.

const IDS = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) };
const json = (spans: unknown[]) => Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
const withAttribute = (value: unknown) => json([{ ...IDS, attributes: [{ key: 'a', value }] }]);

function refused(payload: Buffer, pattern: RegExp) {
  assert.throws(
    () => decodeTraces(payload),
    (err: Error) => err instanceof OtlpDecodeError && pattern.test(err.message),
  );
}

describe('OTLP JSON refuses what is not OTLP, with an OtlpDecodeError naming where', () => {
  it('null, a number or an array where a message belongs', () => {
    refused(Buffer.from('{"resourceSpans":[null]}'), /^resourceSpans\[0\] must be an object \(\(root\)\)$/);
    refused(Buffer.from('{"resourceSpans":[1]}'), /resourceSpans\[0\] must be an object/);
    refused(Buffer.from('{"resourceSpans":[[[]]]}'), /resourceSpans\[0\] must be an object/);
    refused(json([null]), /spans\[0\] must be an object \(resourceSpans\[0\]\.scopeSpans\[0\]\)/);
    refused(json([{ ...IDS, events: [null] }]), /events\[0\] must be an object/);
    refused(json([{ ...IDS, attributes: [null] }]), /attribute without a key/);
  });

  it('text that is not UTF-8', () => {
    const text = json([{ ...IDS, name: 'NAME' }]);
    const at = text.indexOf('NAME');
    refused(
      Buffer.concat([text.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28]), text.subarray(at)]),
      /not valid UTF-8/,
    );
  });

  it('times that are not whole nanoseconds from 0 to 2^64-1', () => {
    for (const t of [-1, 1.5, 1e300, '18446744073709551616', '99999999999999999999999', 'abc']) {
      refused(json([{ ...IDS, startTimeUnixNano: t }]), /time must be a whole number of nanoseconds/);
    }
    const [s] = decodeTraces(json([{ ...IDS, startTimeUnixNano: '18446744073709551615', endTimeUnixNano: 0 }]));
    assert.ok(Math.abs((s?.startMs ?? 0) - 18_446_744_073_709.55) < 0.01);
  });

  it('attribute values nested deeper than the limit, where the decoder used to overflow the stack', () => {
    // built as text: JSON.stringify recurses too
    const open = '{"arrayValue":{"values":[';
    const deep = `${open.repeat(20_000)}{"stringValue":"x"}${']}}'.repeat(20_000)}`;
    const payload = Buffer.from(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(IDS).slice(0, -1)},"attributes":[{"key":"a","value":${deep}}]}]}]}]}`,
    );
    refused(payload, new RegExp(`nested deeper than ${MAX_VALUE_DEPTH} levels`));
    let ok: unknown = { stringValue: 'x' };
    for (let i = 1; i < MAX_VALUE_DEPTH; i++) ok = { arrayValue: { values: [ok] } };
    assert.equal(decodeTraces(withAttribute(ok)).length, 1, 'the limit itself is fine');
  });
});

describe('attribute values decode in linear time and space', () => {
  it('stringifies nested maps once: 40 levels stay small (each level used to double the escaping)', () => {
    let value: unknown = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const [s] = decodeTraces(withAttribute(value));
    const text = s?.attributes.a as string;
    assert.ok(text.length < 1000, `${text.length} characters`);
    assert.equal(text, `${'{"k":'.repeat(40)}"x"${'}'.repeat(40)}`);

    let proto = pb.ld(1, Buffer.from('x'));
    for (let i = 0; i < 40; i++) proto = pb.ld(6, pb.ld(1, pb.ld(1, Buffer.from('k')), pb.ld(2, proto)));
    const [p] = decodeTraces(pb.request(pb.attribute('a', proto)));
    assert.equal(p?.attributes.a, text);
  });

  it('refuses protobuf values nested deeper than the limit', () => {
    let proto = pb.ld(1, Buffer.from('x'));
    for (let i = 0; i < 5_000; i++) proto = pb.ld(5, pb.ld(1, proto));
    refused(
      pb.request(pb.attribute('deep', proto)),
      /attribute value nested deeper than 64 levels \(attribute "deep"\)/,
    );
  });
});

describe('decoded spans are safe to store', () => {
  it('keeps an attribute named __proto__ as an attribute, leaving the prototype alone', () => {
    const array = { arrayValue: { values: [{ stringValue: 'z' }] } };
    for (const payload of [
      json([{ ...IDS, attributes: [{ key: '__proto__', value: array }] }]),
      pb.request(pb.attribute('__proto__', pb.ld(5, pb.ld(1, pb.ld(1, Buffer.from('z')))))),
    ]) {
      const [s] = decodeTraces(payload);
      assert.equal(Object.getPrototypeOf(s?.attributes), Object.prototype);
      assert.deepEqual(Object.keys(s!.attributes), ['__proto__']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(s!.attributes, '__proto__')?.value, ['z']);
    }
  });

  it('reads span kinds and status codes OTLP does not define as 0, which the UInt8 columns take', () => {
    const [a] = decodeTraces(json([{ ...IDS, kind: -1, status: { code: 300 } }]));
    assert.deepEqual([a?.kind, a?.statusCode], [0, 0]);
    const minusOne = [255, 255, 255, 255, 255, 255, 255, 255, 255, 1]; // int32 -1 as a varint
    const [b] = decodeTraces(pb.request(pb.varintField(6, minusOne), pb.ld(15, pb.varintField(3, [7]))));
    assert.deepEqual([b?.kind, b?.statusCode], [0, 0]);
    const [c] = decodeTraces(json([{ ...IDS, kind: 5, status: { code: 2 } }]));
    assert.deepEqual([c?.kind, c?.statusCode], [5, 2]);
  });
});

describe('splitByTrace', () => {
  it('refuses protobuf the decoder refuses, though regrouping would copy it unread', () => {
    const payload = pb.request(pb.ld(4, Buffer.from([1, 2, 3])));
    assert.throws(() => splitByTrace(payload, 'protobuf'), /parentSpanId must be 8 bytes, got 3/);
  });
});
