// One Kafka client run (kafka-clients.ts) in its own process, so neither
// client's heap, JIT or sockets are warm from the other's: config arrives as
// JSON in BENCH_CHILD (ClientChildConfig), the result leaves as one stdout
// line `BENCH_RESULT {...}` (ClientRun). Produce modes send `traces` traces
// of bench/dataset.ts (generated before the clock starts, ~100 MB at
// 100,000: the client is measured, not the generator); consume modes read
// and decode `spans` spans from the beginning in a group of their own. Both
// time from creating the client (connecting, and the group join, included)
// to the last send acknowledged or the last span decoded; closing is not
// timed.
import { traceMessages } from './dataset.ts';
import {
  type Closing,
  consumeAdapter,
  consumeKafkajs,
  consumePlatformatic,
  produceAdapter,
  produceKafkajs,
  type Read,
} from './kafka-clients.ts';

export type ClientMode =
  | 'produce-kafkajs'
  | 'produce-platformatic'
  | 'consume-kafkajs'
  | 'consume-platformatic'
  | 'consume-adapter';

export interface ClientChildConfig {
  mode: ClientMode;
  brokers: string;
  topic: string;
  /** produce: this many traces, traceMessages(traces, { seed }) */
  traces?: number;
  seed?: number;
  /** consume: stop once this many spans were decoded */
  spans?: number;
}

export interface ClientRun extends Read {
  mode: ClientMode;
  elapsedMs: number;
  /** CPU time of the whole process (every thread) over the timed part, ms */
  cpuMs: number;
  /** the kernel's high-water mark of RSS (ru_maxrss), bytes */
  maxRss: number;
}

const cfg = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ClientChildConfig;
const brokers = cfg.brokers.split(',');

/** Times `run` up to what it read or sent; the client it leaves open is closed after the clock stopped. */
async function timed(run: () => Promise<{ read: Read; close: Closing }>): Promise<ClientRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { read, close } = await run();
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const out = {
    mode: cfg.mode,
    ...read,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
  await close();
  return out;
}

async function produce(send: typeof produceKafkajs): Promise<ClientRun> {
  const batches = [...traceMessages(cfg.traces ?? 0, { seed: cfg.seed ?? 1 })];
  const sent: Read = { messages: 0, spans: 0, bytes: 0 };
  for (const b of batches) {
    sent.messages += b.messages.length;
    sent.spans += b.spans;
    sent.bytes += b.bytes;
  }
  return timed(async () => ({ read: sent, close: await send({ brokers, topic: cfg.topic }, batches) }));
}

function consume(read: typeof consumeKafkajs): Promise<ClientRun> {
  const groupId = `lgbench-${cfg.mode}-${process.pid}-${Date.now().toString(36)}`;
  return timed(() => read({ brokers, topic: cfg.topic, groupId, spans: cfg.spans ?? 0 }));
}

const runs: Record<ClientMode, () => Promise<ClientRun>> = {
  'produce-kafkajs': () => produce(produceKafkajs),
  'produce-platformatic': () => produce(produceAdapter),
  'consume-kafkajs': () => consume(consumeKafkajs),
  'consume-platformatic': () => consume(consumePlatformatic),
  'consume-adapter': () => consume(consumeAdapter),
};
const result = await runs[cfg.mode]();
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
