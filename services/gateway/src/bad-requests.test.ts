import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createMemoryBus } from '@livegrade/bus';
import { parseEnv } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { gatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';

// Refusals the fuzzer (test/e2e/fuzz-gateway.test.ts) found saying too little,
// through Fastify's inject.

const gateway = () =>
  createGateway({ bus: createMemoryBus(), logger: createLogger('silent'), config: gatewayConfig(parseEnv({})) });

const SPAN = {
  traceId: 'ab'.repeat(16),
  spanId: 'cd'.repeat(8),
  parentSpanId: '',
  name: 'x',
  kind: 1,
  startMs: 1_700_000_000_000,
  endMs: 1_700_000_000_100,
  statusCode: 0,
  statusMessage: '',
  serviceName: 's',
  scopeName: 's',
  attributes: {},
  resourceAttributes: {},
  events: [],
};

describe('gateway refusals name what was wrong', () => {
  it('says a body that is not what its content-encoding claims is not valid gzip or deflate', async () => {
    const g = gateway();
    const protobuf = Buffer.from(encodeTraces([SPAN]));
    for (const [encoding, payload] of [
      ['gzip', protobuf], // says gzip, is not
      ['gzip', gzipSync(protobuf).subarray(0, 12)], // cut short
      ['deflate', protobuf],
    ] as const) {
      const r = await g.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': encoding },
        payload,
      });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error, new RegExp(`not valid ${encoding} data \\(content-encoding: ${encoding}\\): \\w`));
    }
  });

  it('answers a content type it cannot read, or cannot parse, with the types it takes', async () => {
    const g = gateway();
    for (const [url, type, expected] of [
      ['/v1/traces', ';;;', /unsupported content-type ";;;": send application\/x-protobuf or application\/json/],
      ['/v1/traces', 'application/xml', /unsupported content-type "application\/xml": send application\/x-protobuf/],
      ['/v1/traces', 'deadbeef', /unsupported content-type "deadbeef"/],
      [
        '/v1/verdicts',
        'application/x-protobuf',
        /unsupported content-type "application\/x-protobuf": send application\/json$/,
      ],
    ] as const) {
      const r = await g.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: 'x' });
      assert.equal(r.statusCode, 415, `${url} ${type}`);
      assert.match(r.json().error, expected);
    }
  });

  it('refuses protobuf the sampler could not decode, instead of accepting it', async () => {
    // short messages only: one length byte each
    const ld = (field: number, ...parts: Buffer[]) => {
      const body = Buffer.concat(parts);
      return Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
    };
    // a parentSpanId of 3 bytes: the regrouping copies the span unread, the sampler refuses it
    const span = ld(2, ld(1, Buffer.alloc(16, 0xab)), ld(2, Buffer.alloc(8, 0xcd)), ld(4, Buffer.from([1, 2, 3])));
    const r = await gateway().app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: ld(1, ld(2, span)),
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error, /parentSpanId must be 8 bytes, got 3/);
  });
});
