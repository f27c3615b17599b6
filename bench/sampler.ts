import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createKafkaBus } from '@livegrade/bus';
import { DEFAULT_CONFIG, type SamplingConfig, topicsOf } from '@livegrade/core';
import { Kafka, logLevel } from 'kafkajs';
import { traceMessages } from './dataset.ts';
import type { ChildConfig, ChildResult } from './sampler-child.ts';

export interface TrafficFigures {
  traces: number;
  spans: number;
  bytes: number;
  keepEverything: ChildResult;
  policy: ChildResult;
}

export interface SamplerFigures {
  /** bare kafkajs consume + decode of the raw topic: the ceiling for any writer */
  raw: ChildResult;
  rawTraces: number;
  runs: TrafficFigures[];
  latency: ChildResult;
  sampling: SamplingConfig;
  produceRate: number;
}

const CHILD = fileURLToPath(new URL('./sampler-child.ts', import.meta.url));

/** Runs one configuration in its own node process and returns the result line it prints. */
function runChild(config: ChildConfig): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const flags = config.liveHeapEveryMs ? ['--expose-gc'] : [];
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', CHILD], {
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
      if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult);
      else
        reject(new Error(`bench child ${config.mode} (${config.traces} traces) exited ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/**
 * Sampler throughput and peak RSS at each traffic size (distinct traces per
 * run), the v0 keep-everything writer next to the real policy on the same
 * topic in the same run, each in its own process; a bare consume + decode
 * as the ceiling; then ingest → queryable latency of `decisions` at the
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
    const labels = [...sizes.map((n) => `t${n}`), 'latency'];
    const specs = labels.flatMap((label) => {
      const t = topicsOf({ LIVEGRADE_KAFKA_TOPIC_PREFIX: prefixOf(label) });
      return [
        { name: t.spans, partitions: 3 },
        { name: t.verdicts, partitions: 3 },
        { name: t.dlq, partitions: 1 },
      ];
    });
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
      const inFlight = new Set<Promise<void>>();
      for (const batch of traceMessages(n, { seed: n })) {
        const sending = producer.send(topic, batch.messages).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
        if (inFlight.size >= 4) await Promise.race(inFlight);
        spans += batch.spans;
        bytes += batch.bytes;
      }
      await Promise.all(inFlight);
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
    const raw = await runChild({ ...base, mode: 'raw', prefix: prefixOf(`t${rawOn.traces}`), ...rawOn });
    log(`raw consume+decode ${rawOn.traces.toLocaleString('en-US')} traces: ${Math.round(raw.elapsedMs)} ms`);

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
    return { raw, rawTraces: rawOn.traces, runs, latency, sampling, produceRate };
  } finally {
    await bus.close();
    await deleteTopics(brokers, created);
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
