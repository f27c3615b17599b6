import type { Kafka, Consumer as KafkaConsumer } from 'kafkajs';
import { PartitionLags } from '../lag.ts';
import type {
  BatchHandler,
  BusLogger,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  TopicPartitionOffset,
} from '../types.ts';

/**
 * A consumer-group member that commits a partition's offsets only after the
 * handler resolved for the batch (commit 'after-batch'), or only when its
 * owner says so (commit 'manual'): at-least-once, with the owner deciding
 * what "durably written" means. Autocommit is off for that reason.
 */
export function createKafkaConsumer(kafka: Kafka, opts: ConsumerOptions, logger?: BusLogger): Consumer {
  let consumer: KafkaConsumer | undefined;
  let stopped = false;
  const commitAfterBatch = (opts.commit ?? 'after-batch') === 'after-batch';
  const lags = new PartitionLags();

  return {
    async run(handler: BatchHandler) {
      consumer = kafka.consumer({
        groupId: opts.groupId,
        maxBytesPerPartition: opts.maxBytesPerPartition ?? 8 * 1024 * 1024,
        maxBytes: 64 * 1024 * 1024,
        maxWaitTimeInMs: 200,
        // the handler heartbeats while it backs off, so a short session only catches real crashes
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: 3_000,
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      // kafkajs emits GROUP_JOIN after SyncGroup and before it fetches the new assignment
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.entries(e.payload.memberAssignment as Record<string, number[]>).flatMap(
          ([topic, partitions]) => partitions.map((partition) => ({ topic, partition })),
        );
        lags.retain(assigned);
        opts.onAssign?.(assigned);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          // measured on arrival too, so a handler that holds a batch for long (backpressure) shows its backlog
          lags.record(
            batch.topic,
            batch.partition,
            batch.highWatermark,
            batch.messages[0]?.offset ?? batch.highWatermark,
          );
          const messages: ConsumedMessage[] = batch.messages.map((m) => ({
            key: m.key ? m.key.toString('utf8') : null,
            value: m.value ?? Buffer.alloc(0),
            headers: headersOf(m.headers),
            offset: m.offset,
            timestamp: Number(m.timestamp),
          }));
          await handler(
            { topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark },
            { heartbeat, isRunning: () => isRunning() && !isStale() },
          );
          if (!isRunning() || isStale()) return;
          const last = batch.lastOffset();
          const next = (BigInt(last) + 1n).toString();
          lags.record(batch.topic, batch.partition, batch.highWatermark, next);
          if (commitAfterBatch) {
            await consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
          }
          resolveOffset(last);
          try {
            await heartbeat();
          } catch (err) {
            // the group is preparing a rebalance: commits of this generation are still accepted
            if ((err as { type?: string }).type === 'REBALANCE_IN_PROGRESS') await opts.onRevoke?.();
            throw err;
          }
        },
      });
      logger?.info({ groupId: opts.groupId, topics: opts.topics }, 'kafka consumer running');
    },
    async commit(offsets: TopicPartitionOffset[]) {
      if (!consumer || stopped || offsets.length === 0) return;
      await consumer.commitOffsets(offsets);
    },
    pause() {
      consumer?.pause(opts.topics.map((topic) => ({ topic })));
    },
    lag: () => lags.list(),
    async stop() {
      if (stopped || !consumer) return;
      stopped = true;
      // disconnect waits for the in-flight batch, then leaves the group
      await consumer.disconnect();
      lags.clear();
    },
  };
}

function headersOf(h: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined) {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}
