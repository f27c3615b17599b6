import { type Admin, Kafka, type KafkaConfig, type Producer as KafkaProducer, logLevel, Partitioners } from 'kafkajs';
import type { Bus, BusLogger, Consumer, ConsumerOptions, Producer, TopicSpec } from '../types.ts';
import { createKafkaConsumer } from './consumer.ts';
import { pinoLogCreator } from './logger.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  logger?: BusLogger;
  /** kafkajs connection and request timeouts, ms */
  connectionTimeout?: number;
}

/**
 * Kafka through kafkajs. kafkajs has had no release since 2023; everything
 * that knows about it lives in this folder so a client swap stays local.
 */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'livegrade',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout ?? 3000,
    logLevel: logLevel.WARN,
    // bounded so an unreachable broker surfaces as an error instead of a hang
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  };
  if (options.logger) config.logCreator = pinoLogCreator(options.logger);
  const kafka = new Kafka(config);
  const open: Array<{ close(): Promise<void> }> = [];

  return {
    kind: 'kafka',
    async ensureTopics(topics: TopicSpec[]) {
      const admin: Admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
          });
        }
      } finally {
        await admin.disconnect();
      }
    },
    producer() {
      const p = createKafkaProducer(kafka);
      open.push(p);
      return p;
    },
    consumer(opts: ConsumerOptions): Consumer {
      const c = createKafkaConsumer(kafka, opts, options.logger);
      open.push({ close: () => c.stop() });
      return c;
    },
    async close() {
      await Promise.allSettled(open.splice(0).map((o) => o.close()));
    },
  };
}

function createKafkaProducer(kafka: Kafka): Producer {
  let connected: Promise<KafkaProducer> | undefined;
  const connect = () => {
    connected ??= (async () => {
      // murmur2 on the key, as the Java client and the Collector partition: a trace id lands on the same partition whoever writes it
      const p = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await p.connect();
      return p;
    })();
    // a failed connect must not poison later attempts
    connected.catch(() => {
      connected = undefined;
    });
    return connected;
  };
  return {
    async send(topic, messages) {
      if (messages.length === 0) return;
      const p = await connect();
      await p.send({ topic, messages, acks: -1 });
    },
    async close() {
      const p = connected;
      connected = undefined;
      if (p) await (await p).disconnect();
    },
  };
}
