import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireKafka, uniqueKafkaNames } from '../../../test/support/infra.ts';
import { createKafkaBus } from './kafka/bus.ts';
import { lagOf, PartitionLags } from './lag.ts';
import { createMemoryBus } from './memory.ts';
import type { Batch, Bus, Consumer } from './types.ts';

const kafka = await requireKafka();

describe('consumer lag', () => {
  it('is the log end offset minus the next offset to handle, never negative', () => {
    assert.equal(lagOf('10', '10'), 0);
    assert.equal(lagOf('10', '4'), 6);
    // a high watermark fetched before the batch's own last offset was handled
    assert.equal(lagOf('10', '12'), 0);
    // int64 offsets beyond 2^53 still subtract exactly
    assert.equal(lagOf('9007199254740995', '9007199254740993'), 2);
  });

  it('keeps the latest measurement per partition and forgets partitions that moved to another member', () => {
    const lags = new PartitionLags();
    lags.record('spans', 0, '100', '40');
    lags.record('spans', 1, '50', '50');
    lags.record('spans', 0, '120', '100');
    assert.deepEqual(lags.list(), [
      { topic: 'spans', partition: 0, lag: 20 },
      { topic: 'spans', partition: 1, lag: 0 },
    ]);
    lags.retain([{ topic: 'spans', partition: 1 }]);
    assert.deepEqual(lags.list(), [{ topic: 'spans', partition: 1, lag: 0 }]);
  });

  it('is exact on the in-process bus: what a held batch and later messages leave unhandled', async () => {
    const bus = createMemoryBus();
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const held = await holdFirstBatch(bus, 't', 'g');
    await held.send(5);
    const batch = await held.first;
    await held.send(3);
    const lagOfHeld = () => held.consumer.lag().find((l) => l.partition === batch.partition)?.lag;
    assert.equal(held.consumer.lag().length, 2, 'every partition of the topic is reported');
    assert.equal(lagOfHeld(), 8, 'the held batch of 5 and the 3 sent since');
    assert.equal(total(held.consumer.lag()), 8);
    held.release();
    await until(() => total(held.consumer.lag()) === 0);
    assert.equal(total(held.consumer.lag()), 0, 'nothing left once every batch is handled');
    await held.consumer.stop();
    assert.deepEqual(held.consumer.lag(), [], 'a stopped member reports no lag');
    await bus.close();
  });

  it('on Kafka, counts a batch its handler still holds, and 0 once it is handled', {
    skip: kafka.ok ? false : kafka.skip,
  }, async () => {
    const bus = createKafkaBus({ brokers: [kafka.ok ? kafka.url : ''], clientId: 'lag-test' });
    const names = uniqueKafkaNames('lag');
    const topic = `${names.LIVEGRADE_KAFKA_TOPIC_PREFIX}.t`;
    try {
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const held = await holdFirstBatch(bus, topic, names.LIVEGRADE_KAFKA_GROUP);
      await held.send(20);
      const batch = await held.first;
      // measured when the batch arrived: at least the batch itself is not handled yet
      assert.ok(total(held.consumer.lag()) >= batch.messages.length, JSON.stringify(held.consumer.lag()));
      held.release();
      await until(() => total(held.consumer.lag()) === 0, 20_000);
      assert.deepEqual(held.consumer.lag(), [{ topic, partition: 0, lag: 0 }]);
    } finally {
      await bus.close();
    }
  });
});

const total = (lags: { lag: number }[]) => lags.reduce((n, l) => n + l.lag, 0);

async function until(done: () => boolean, timeoutMs = 2000) {
  for (const end = Date.now() + timeoutMs; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
}

/** A consumer whose handler holds the first batch it gets until `release()`, and a producer on one key. */
async function holdFirstBatch(bus: Bus, topic: string, groupId: string) {
  const producer = bus.producer();
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let gotFirst!: (b: Batch) => void;
  const first = new Promise<Batch>((r) => {
    gotFirst = r;
  });
  let batches = 0;
  const consumer: Consumer = bus.consumer({ groupId, topics: [topic] });
  await consumer.run(async (batch) => {
    if (batches++ === 0) {
      gotFirst(batch);
      await held;
    }
  });
  const send = (n: number) =>
    producer.send(
      topic,
      Array.from({ length: n }, () => ({ key: 'k', value: Buffer.from('x') })),
    );
  return { consumer, first, release, send };
}
