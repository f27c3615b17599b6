import { createRequire } from 'node:module';
import type { Bus, BusLogger, OutgoingMessage, Producer } from '@livegrade/bus';

/**
 * The Kafka client is an optional peer dependency: a service that sends to a
 * gateway never loads it, and one that exports to Kafka brings its own copy.
 * Keep this name in step with the client packages/bus/src/kafka uses.
 */
export const KAFKA_CLIENT_PACKAGE = '@platformatic/kafka';

/** Throws, naming the package, when Kafka export is chosen and the client is not installed. */
export function assertKafkaClientInstalled(resolveFrom: string = import.meta.url): void {
  try {
    createRequire(resolveFrom).resolve(KAFKA_CLIENT_PACKAGE);
  } catch {
    throw new Error(
      `livegrade init: exporting straight to Kafka (kafkaBrokers or LIVEGRADE_KAFKA_BROKERS) needs the ` +
        `"${KAFKA_CLIENT_PACKAGE}" package, which is not installed. Run \`npm install ${KAFKA_CLIENT_PACKAGE}\`, ` +
        'or send through a livegrade gateway instead (endpoint or LIVEGRADE_ENDPOINT, e.g. http://127.0.0.1:4318)',
    );
  }
}

export interface LazyKafkaOptions {
  brokers: string[];
  clientId: string;
  logger?: BusLogger | undefined;
}

/**
 * A producer whose Kafka adapter (and so the client) is imported on first
 * use, off the import path of the app. Spans and verdicts share it.
 */
export class LazyKafkaProducer implements Producer {
  private bus: Promise<{ bus: Bus; producer: Producer }> | undefined;
  private closed = false;

  constructor(private readonly options: LazyKafkaOptions) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('the Kafka producer is closed (after shutdown())');
    const { producer } = await this.connect();
    await producer.send(topic, messages);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.bus) await (await this.bus).bus.close();
  }

  private connect() {
    this.bus ??= import('@livegrade/bus').then(({ createKafkaBus }) => {
      const bus = createKafkaBus({
        brokers: this.options.brokers,
        clientId: this.options.clientId,
        ...(this.options.logger ? { logger: this.options.logger } : {}),
      });
      return { bus, producer: bus.producer() };
    });
    return this.bus;
  }
}
