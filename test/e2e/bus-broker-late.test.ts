// A service started while its Kafka broker is down (the sampler's container
// before Kafka's, say) waits for the broker and then reads: its consumer
// joins the group and opens its stream once the broker answers. The broker is
// the test's own, so stopping it leaves the shared one alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bus, createKafkaBus } from '@livegrade/bus';
import { requireKafka } from '../support/infra.ts';
import { type OwnKafkaBroker, startOwnKafkaBroker } from '../support/kafka-broker.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

describe('a consumer started before its broker', { skip: kafka.ok ? false : kafka.skip }, () => {
  let broker: OwnKafkaBroker;
  let bus: Bus;
  before(async () => {
    broker = await startOwnKafkaBroker();
    bus = createKafkaBus({ brokers: [broker.brokers] });
    await bus.ensureTopics([{ name: 'late.spans', partitions: 3 }]);
    await broker.stop();
  });
  after(async () => {
    await bus?.close();
    await broker?.remove();
  });

  it('joins, and reads what is produced, once the broker is back', async () => {
    const read: string[] = [];
    const consumer = bus.consumer({ groupId: 'late-group', topics: ['late.spans'] });
    const running = consumer.run(async (batch) => {
      for (const m of batch.messages) read.push(m.value.toString());
    });
    // the consumer keeps trying while the broker is down
    await new Promise((r) => setTimeout(r, 3000));
    await broker.start();
    await running;
    const values = ['a', 'b', 'c', 'd', 'e', 'f'];
    await bus.producer().send(
      'late.spans',
      values.map((v) => ({ key: `key-${v}`, value: Buffer.from(v) })),
    );
    await waitFor('every message read', async () => (read.length >= values.length ? true : undefined));
    assert.deepEqual([...read].sort(), values);
  });
});
