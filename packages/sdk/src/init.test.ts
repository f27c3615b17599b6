import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { init } from './index.ts';
import { resolveOptions } from './options.ts';

describe('init()', () => {
  it('says which variables to set when there is nowhere to send', () => {
    const saved = { ...process.env };
    delete process.env.LIVEGRADE_KAFKA_BROKERS;
    delete process.env.LIVEGRADE_ENDPOINT;
    try {
      assert.throws(() => init({ serviceName: 'x' }), /LIVEGRADE_KAFKA_BROKERS.*LIVEGRADE_ENDPOINT/);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('refuses a missing service name, a bad endpoint and a too small payload limit', () => {
    assert.throws(() => resolveOptions({ serviceName: '' }, {}), /serviceName is required/);
    assert.throws(
      () => resolveOptions({ serviceName: 's', endpoint: 'localhost 4318' }, {}),
      /endpoint .* must be a URL/,
    );
    assert.throws(() => resolveOptions({ serviceName: 's', endpoint: 'ftp://gw' }, {}), /http:\/\/ or https:\/\//);
    assert.throws(
      () => resolveOptions({ serviceName: 's', endpoint: 'http://gw', maxPayloadBytes: 10 }, {}),
      /maxPayloadBytes must be an integer ≥ 64, got 10/,
    );
  });
});

describe('resolveOptions()', () => {
  it('reads brokers, endpoint and topic prefix from the environment; options win', () => {
    const env = {
      LIVEGRADE_KAFKA_BROKERS: 'k1:9092, k2:9092',
      LIVEGRADE_ENDPOINT: 'http://gw:4318',
      LIVEGRADE_KAFKA_TOPIC_PREFIX: 'prod',
    };
    const fromEnv = resolveOptions({ serviceName: 's' }, env);
    assert.deepEqual(fromEnv.transport, { kind: 'kafka', brokers: ['k1:9092', 'k2:9092'] });
    assert.deepEqual(fromEnv.topics, { spans: 'prod.spans', verdicts: 'prod.verdicts' });
    assert.equal(fromEnv.maxPayloadBytes, 16_384);

    const explicit = resolveOptions({ serviceName: 's', kafkaBrokers: ['k3:9092'], topicPrefix: 'stage' }, env);
    assert.deepEqual(explicit.transport, { kind: 'kafka', brokers: ['k3:9092'] });
    assert.equal(explicit.topics.spans, 'stage.spans');

    const gateway = resolveOptions({ serviceName: 's' }, { LIVEGRADE_ENDPOINT: 'http://gw:4318/v1/traces' });
    assert.deepEqual(gateway.transport, { kind: 'gateway', endpoint: 'http://gw:4318' });
    assert.equal(gateway.topics.verdicts, 'livegrade.verdicts');
  });

  it('prefers Kafka when both Kafka and a gateway are configured', () => {
    const r = resolveOptions({ serviceName: 's', endpoint: 'http://gw:4318' }, { LIVEGRADE_KAFKA_BROKERS: 'k:9092' });
    assert.equal(r.transport.kind, 'kafka');
  });
});
