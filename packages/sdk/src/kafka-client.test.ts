import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assertKafkaClientInstalled, KAFKA_CLIENT_PACKAGE, LazyKafkaProducer } from './kafka-client.ts';

const NO_BROKER = ['127.0.0.1:1'];

describe('assertKafkaClientInstalled()', () => {
  it('passes where the Kafka client resolves', () => {
    assert.equal(KAFKA_CLIENT_PACKAGE, '@platformatic/kafka');
    assert.doesNotThrow(() => assertKafkaClientInstalled());
    assert.doesNotThrow(() => assertKafkaClientInstalled(import.meta.url));
  });

  it('names the package and the install command where it does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livegrade-no-kafka-'));
    try {
      assert.throws(
        () => assertKafkaClientInstalled(pathToFileURL(join(dir, 'x.js')).href),
        (err: unknown) =>
          err instanceof Error &&
          err.message.includes('"@platformatic/kafka"') &&
          err.message.includes('`npm install @platformatic/kafka`'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LazyKafkaProducer', () => {
  it('refuses to send after close()', async () => {
    const producer = new LazyKafkaProducer({ brokers: NO_BROKER, clientId: 'livegrade-sdk-test' });
    await producer.close();
    await assert.rejects(producer.send('livegrade.spans', [{ key: 'k', value: Buffer.from('v') }]), /shutdown/);
  });

  it('loads neither the bus nor the Kafka client when closed before any send', async () => {
    const resolved: string[] = [];
    const hooks = registerHooks({
      resolve(specifier, ctx, next) {
        resolved.push(specifier);
        return next(specifier, ctx);
      },
    });
    try {
      const producer = new LazyKafkaProducer({ brokers: NO_BROKER, clientId: 'livegrade-sdk-test' });
      await producer.close();
      await producer.close();
      assert.deepEqual(
        resolved.filter((s) => s.includes('@livegrade/bus') || s.includes(KAFKA_CLIENT_PACKAGE)),
        [],
      );
      // the hook does see the adapter's import, had close() made it
      await import('@livegrade/bus');
      assert.ok(resolved.includes('@livegrade/bus'));
    } finally {
      hooks.deregister();
    }
  });
});
