import type { Bus, Consumer, ConsumerOptions, Producer, TopicSpec } from '../types.ts';
import { ensureKafkaTopics } from './admin.ts';
import { createKafkaConsumer } from './consumer.ts';
import type { KafkaBusOptions } from './options.ts';
import { createKafkaProducer } from './producer.ts';

export type { KafkaBusOptions } from './options.ts';

/**
 * Kafka through @platformatic/kafka (README "Kafka client" says why not
 * kafkajs). Everything that knows about the client lives in this folder, so
 * a later swap stays local.
 */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  const open: Array<{ close(): Promise<void> }> = [];
  return {
    kind: 'kafka',
    ensureTopics: (topics: TopicSpec[]) => ensureKafkaTopics(options, topics),
    producer(): Producer {
      const p = createKafkaProducer(options);
      open.push(p);
      return p;
    },
    consumer(opts: ConsumerOptions): Consumer {
      const c = createKafkaConsumer(options, opts, options.logger);
      open.push({ close: () => c.stop() });
      return c;
    },
    async close() {
      await Promise.allSettled(open.splice(0).map((o) => o.close()));
    },
  };
}
