import { type Bus, createKafkaBus, createMemoryBus, type Producer } from '@livegrade/bus';
import { DEFAULT_CONFIG, type SamplingConfig, type Topics, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { createSampler, type Sampler, type SamplerStore, samplerConfig } from '@livegrade/sampler';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from './env.ts';
import { uniqueKafkaNames } from './infra.ts';
import type { GeneratedTrace } from './traffic.ts';

/**
 * Samplers on topics of their own (real Kafka, or the in-process bus) and one embedded store, for
 * tests that drive the sampler directly: several replicas in one group, or
 * its stats after a drain. Everything runs in this process, because the
 * embedded store can be opened by one process only.
 */
export interface SamplerRig {
  store: Store;
  topics: Topics;
  producer: Producer;
  /** `store` wraps the rig's store for this replica only (a slow store, say) */
  startSampler(
    sampling: Partial<SamplingConfig>,
    opts?: { store?: (store: SamplerStore) => SamplerStore },
  ): Promise<Sampler>;
  sendTraces(traces: GeneratedTrace[]): Promise<void>;
  sendVerdicts(verdicts: Array<Record<string, unknown> & { decision_id: string }>): Promise<void>;
  close(): Promise<void>;
}

/** brokers '' selects the embedded in-process bus (one sampler per group there); `settings` adds LIVEGRADE_* variables. */
export async function startSamplerRig(
  brokers: string,
  label: string,
  partitions = 3,
  settings: Record<string, string> = {},
): Promise<SamplerRig> {
  const data = tempDataDir();
  const env = testEnv({
    LIVEGRADE_DATA_DIR: data.dir,
    ...(brokers ? { LIVEGRADE_KAFKA_BROKERS: brokers } : {}),
    ...uniqueKafkaNames(label),
    ...settings,
  });
  const topics = topicsOf(env);
  const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
  const kafkaBus = () => createKafkaBus({ brokers: brokers.split(','), logger });
  const bus: Bus = brokers ? kafkaBus() : createMemoryBus();
  await bus.ensureTopics([
    { name: topics.spans, partitions },
    { name: topics.verdicts, partitions },
    { name: topics.dlq, partitions: 1 },
  ]);
  const store = await openStore(env);
  const producer = bus.producer();
  const samplers: Sampler[] = [];
  const buses: Bus[] = [bus];
  return {
    store,
    topics,
    producer,
    async startSampler(sampling, opts) {
      // on Kafka each replica has its own client, as separate processes would
      const own = brokers ? kafkaBus() : bus;
      if (own !== bus) buses.push(own);
      const config = samplerConfig(env, { ...DEFAULT_CONFIG.sampling, ...sampling });
      const sampler = createSampler({ bus: own, store: opts?.store ? opts.store(store) : store, logger, config });
      samplers.push(sampler);
      await sampler.start();
      return sampler;
    },
    async sendTraces(traces) {
      await producer.send(
        topics.spans,
        traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
      );
    },
    async sendVerdicts(verdicts) {
      await producer.send(
        topics.verdicts,
        verdicts.map((v) => ({ key: v.decision_id, value: Buffer.from(JSON.stringify(v)) })),
      );
    },
    async close() {
      for (const s of samplers) await s.stop().catch(() => {});
      for (const b of buses) await b.close();
      await store.close();
      data.cleanup();
    },
  };
}
