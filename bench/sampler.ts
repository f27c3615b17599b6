import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaBus } from '@livegrade/bus';
import { parseEnv, topicsOf } from '@livegrade/core';
import { decodeTraces, encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { createSampler, samplerConfig } from '@livegrade/sampler';
import { spanRowsOf } from '@livegrade/sampler/extract';
import { openStore, type Store } from '@livegrade/store';
import { Kafka, logLevel } from 'kafkajs';
import { hexId, rng } from '../test/support/traffic.ts';
import { benchTrace, type Dataset } from './dataset.ts';
import { quantile } from './table.ts';

export interface SamplerFigures {
  rawConsumeDecode: number;
  sampler: number;
  rawInsert: number;
  latency: { p50: number; p99: number; n: number };
}

/**
 * Sampler throughput (Kafka → ClickHouse engine) next to, on the same topic
 * and rows in the same run: a bare kafkajs consumer that only decodes, and a
 * bare insert of the rows the sampler writes. Then ingest-to-queryable latency.
 */
export async function benchSampler(brokers: string, data: Dataset, latencySamples = 100): Promise<SamplerFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'livegrade-bench-'));
  const vars = {
    LIVEGRADE_KAFKA_BROKERS: brokers,
    LIVEGRADE_KAFKA_TOPIC_PREFIX: `lgbench.${Date.now().toString(36)}`,
    LIVEGRADE_KAFKA_GROUP: `lgbench-sampler-${Date.now().toString(36)}`,
    LIVEGRADE_DATA_DIR: dir,
    LIVEGRADE_LOG_LEVEL: 'warn',
  };
  const env = parseEnv(vars);
  const topics = topicsOf(env);
  const bus = createKafkaBus({ brokers: brokers.split(',') });
  const stores: Store[] = [];
  try {
    await bus.ensureTopics([
      { name: topics.spans, partitions: 3 },
      { name: topics.verdicts, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);
    const producer = bus.producer();
    for (let i = 0; i < data.messages.length; i += 50)
      await producer.send(topics.spans, data.messages.slice(i, i + 50));

    const rawConsumeDecode = await rawConsume(brokers, topics.spans, data.spans);

    const store = await openStore(env);
    stores.push(store);
    const logger = createLogger('warn');
    const sampler = createSampler({ bus, store, logger, config: samplerConfig(env) });
    const t0 = performance.now();
    await sampler.start();
    while (sampler.stats().spans < data.spans) await sleep(5);
    const samplerRate = data.spans / ((performance.now() - t0) / 1000);

    const rawInsert = await rawInsertRate(
      parseEnv({ ...vars, LIVEGRADE_CLICKHOUSE_DATABASE: 'bench_raw_insert' }),
      data,
      stores,
    );

    const latency = await ingestLatency(producer, topics.spans, store, latencySamples);
    await sampler.stop();
    return { rawConsumeDecode, sampler: samplerRate, rawInsert, latency };
  } finally {
    await bus.close();
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kafkajs consumer that decodes each message and does nothing else: the ceiling for the sampler. */
async function rawConsume(brokers: string, topic: string, expected: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-raw-${Date.now()}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let spans = 0;
  const t0 = performance.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) if (m.value) spans += decodeTraces(m.value).length;
      if (spans >= expected) resolveDone();
    },
  });
  await done;
  const rate = spans / ((performance.now() - t0) / 1000);
  await consumer.disconnect();
  return rate;
}

/** The same rows the sampler writes, inserted directly, in sampler-sized batches. */
async function rawInsertRate(env: ReturnType<typeof parseEnv>, data: Dataset, stores: Store[]): Promise<number> {
  const store = await openStore(env);
  stores.push(store);
  const batches = [];
  for (let i = 0; i < data.messages.length; i += 40) {
    const messages = data.messages
      .slice(i, i + 40)
      .map((m, j) => ({ ...m, headers: {}, offset: String(i + j), timestamp: 0 }));
    batches.push(spanRowsOf(messages));
  }
  const t0 = performance.now();
  for (const rows of batches) {
    await store.insertSpans(rows.spans);
    await store.insertDecisions(rows.decisions);
  }
  return data.spans / ((performance.now() - t0) / 1000);
}

/** From the producer's send to the decision row answering a SELECT, one trace at a time. */
async function ingestLatency(
  producer: { send(topic: string, m: Array<{ key: string; value: Buffer }>): Promise<void> },
  topic: string,
  store: Store,
  samples: number,
) {
  const rand = rng(99);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const spans = benchTrace(rand, Date.now());
    const decisionId = hexId(8, rand);
    spans[1]!.attributes['livegrade.decision.id'] = decisionId;
    const t0 = performance.now();
    await producer.send(topic, [{ key: spans[0]!.traceId, value: Buffer.from(encodeTraces(spans)) }]);
    for (;;) {
      const [row] = await store.select<{ n: string }>(
        `SELECT count() AS n FROM decisions WHERE decision_id = {id:String}`,
        { id: decisionId },
      );
      if (Number(row?.n) > 0) break;
      await sleep(1);
    }
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), n: latencies.length };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
