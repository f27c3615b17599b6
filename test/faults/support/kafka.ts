import { randomUUID } from 'node:crypto';
import type { Bus } from '@livegrade/bus';
import { Kafka, logLevel } from 'kafkajs';
import { requireKafka } from '../../support/infra.ts';
import { waitFor } from '../../support/wait.ts';

/** The shared broker's address; a scenario cannot run without it (under CI=true requireKafka throws first). */
export async function sharedBrokers(): Promise<string> {
  const kafka = await requireKafka();
  if (!kafka.ok) throw new Error(kafka.skip);
  return kafka.url;
}

/**
 * Reads a group's committed offsets with kafkajs, a client independent of the
 * one under test: partition → next offset to read (-1: nothing committed).
 */
export function offsetsReader(brokers: string, groupId: string, topic: string) {
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'faults-offsets',
    logLevel: logLevel.NOTHING,
  }).admin();
  let connected: Promise<void> | undefined;
  return {
    async committed(): Promise<Map<number, number>> {
      connected ??= admin.connect();
      await connected;
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    },
    async end(): Promise<Map<number, number>> {
      connected ??= admin.connect();
      await connected;
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
    },
    close: () => admin.disconnect(),
  };
}

/** Every message of a topic, read from the beginning in a throwaway group: partition → offset → key. */
export async function readKeys(bus: Bus, topic: string, expected: number): Promise<Map<number, Map<number, string>>> {
  const out = new Map<number, Map<number, string>>();
  const behind = new Map<number, boolean>();
  let count = 0;
  const consumer = bus.consumer({ groupId: `faults-read-${randomUUID()}`, topics: [topic], fromBeginning: true });
  await consumer.run(async (batch) => {
    const keys = out.get(batch.partition) ?? new Map<number, string>();
    out.set(batch.partition, keys);
    for (const m of batch.messages) {
      if (!keys.has(Number(m.offset))) count++;
      keys.set(Number(m.offset), m.key ?? '');
    }
    const last = batch.messages.at(-1);
    if (last) behind.set(batch.partition, BigInt(last.offset) + 1n < BigInt(batch.highWatermark));
  });
  try {
    await waitFor(
      `${expected} messages on ${topic}`,
      async () => (count >= expected && ![...behind.values()].some(Boolean) ? true : undefined),
      { timeoutMs: 120_000 },
    );
  } finally {
    await consumer.stop();
  }
  return out;
}
