import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaBus, type TopicSpec } from '@livegrade/bus';
import { DEFAULT_CONFIG, type SamplingConfig, topicsOf } from '@livegrade/core';
import { Kafka, logLevel } from 'kafkajs';
import { traceMessages } from './dataset.ts';
import type { ClientChildConfig, ClientRun } from './kafka-client-child.ts';
import { sendAll } from './kafka-clients.ts';
import type { ChildConfig, ChildResult } from './sampler-child.ts';

export interface TrafficFigures {
  traces: number;
  spans: number;
  bytes: number;
  keepEverything: ChildResult;
  policy: ChildResult;
}

/**
 * kafkajs next to @platformatic/kafka on one `clients` topic (3 partitions):
 * each producer sends the same `traces` traces (the raw topic's), kafkajs
 * first; then each consumer reads and decodes both copies from the beginning.
 */
export interface ClientFigures {
  traces: number;
  versions: { kafkajs: string; platformatic: string };
  produce: { kafkajs: ClientRun; platformatic: ClientRun };
  consume: { kafkajs: ClientRun; platformatic: ClientRun; adapter: ClientRun };
  /** messages per partition from each producer: the same when both partitioners hash a key alike */
  partitions: { kafkajs: number[]; platformatic: number[] };
}

export interface SamplerFigures {
  /** bare @platformatic/kafka consume + decode of the raw topic: the ceiling for any writer */
  raw: ClientRun;
  rawTraces: number;
  clients: ClientFigures;
  runs: TrafficFigures[];
  latency: ChildResult;
  /** a late thumbs-down → its parked trace queryable in sampled_spans */
  promotion: ChildResult;
  sampling: SamplingConfig;
  produceRate: number;
}

const CHILD = fileURLToPath(new URL('./sampler-child.ts', import.meta.url));
const CLIENT_CHILD = fileURLToPath(new URL('./kafka-client-child.ts', import.meta.url));

/** Runs one writer configuration in its own node process and returns the result line it prints. */
function runChild(config: ChildConfig): Promise<ChildResult> {
  return spawnChild(
    CHILD,
    config,
    `${config.mode} (${config.traces} traces)`,
    config.liveHeapEveryMs ? ['--expose-gc'] : [],
  );
}

/** Runs one Kafka client in its own node process (kafka-client-child.ts). */
function runClient(config: ClientChildConfig): Promise<ClientRun> {
  // kafkajs's request queue arms its throttle check with a negative delay (Node runs it after 1 ms, with a warning)
  return spawnChild(CLIENT_CHILD, config, `${config.mode} on ${config.topic}`, [
    '--disable-warning=TimeoutNegativeWarning',
  ]);
}

function spawnChild<T>(script: string, config: object, label: string, flags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', script], {
      env: { ...process.env, BENCH_CHILD: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as T);
      else reject(new Error(`bench child ${label} exited ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/**
 * Sampler throughput and peak RSS at each traffic size (distinct traces per
 * run), the v0 keep-everything writer next to the real policy on the same
 * topic in the same run, each in its own process; a bare @platformatic/kafka
 * consume + decode as the ceiling; kafkajs next to @platformatic/kafka
 * (ClientFigures); then ingest → queryable latency of `decisions` at the
 * default decision_wait.
 */
export async function benchSampler(
  brokers: string,
  sizes: number[],
  sampling: SamplingConfig,
  opts: { cpuProfileDir?: string; liveHeapEveryMs?: number; log?: (line: string) => void } = {},
): Promise<SamplerFigures> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const run = `lgbench.${Date.now().toString(36)}`;
  const prefixOf = (label: string) => `${run}.${label}`;
  const bus = createKafkaBus({ brokers: brokers.split(',') });
  const created: string[] = [];
  try {
    const labels = [...sizes.map((n) => `t${n}`), 'latency', 'promotion'];
    const specs: TopicSpec[] = labels.flatMap((label) => {
      const t = topicsOf({ LIVEGRADE_KAFKA_TOPIC_PREFIX: prefixOf(label) });
      return [
        { name: t.spans, partitions: 3 },
        { name: t.verdicts, partitions: 3 },
        { name: t.dlq, partitions: 1 },
      ];
    });
    // the Kafka client comparison's one topic
    const clientsTopic = prefixOf('clients');
    specs.push({ name: clientsTopic, partitions: 3 });
    await bus.ensureTopics(specs);
    created.push(...specs.map((s) => s.name));

    // each traffic size produced once, to its own topic: one trace per message, keyed by trace id
    const producer = bus.producer();
    const traffic: Array<{ traces: number; spans: number; bytes: number }> = [];
    let produced = 0;
    const p0 = performance.now();
    for (const n of sizes) {
      const topic = topicsOf({ LIVEGRADE_KAFKA_TOPIC_PREFIX: prefixOf(`t${n}`) }).spans;
      let spans = 0;
      let bytes = 0;
      await sendAll(traceMessages(n, { seed: n }), (batch) => {
        spans += batch.spans;
        bytes += batch.bytes;
        return producer.send(topic, batch.messages);
      });
      produced += n;
      traffic.push({ traces: n, spans, bytes });
      log(
        `produced ${n.toLocaleString('en-US')} traces (${spans.toLocaleString('en-US')} spans, ${(bytes / 1e6).toFixed(0)} MB) to ${topic}`,
      );
    }
    const produceRate = produced / ((performance.now() - p0) / 1000);
    await producer.close();

    const base = { brokers, ...(opts.cpuProfileDir ? { cpuProfileDir: opts.cpuProfileDir } : {}) };
    // the ceiling on a mid-sized topic: it depends on bytes per trace, not on how many
    const rawOn = traffic.find((t) => t.traces >= 100_000) ?? (traffic.at(-1) as (typeof traffic)[number]);
    const raw = await runClient({
      mode: 'consume-platformatic',
      brokers,
      topic: topicsOf({ LIVEGRADE_KAFKA_TOPIC_PREFIX: prefixOf(`t${rawOn.traces}`) }).spans,
      spans: rawOn.spans,
    });
    log(`raw consume+decode ${rawOn.traces.toLocaleString('en-US')} traces: ${Math.round(raw.elapsedMs)} ms`);
    const clients = await benchClients(brokers, clientsTopic, rawOn, log);

    const runs: TrafficFigures[] = [];
    for (const t of traffic) {
      const on = { ...base, prefix: prefixOf(`t${t.traces}`), traces: t.traces, spans: t.spans };
      const keepEverything = await runChild({ ...on, mode: 'keep-everything' });
      log(`keep-everything ${t.traces.toLocaleString('en-US')} traces: ${Math.round(keepEverything.elapsedMs)} ms`);
      const policy = await runChild({
        ...on,
        mode: 'policy',
        sampling,
        ...(opts.liveHeapEveryMs ? { liveHeapEveryMs: opts.liveHeapEveryMs } : {}),
      });
      const live = policy.liveHeap
        ? `; live heap ${Math.round(policy.liveHeap.bytes / 2 ** 20)} MiB with ${policy.liveHeap.buffered} buffered, ${policy.liveHeap.queued} queued, ${policy.liveHeap.inserting} rows being inserted`
        : '';
      log(
        `real policy ${t.traces.toLocaleString('en-US')} traces: ${Math.round(policy.elapsedMs)} ms (read in ${Math.round(policy.readMs ?? 0)} ms)${live}`,
      );
      runs.push({ ...t, keepEverything, policy });
    }

    const latency = await runChild({
      ...base,
      mode: 'latency',
      prefix: prefixOf('latency'),
      traces: 100,
      spans: 500,
      samples: 100,
      spreadMs: 10_000,
      sampling: { decision_wait: DEFAULT_CONFIG.sampling.decision_wait },
    });
    log(`latency: ${latency.latency?.n} traces`);
    // a tiny target: past each slice's first trace almost nothing is kept, so the traces are parked
    const promotion = await runChild({
      ...base,
      mode: 'promotion',
      prefix: prefixOf('promotion'),
      traces: 2_000,
      spans: 4_000,
      samples: 100,
      spreadMs: 5_000,
      sampling: { decision_wait: 1_000, per_slice_target_per_hour: 0.001, min_probability: 0.001 },
    });
    log(`promotion: ${promotion.promotion?.n} of ${promotion.promotion?.parked} parked traces promoted`);
    return { raw, rawTraces: rawOn.traces, clients, runs, latency, promotion, sampling, produceRate };
  } finally {
    await bus.close();
    await deleteTopics(brokers, created);
  }
}

/** The ClientFigures runs, one after the other, each client in its own process. */
async function benchClients(
  brokers: string,
  topic: string,
  traffic: { traces: number; spans: number },
  log: (line: string) => void,
): Promise<ClientFigures> {
  const ms = (r: ClientRun) => `${Math.round(r.elapsedMs)} ms`;
  // the raw topic's traffic again: same seed, same messages
  const produce = { brokers, topic, traces: traffic.traces, seed: traffic.traces };
  const before = await partitionEnds(brokers, topic);
  const kafkajs = await runClient({ ...produce, mode: 'produce-kafkajs' });
  const afterKafkajs = await partitionEnds(brokers, topic);
  const platformatic = await runClient({ ...produce, mode: 'produce-platformatic' });
  const afterPlatformatic = await partitionEnds(brokers, topic);
  const partitions = {
    kafkajs: afterKafkajs.map((end, p) => end - (before[p] ?? 0)),
    platformatic: afterPlatformatic.map((end, p) => end - (afterKafkajs[p] ?? 0)),
  };
  log(
    `produced ${traffic.traces.toLocaleString('en-US')} traces to ${topic}: kafkajs ${ms(kafkajs)} (per partition ${partitions.kafkajs.join('/')}), @platformatic/kafka ${ms(platformatic)} (${partitions.platformatic.join('/')})`,
  );
  const consume = { brokers, topic, spans: kafkajs.spans + platformatic.spans };
  const consumed = {
    kafkajs: await runClient({ ...consume, mode: 'consume-kafkajs' }),
    platformatic: await runClient({ ...consume, mode: 'consume-platformatic' }),
    adapter: await runClient({ ...consume, mode: 'consume-adapter' }),
  };
  log(
    `consumed + decoded ${topic}: kafkajs ${ms(consumed.kafkajs)}, @platformatic/kafka ${ms(consumed.platformatic)}, adapter ${ms(consumed.adapter)}`,
  );
  const versions = { kafkajs: versionOf('kafkajs'), platformatic: versionOf('@platformatic/kafka') };
  return { traces: traffic.traces, versions, produce: { kafkajs, platformatic }, consume: consumed, partitions };
}

/** The installed version of a package, from the package.json above its entry point (neither client exports it). */
function versionOf(name: string): string {
  for (let dir = dirname(createRequire(import.meta.url).resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version ?? '?';
  }
  return '?';
}

/** Each partition's log end offset, by partition number. */
async function partitionEnds(brokers: string, topic: string): Promise<number[]> {
  const admin = new Kafka({
    clientId: 'bench-offsets',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const ends: number[] = [];
    for (const p of await admin.fetchTopicOffsets(topic)) ends[p.partition] = Number(p.high);
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** A million traces are ~1 GB on the broker: the run's topics go when it ends. */
async function deleteTopics(brokers: string, topics: string[]) {
  if (topics.length === 0) return;
  const admin = new Kafka({
    clientId: 'bench-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch (err) {
    console.warn(`could not delete the bench topics (${(err as Error).message}): ${topics.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}
