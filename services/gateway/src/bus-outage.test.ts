import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus, Producer } from '@livegrade/bus';
import { parseEnv } from '@livegrade/core';
import type { Logger } from '@livegrade/runtime';
import { gatewayConfig } from './config.ts';
import { createGateway, type Gateway } from './gateway.ts';

// What the gateway answers while the bus does not take writes, through
// Fastify's inject with a producer that fails on demand. The real broker
// outage, seen by the official exporter, is test/e2e/gateway-kafka-down.test.ts.

const TRACE = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              name: 'classify',
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000100000000',
            },
          ],
        },
      ],
    },
  ],
});
const VERDICT = JSON.stringify({ kind: 'feedback', decision_id: 'd1', value: 'thumbs_down' });

type Send = Producer['send'];

function recordingLogger() {
  const lines: Array<{ level: string; msg: string | undefined; fields: unknown }> = [];
  const at = (level: string) => (fields: unknown, msg?: string) => {
    lines.push({ level, msg, fields });
  };
  const logger = {
    level: 'info',
    child: () => logger,
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
  };
  return { logger: logger as unknown as Logger, lines };
}

function gatewayOn(send: { current: Send }, busWait = { sendTimeoutMs: 200, retryAfterSeconds: 7 }) {
  const bus: Bus = {
    kind: 'memory',
    ensureTopics: async () => {},
    producer: () => ({ send: (topic, messages) => send.current(topic, messages), close: async () => {} }),
    consumer: () => {
      throw new Error('the gateway consumes nothing');
    },
    close: async () => {},
  };
  const { logger, lines } = recordingLogger();
  const gateway = createGateway({ bus, logger, config: gatewayConfig(parseEnv({}), busWait) });
  return { gateway, lines };
}

const postTrace = (g: Gateway) =>
  g.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: TRACE });
const postVerdict = (g: Gateway) =>
  g.app.inject({
    method: 'POST',
    url: '/v1/verdicts',
    headers: { 'content-type': 'application/json' },
    payload: VERDICT,
  });

describe('gateway while the bus does not take writes', () => {
  it('answers 503 with Retry-After on both routes, counts them as unavailable and warns once per outage', async () => {
    const send = { current: (async () => Promise.reject(new Error('broker down'))) as Send };
    const { gateway, lines } = gatewayOn(send);
    for (const post of [postTrace, postVerdict, postTrace]) {
      const r = await post(gateway);
      assert.equal(r.statusCode, 503);
      assert.equal(r.headers['retry-after'], '7');
      assert.match(r.json().error, /bus did not acknowledge.*after 7 s/);
    }
    assert.deepEqual(gateway.stats().requests, {
      '/v1/traces': { unavailable: 2 },
      '/v1/verdicts': { unavailable: 1 },
    });
    assert.equal(gateway.stats().spans, 0);
    assert.equal(gateway.stats().verdicts, 0);
    assert.equal(lines.filter((l) => l.level === 'warn').length, 1, 'one warning for the whole outage');
    assert.equal(lines.filter((l) => l.level === 'error').length, 0, 'a refused write is no server error');

    send.current = async () => {};
    assert.equal((await postTrace(gateway)).statusCode, 200);
    assert.equal((await postVerdict(gateway)).statusCode, 202);
    const recovered = lines.filter((l) => l.level === 'info' && l.msg === 'bus accepts writes again');
    assert.deepEqual(
      recovered.map((l) => (l.fields as { refusedRequests: number }).refusedRequests),
      [3],
    );

    send.current = async () => Promise.reject(new Error('broker down again'));
    assert.equal((await postTrace(gateway)).statusCode, 503);
    assert.equal(lines.filter((l) => l.level === 'warn').length, 2, 'a new outage warns again');
  });

  it('answers 503 when the bus does not acknowledge within sendTimeoutMs', { timeout: 5000 }, async () => {
    const { gateway } = gatewayOn(
      { current: () => new Promise<void>(() => {}) },
      {
        sendTimeoutMs: 150,
        retryAfterSeconds: 1,
      },
    );
    const started = Date.now();
    const r = await postTrace(gateway);
    assert.equal(r.statusCode, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
  });

  it('answers 200 only once the bus acknowledged the write', async () => {
    let acknowledge = () => {};
    const { gateway } = gatewayOn({
      current: () =>
        new Promise<void>((resolve) => {
          acknowledge = resolve;
        }),
    });
    let answered = false;
    const response = postTrace(gateway).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered, false, 'no answer before the bus acknowledged');
    acknowledge();
    assert.equal((await response).statusCode, 200);
    assert.equal(gateway.stats().spans, 1);
  });

  it('refuses a Retry-After the exporters would read as "retry at once"', () => {
    assert.throws(() => gatewayConfig(parseEnv({}), { retryAfterSeconds: 0 }), /retryAfterSeconds/);
    assert.throws(() => gatewayConfig(parseEnv({}), { sendTimeoutMs: 0.5 }), /sendTimeoutMs/);
  });
});
