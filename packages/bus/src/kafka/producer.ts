import { compatibilityPartitioner, Producer as KafkaProducer, ProduceAcks } from '@platformatic/kafka';
import type { OutgoingMessage, Producer } from '../types.ts';
import { clientOptionsOf, type KafkaBusOptions } from './options.ts';

/**
 * acks=all, idempotent, and murmur2 on the key masked as the Java client and the
 * OpenTelemetry Collector's Kafka exporter partition: a trace id lands on the
 * same partition whoever writes it (compatibilityPartitioner; the client's
 * default partitioner hashes differently).
 */
export function createKafkaProducer(options: KafkaBusOptions): Producer {
  let producer: KafkaProducer | undefined;
  return {
    async send(topic, messages: OutgoingMessage[]) {
      if (messages.length === 0) return;
      producer ??= new KafkaProducer({
        ...clientOptionsOf(options),
        acks: ProduceAcks.ALL,
        // a retried send (a new topic's leader not ready yet, a lost response) is written once
        idempotent: true,
        partitioner: compatibilityPartitioner,
      });
      await producer.send({
        messages: messages.map((m) => ({
          topic,
          key: m.key === null ? undefined : Buffer.from(m.key, 'utf8'),
          value: m.value,
          ...(m.headers ? { headers: headersOf(m.headers) } : {}),
        })),
      });
    },
    async close() {
      const p = producer;
      producer = undefined;
      await p?.close();
    },
  };
}

function headersOf(headers: Record<string, string>): Map<Buffer, Buffer> {
  return new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
}
