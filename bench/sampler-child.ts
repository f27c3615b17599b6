// One benchmark run in its own process, so its peak RSS is the writer's alone
// (not the benchmark's): config arrives as JSON in BENCH_CHILD (ChildConfig),
// the result leaves as one stdout line `BENCH_RESULT {...}` (ChildResult).
// Modes: 'keep-everything' (the v0 writer), 'policy' (the sampler with the
// real policy), 'latency' (send to queryable in `decisions` with the real
// policy), 'promotion' (a late thumbs-down to its parked trace queryable in
// `sampled_spans`). The bare consume + decode ceiling runs in kafka-client-child.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaBus } from '@livegrade/bus';
import { DEFAULT_CONFIG, type DecisionRow, parseEnv, type SamplingConfig, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { createSampler, type SamplerStats, samplerConfig } from '@livegrade/sampler';
import { type EncodedTable, openStore, type SpanRow, type Store } from '@livegrade/store';
import { hexId, rng } from '../test/support/traffic.ts';
import { benchTrace } from './dataset.ts';
import { createKeepEverything } from './keep-everything.ts';
import { quantile } from './table.ts';

export interface ChildConfig {
  mode: 'keep-everything' | 'policy' | 'latency' | 'promotion';
  brokers: string;
  /** LIVEGRADE_KAFKA_TOPIC_PREFIX: the spans topic is `${prefix}.spans` */
  prefix: string;
  /** traces and spans on the topic (keep-everything, policy) */
  traces: number;
  spans: number;
  /** overrides of DEFAULT_CONFIG.sampling (policy, latency) */
  sampling?: Partial<SamplingConfig>;
  /** latency: traces sent, spread evenly over spreadMs; promotion: verdicts sent, likewise */
  samples?: number;
  spreadMs?: number;
  /**
   * diagnosis (needs node --expose-gc): every this many ms, collect garbage
   * and record the live JS heap, with what the sampler held at its peak
   */
  liveHeapEveryMs?: number;
  /** write a V8 CPU profile of the measured part to this directory */
  cpuProfileDir?: string;
}

export interface ChildResult {
  mode: ChildConfig['mode'];
  traces: number;
  spans: number;
  /** from start to the last row acknowledged by the store, ms */
  elapsedMs: number;
  /** from start until every span was read from Kafka (policy), ms */
  readMs?: number;
  /** CPU time of the whole process (every thread) over the measured part, ms */
  cpuMs: number;
  /** RSS once the store is open, before consuming */
  idleRss: number;
  /** highest RSS seen by a 50 ms sampler, and the kernel's high-water mark (ru_maxrss) */
  peakRss: number;
  maxRss: number;
  peakHeapUsed: number;
  /** the sampler's own counters at the end (policy), and the sampling it ran with */
  sampler?: SamplerStats & { decisionWaitMs: number; maxBufferedTraces: number };
  latency?: { n: number; p50: number; p99: number; max: number; boundMs: number; decisionWaitMs: number };
  /** promotion: from a thumbs-down's send to its parked trace's spans answering a SELECT on sampled_spans */
  promotion?: { n: number; parked: number; p50: number; p99: number; max: number };
  /** with liveHeapEveryMs: the largest live heap after a full GC, and what was in flight then */
  liveHeap?: { bytes: number; buffered: number; queued: number; inserting: number; atMs: number };
  /** per store call: how many, wall time awaiting it, and items passed (rows, or ids looked up) */
  store?: Record<string, { calls: number; ms: number; items: number; maxItems: number; maxMs: number }>;
}

const storeCalls: NonNullable<ChildResult['store']> = {};
/** rows (or ids) passed to store calls that have not returned yet */
let inFlightItems = 0;

/** Times a store call; `items` is what it was given (rows, ids). */
async function timed<T>(name: string, items: number, call: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  inFlightItems += items;
  try {
    return await call();
  } finally {
    inFlightItems -= items;
    const c = storeCalls[name] ?? { calls: 0, ms: 0, items: 0, maxItems: 0, maxMs: 0 };
    storeCalls[name] = c;
    const ms = performance.now() - t0;
    c.calls++;
    c.ms += ms;
    c.items += items;
    c.maxItems = Math.max(c.maxItems, items);
    c.maxMs = Math.max(c.maxMs, ms);
  }
}

function lines(body: string): number {
  let n = 0;
  for (let at = body.indexOf('\n'); at >= 0; at = body.indexOf('\n', at + 1)) n++;
  return n;
}

const cfg = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildConfig;
const dir = mkdtempSync(join(tmpdir(), `livegrade-bench-${cfg.mode}-`));
const runId = `${cfg.mode}-${process.pid}-${Date.now().toString(36)}`;
const env = parseEnv({
  LIVEGRADE_KAFKA_BROKERS: cfg.brokers,
  LIVEGRADE_KAFKA_TOPIC_PREFIX: cfg.prefix,
  LIVEGRADE_KAFKA_GROUP: `lgbench-${runId}`,
  LIVEGRADE_DATA_DIR: dir,
  LIVEGRADE_LOG_LEVEL: 'warn',
});
const topics = topicsOf(env);
const sampling: SamplingConfig = { ...DEFAULT_CONFIG.sampling, ...cfg.sampling };

const memory = { peakRss: 0, peakHeapUsed: 0 };
const sampleMemory = () => {
  const m = process.memoryUsage();
  if (m.rss > memory.peakRss) memory.peakRss = m.rss;
  if (m.heapUsed > memory.peakHeapUsed) memory.peakHeapUsed = m.heapUsed;
};
const memoryTimer = setInterval(sampleMemory, 50);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, done: () => boolean, timeoutMs: number, everyMs = 5) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Starts a V8 CPU profile through the inspector when asked to; returns the function that writes it. */
async function profile(): Promise<() => Promise<void>> {
  if (!cfg.cpuProfileDir) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(join(cfg.cpuProfileDir as string, `${runId}-${cfg.traces}.cpuprofile`), JSON.stringify(p));
    session.disconnect();
  };
}

function measured<T extends object>(t0: number, cpu0: NodeJS.CpuUsage, idleRss: number, extra: T) {
  const cpu = process.cpuUsage(cpu0);
  sampleMemory();
  return {
    mode: cfg.mode,
    traces: cfg.traces,
    spans: cfg.spans,
    elapsedMs: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    store: storeCalls,
    idleRss,
    peakRss: memory.peakRss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    peakHeapUsed: memory.peakHeapUsed,
    ...extra,
  };
}

async function keepEverything(store: Store): Promise<ChildResult> {
  const bus = createKafkaBus({ brokers: cfg.brokers.split(',') });
  const timedStore = {
    insertSpans: (rows: SpanRow[]) => timed('insertSpans', rows.length, () => store.insertSpans(rows)),
    insertDecisions: (rows: DecisionRow[]) => timed('insertDecisions', rows.length, () => store.insertDecisions(rows)),
  };
  const writer = createKeepEverything({
    bus,
    store: timedStore,
    groupId: env.LIVEGRADE_KAFKA_GROUP,
    topic: topics.spans,
  });
  sampleMemory();
  const idleRss = process.memoryUsage().rss;
  const stopProfile = await profile();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await writer.start();
  await until('keep-everything writes', () => writer.stats().spans >= cfg.spans, 600_000);
  const out = measured(t0, cpu0, idleRss, {});
  await stopProfile();
  await writer.stop();
  await bus.close();
  return out;
}

async function policy(store: Store): Promise<ChildResult> {
  const bus = createKafkaBus({ brokers: cfg.brokers.split(',') });
  const logger = createLogger('warn');
  // counts decision rows once the store acknowledged them: "decided and written"
  let decisionsWritten = 0;
  const counted = {
    ...store,
    async insertEncoded(table: EncodedTable, body: string) {
      const rows = lines(body);
      await timed(`insertEncoded ${table}`, rows, () => store.insertEncoded(table, body));
      if (table === 'decisions') decisionsWritten += rows;
    },
    decidedTraces: (ids: string[]) => timed('decidedTraces', ids.length, () => store.decidedTraces(ids)),
  };
  const sampler = createSampler({ bus, store: counted, logger, config: samplerConfig(env, sampling) });
  let liveHeap: ChildResult['liveHeap'];
  const gc = (globalThis as { gc?: () => void }).gc;
  const liveTimer =
    cfg.liveHeapEveryMs && gc
      ? setInterval(() => {
          gc();
          const bytes = process.memoryUsage().heapUsed;
          if (liveHeap && bytes <= liveHeap.bytes) return;
          const st = sampler.stats();
          const read = Math.round((st.spansRead * cfg.traces) / cfg.spans);
          liveHeap = {
            bytes,
            buffered: st.buffered,
            queued: read - st.traces - st.buffered,
            inserting: inFlightItems,
            atMs: performance.now() - t0,
          };
        }, cfg.liveHeapEveryMs)
      : undefined;
  sampleMemory();
  const idleRss = process.memoryUsage().rss;
  const stopProfile = await profile();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sampler.start();
  await until('every span read', () => sampler.stats().spansRead >= cfg.spans, 600_000);
  const readMs = performance.now() - t0;
  await until('every trace decided and written', () => decisionsWritten >= cfg.traces, 600_000);
  const out = measured(t0, cpu0, idleRss, { readMs });
  clearInterval(liveTimer);
  await stopProfile();
  await sampler.stop();
  const s = sampler.stats();
  await bus.close();
  return {
    ...out,
    ...(liveHeap ? { liveHeap } : {}),
    sampler: { ...s, decisionWaitMs: sampling.decision_wait, maxBufferedTraces: sampling.max_buffered_traces },
  };
}

/**
 * From the producer's send to the decision row answering a SELECT, for
 * `samples` traces sent spread over `spreadMs` (sent one after another, the
 * decision_wait of each would make this take minutes), polled every 20 ms.
 */
async function latency(store: Store): Promise<ChildResult> {
  const bus = createKafkaBus({ brokers: cfg.brokers.split(',') });
  const logger = createLogger('warn');
  const sampler = createSampler({ bus, store, logger, config: samplerConfig(env, sampling) });
  const producer = bus.producer();
  const rand = rng(99);
  const send = async () => {
    const spans = benchTrace(rand, Date.now());
    const decisionId = hexId(8, rand);
    spans[1]!.attributes['livegrade.decision.id'] = decisionId;
    const sentAt = performance.now();
    await producer.send(topics.spans, [{ key: spans[0]!.traceId, value: Buffer.from(encodeTraces(spans)) }]);
    return { decisionId, sentAt };
  };
  const visible = async (ids: string[]) =>
    new Set(
      (
        await store.select<{ decision_id: string }>(
          'SELECT decision_id FROM decisions WHERE decision_id IN {ids:Array(String)}',
          { ids },
        )
      ).map((r) => r.decision_id),
    );
  sampleMemory();
  const idleRss = process.memoryUsage().rss;
  await sampler.start();
  // warm-up: the group has joined and the path is hot once one trace came through
  const warm = await send();
  for (let seen = false; !seen; await sleep(50)) seen = (await visible([warm.decisionId])).has(warm.decisionId);

  const samples = cfg.samples ?? 100;
  const spreadMs = cfg.spreadMs ?? 10_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < samples; i++) {
    sends.push(
      sleep((i * spreadMs) / samples)
        .then(send)
        .then((s) => {
          pending.set(s.decisionId, s.sentAt);
        }),
    );
  }
  const deadline = t0 + spreadMs + sampling.decision_wait + 60_000;
  while (latencies.length < samples && performance.now() < deadline) {
    if (pending.size > 0) {
      const seen = await visible([...pending.keys()]);
      const at = performance.now();
      for (const id of seen) {
        latencies.push(at - (pending.get(id) as number));
        pending.delete(id);
      }
    }
    await sleep(20);
  }
  await Promise.all(sends);
  latencies.sort((a, b) => a - b);
  const out = measured(t0, cpu0, idleRss, {
    latency: {
      n: latencies.length,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      boundMs: sampling.decision_wait + 2000,
      decisionWaitMs: sampling.decision_wait,
    },
  });
  if (latencies.length < samples) throw new Error(`only ${latencies.length} of ${samples} decisions became visible`);
  await sampler.stop();
  await bus.close();
  return out;
}

/**
 * A late verdict's path (docs/ARCHITECTURE.md §5): `traces` traces sent at
 * once and decided by a policy that keeps almost none (a tiny target), so
 * they are parked; then a thumbs-down for `samples` of the parked ones,
 * spread over `spreadMs`, each timed from its send to its trace's spans
 * answering a SELECT on sampled_spans (decoded from the parked bytes),
 * polled every 20 ms.
 */
async function promotion(store: Store): Promise<ChildResult> {
  const bus = createKafkaBus({ brokers: cfg.brokers.split(',') });
  const logger = createLogger('warn');
  const sampler = createSampler({ bus, store, logger, config: samplerConfig(env, sampling) });
  const producer = bus.producer();
  const rand = rng(7);
  const traces = Array.from({ length: cfg.traces }, () => {
    const spans = benchTrace(rand, Date.now(), 'small');
    // successes only: a failure is kept when decided, not parked
    for (const s of spans) s.statusCode = 0;
    spans[1]!.attributes['livegrade.decision.score'] = 0.9;
    spans[1]!.attributes['livegrade.decision.id'] = hexId(8, rand);
    return spans;
  });
  sampleMemory();
  const idleRss = process.memoryUsage().rss;
  await sampler.start();
  await producer.send(
    topics.spans,
    traces.map((spans) => ({ key: spans[0]!.traceId, value: Buffer.from(encodeTraces(spans)) })),
  );
  const ids = traces.map((spans) => String(spans[1]!.attributes['livegrade.decision.id']));
  const deadlineDecided = performance.now() + sampling.decision_wait + 120_000;
  let notKept: Array<{ decision_id: string; trace_id: string }> = [];
  for (let written = 0; written < cfg.traces; await sleep(100)) {
    if (performance.now() > deadlineDecided) throw new Error('timed out waiting for the decisions');
    const rows = await store.select<{ decision_id: string; trace_id: string; sampled: boolean }>(
      'SELECT decision_id, trace_id, sampled FROM decisions FINAL WHERE decision_id IN {ids:Array(String)}',
      { ids },
    );
    written = rows.length;
    notKept = rows.filter((r) => !r.sampled);
  }
  const chosen = notKept.slice(0, cfg.samples ?? 100);
  const spreadMs = cfg.spreadMs ?? 5_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const sends = chosen.map((d, i) =>
    sleep((i * spreadMs) / chosen.length)
      .then(() => {
        pending.set(d.trace_id, performance.now());
        return producer.send(topics.verdicts, [
          {
            key: d.decision_id,
            value: Buffer.from(JSON.stringify({ kind: 'feedback', decision_id: d.decision_id, value: 'thumbs_down' })),
          },
        ]);
      })
      .then(() => {}),
  );
  const deadline = t0 + spreadMs + 60_000;
  while (latencies.length < chosen.length && performance.now() < deadline) {
    if (pending.size > 0) {
      const seen = await store.select<{ trace_id: string }>(
        'SELECT DISTINCT trace_id FROM sampled_spans WHERE trace_id IN {ids:Array(String)}',
        { ids: [...pending.keys()] },
      );
      const at = performance.now();
      for (const { trace_id } of seen) {
        latencies.push(at - (pending.get(trace_id) as number));
        pending.delete(trace_id);
      }
    }
    await sleep(20);
  }
  await Promise.all(sends);
  latencies.sort((a, b) => a - b);
  const out = measured(t0, cpu0, idleRss, {
    promotion: {
      n: latencies.length,
      parked: notKept.length,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
    },
  });
  if (latencies.length < chosen.length) throw new Error(`only ${latencies.length} of ${chosen.length} promoted`);
  await producer.close();
  await sampler.stop();
  await bus.close();
  return out;
}

let store: Store | undefined;
try {
  let result: ChildResult;
  store = await openStore(env);
  if (cfg.mode === 'keep-everything') result = await keepEverything(store);
  else if (cfg.mode === 'policy') result = await policy(store);
  else if (cfg.mode === 'promotion') result = await promotion(store);
  else result = await latency(store);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
} finally {
  clearInterval(memoryTimer);
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
