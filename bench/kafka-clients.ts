// The two Kafka clients side by side, as the bench drives them: kafkajs 2.2.4
// (the client livegrade ran on before) and @platformatic/kafka (the runtime
// client), bare and through livegrade's bus adapter (packages/bus/src/kafka).
// Each producer sends the same batches the same way (sendAll); each consumer
// decodes every message it reads and returns once it has read `spans` spans.
// Each returns with its client still open, and how to close it, so the
// caller's clock can stop before the close. kafka-client-child.ts runs one
// of them per process; a failure ends that process.
import { createKafkaBus } from '@livegrade/bus';
import { decodeTraces } from '@livegrade/otlp';
import { Consumer, type Message, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { TraceMessage } from './dataset.ts';

/** sends awaited at once by every bench producer (the traffic in sampler.ts, both clients here) */
export const SENDS_IN_FLIGHT = 4;

/** Sends each batch, SENDS_IN_FLIGHT at a time; rejects with the first send that fails. */
export async function sendAll<B>(batches: Iterable<B>, send: (batch: B) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const batch of batches) {
    const sending = send(batch).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** closes the client a run left open */
export type Closing = () => Promise<void>;

export interface Target {
  brokers: string[];
  topic: string;
}

/**
 * kafkajs with acks=all, its Java-compatible partitioner (murmur2 on the key,
 * as compatibilityPartitioner) and idempotent, as the adapter's producer is.
 * An idempotent kafkajs producer holds a lock per broker around each produce
 * request, so it has one request in flight per broker whatever
 * maxInFlightRequests says; @platformatic/kafka sets maxInflights 1 when
 * idempotent: the two are alike there.
 */
export async function produceKafkajs(to: Target, batches: Iterable<{ messages: TraceMessage[] }>): Promise<Closing> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: to.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 5,
  });
  await producer.connect();
  await sendAll(batches, async (b) => {
    await producer.send({ topic: to.topic, acks: -1, messages: b.messages });
  });
  return () => producer.disconnect();
}

/** @platformatic/kafka through livegrade's adapter (createKafkaBus().producer()): acks=all, idempotent, compatibilityPartitioner. */
export async function produceAdapter(to: Target, batches: Iterable<{ messages: TraceMessage[] }>): Promise<Closing> {
  const bus = createKafkaBus({ brokers: to.brokers, clientId: 'bench-platformatic' });
  const producer = bus.producer();
  await sendAll(batches, (b) => producer.send(to.topic, b.messages));
  return () => bus.close();
}

/** What a consumer read so far. */
export interface Read {
  messages: number;
  spans: number;
  bytes: number;
}

export interface ConsumeTarget extends Target {
  groupId: string;
  /** stop once this many spans were decoded */
  spans: number;
}

/** A read that counts what it decoded and resolves `done` once it reached `spans`. */
function reading(spans: number) {
  const read: Read = { messages: 0, spans: 0, bytes: 0 };
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const decode = (value: Buffer | null | undefined) => {
    if (!value) return;
    read.messages++;
    read.bytes += value.length;
    read.spans += decodeTraces(value).length;
    if (read.spans >= spans) finish();
  };
  return { read, done, decode };
}

/** kafkajs: eachBatch, three partitions at once, 8 MiB per partition, 64 MiB per fetch, 200 ms fetch wait. */
export async function consumeKafkajs(from: ConsumeTarget): Promise<{ read: Read; close: Closing }> {
  const { read, done, decode } = reading(from.spans);
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: from.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: from.groupId,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: from.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) decode(m.value);
    },
  });
  await done;
  return { read: { ...read }, close: () => consumer.disconnect() };
}

/**
 * Bare @platformatic/kafka: a group member's consume() stream, read with
 * read() loops and one 'readable' listener for the stream's whole life (the
 * client fetches only while the stream has one), no commits; fetch sizes
 * and wait as kafkajs's above.
 */
export async function consumePlatformatic(from: ConsumeTarget): Promise<{ read: Read; close: Closing }> {
  const { read, decode } = reading(from.spans);
  const consumer = new Consumer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: from.brokers,
    groupId: from.groupId,
    autocommit: false,
    maxWaitTime: 200,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  const stream = await consumer.consume({
    topics: [from.topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  let wake = () => {};
  let failed: Error | undefined;
  stream.on('readable', () => wake());
  stream.on('error', (err: Error) => {
    failed = err;
    wake();
  });
  for (;;) {
    for (let m = stream.read() as Message | null; m !== null; m = stream.read() as Message | null) decode(m.value);
    if (failed) throw failed;
    if (read.spans >= from.spans) break;
    // 'readable' is emitted on a later tick, never between the read() that returned null and this
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  return {
    read: { ...read },
    close: async () => {
      await stream.close().catch(() => {});
      await consumer.close(true);
    },
  };
}

/** livegrade's adapter: createKafkaBus().consumer() with commit 'after-batch', as the writers run it. */
export async function consumeAdapter(from: ConsumeTarget): Promise<{ read: Read; close: Closing }> {
  const { read, done, decode } = reading(from.spans);
  const bus = createKafkaBus({ brokers: from.brokers, clientId: 'bench-adapter' });
  const consumer = bus.consumer({
    groupId: from.groupId,
    topics: [from.topic],
    fromBeginning: true,
    commit: 'after-batch',
  });
  await consumer.run(async (batch) => {
    for (const m of batch.messages) decode(m.value);
  });
  await done;
  return { read: { ...read }, close: () => bus.close() };
}
