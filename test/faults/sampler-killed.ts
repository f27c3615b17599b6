// Row 1: the sampler, a process of its own on the real broker and its own
// embedded store, is SIGKILLed three times at random moments while traffic
// flows, and started again each time. Whatever it had read and not committed
// is read again by its successor, which looks up what was already written and
// adopts it: every decision must end up visible once, none lost.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createKafkaBus } from '@livegrade/bus';
import { parseEnv, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { openStore } from '@livegrade/store';
import { tempDataDir } from '../support/env.ts';
import { uniqueKafkaNames } from '../support/infra.ts';
import { rng } from '../support/traffic.ts';
import { TS_CHILD_ARGS } from '../support/ts-child.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { sharedBrokers } from './support/kafka.ts';
import { sleep, startLoad } from './support/load.ts';
import type { FromChild, ToChild } from './support/sampler-process.ts';
import { seconds } from './support/table.ts';
import { decisionsRow, finalTally, readerOf, recovered, type StoreReader, steady } from './support/tally.ts';

const KILLS = 3;
const RATE = 200;
/**
 * A SIGKILLed member keeps its partitions until its session expires, and its
 * successor's join waits for that: 10 s here (30 s by default) keeps the row
 * short. The sampler's handover budget is half of it.
 */
const SESSION_TIMEOUT_MS = 10_000;
const CHILD = fileURLToPath(new URL('./support/sampler-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The sampler process, driven over IPC. */
class SamplerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly started: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stats: Extract<FromChild, { type: 'stats' }>['stats'] | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, (m: Extract<FromChild, { type: 'result' }>) => void>();

  constructor(vars: Record<string, string>) {
    this.child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD], {
      cwd: ROOT,
      env: { ...process.env, LIVEGRADE_CHILD_ENV: JSON.stringify(vars) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    const died = this.exited.then(({ code, signal }) => {
      throw new Error(`the sampler process exited (code ${code}, signal ${signal})`);
    });
    died.catch(() => {});
    const when = (type: FromChild['type']) =>
      Promise.race([
        new Promise<void>((resolve) => {
          const on = (m: FromChild) => {
            if (m.type !== type) return;
            this.child.off('message', on);
            resolve();
          };
          this.child.on('message', on);
        }),
        died,
      ]);
    this.ready = when('ready');
    this.started = when('started');
    this.ready.catch(() => {});
    this.started.catch(() => {});
    this.child.on('message', (m: FromChild) => {
      if (m.type === 'stats') this.stats = m.stats;
      if (m.type === 'result') this.waiting.get(m.id)?.(m);
    });
  }

  query(sql: string, visible: boolean): Promise<Array<Record<string, unknown>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the sampler process did not answer a query'));
      }, 30_000);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m.rows ?? []);
      });
      this.child.send({ type: 'query', id, sql, visible } satisfies ToChild);
    });
  }

  reader(): StoreReader {
    return { visible: (sql) => this.query(sql, true), raw: (sql) => this.query(sql, false) };
  }

  async kill() {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** a planned stop (what SIGTERM does in `livegrade up`); SIGKILL if it takes over a minute */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.send({ type: 'stop' } satisfies ToChild);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    const out = await this.exited;
    clearTimeout(timer);
    return out;
  }
}

export const scenario: FaultScenario = {
  name: 'sampler-killed',
  async run({ log }): Promise<FaultRow> {
    const brokers = await sharedBrokers();
    const data = tempDataDir('livegrade-faults-killed-');
    const vars = {
      LIVEGRADE_DATA_DIR: data.dir,
      LIVEGRADE_KAFKA_BROKERS: brokers,
      ...uniqueKafkaNames('faults-killed'),
      LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      LIVEGRADE_LOG_LEVEL: process.env.LIVEGRADE_TEST_LOG_LEVEL ?? 'silent',
    };
    const env = parseEnv(vars);
    const topics = topicsOf(env);
    const seed = Number(process.env.LIVEGRADE_FAULTS_SEED ?? Date.now() % 1_000_000);
    const rand = rng(seed);
    const bus = createKafkaBus({ brokers: brokers.split(',') });
    let proc: SamplerProcess | undefined;
    let stopLoad: (() => Promise<number>) | undefined;
    try {
      await bus.ensureTopics([
        { name: topics.spans, partitions: 3 },
        { name: topics.verdicts, partitions: 3 },
        { name: topics.dlq, partitions: 1 },
      ]);
      proc = new SamplerProcess(vars);
      await proc.started;

      const producer = bus.producer();
      const prefix = `killed-${Date.now().toString(36)}`;
      const load = startLoad({
        rate: RATE,
        prefix,
        seed: 1,
        log,
        send: (traces) =>
          producer.send(
            topics.spans,
            traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
          ),
      });
      stopLoad = () => load.stop();
      const t0 = Date.now();
      await sleep(8000);
      await steady(proc.reader(), prefix, load.sent);
      log(`sampler-killed: steady, ${load.sent} sent (seed ${seed})`);

      const kills: string[] = [];
      let recoverMs = 0;
      let faultEnd = 0;
      for (let k = 1; k <= KILLS; k++) {
        // a random moment of a sampler that is reading, deciding and writing
        await sleep(1000 + Math.floor(rand() * 7000));
        const sentBefore = load.sent;
        const readByVictim = proc.stats?.traces ?? 0;
        faultEnd = Date.now();
        const { signal } = await proc.kill();
        if (signal !== 'SIGKILL') throw new Error(`the sampler process ended by ${signal}, not by SIGKILL`);
        proc = new SamplerProcess(vars);
        await proc.ready;
        recoverMs = await recovered(proc.reader(), prefix, sentBefore, faultEnd);
        const s = proc.stats;
        kills.push(
          `kill ${k} at +${seconds(faultEnd - t0)} (${sentBefore} sent, ${readByVictim} decided by that process): ` +
            (Number.isFinite(recoverMs)
              ? `all ${sentBefore} visible ${seconds(recoverMs)} later; its successor adopted ${s?.adopted ?? 0} decisions it found written`
              : `not all ${sentBefore} visible after 120 s: the kills left are not made`),
        );
        log(`sampler-killed: ${kills.at(-1)}`);
        if (!Number.isFinite(recoverMs)) break;
      }
      await sleep(5000); // the load goes on a little after the last recovery
      const sent = await load.stop();
      stopLoad = undefined;
      // every decision in, then a planned stop; the count is taken on the store the processes left behind
      await finalTally(proc.reader(), prefix, sent).catch(() => {});
      const last = proc.stats;
      const { code } = await proc.stop();
      if (code !== 0) throw new Error(`the last sampler process did not stop cleanly (exit code ${code})`);
      const store = await openStore(env);
      try {
        const tally = await finalTally(readerOf(store), prefix, sent, 10_000);
        return decisionsRow(`sampler SIGKILLed ${KILLS}× under load`, sent, tally, recoverMs, [
          `${RATE} traces/s; sampler in its own process, session timeout ${SESSION_TIMEOUT_MS / 1000} s; kill moments seeded ${seed} (LIVEGRADE_FAULTS_SEED)`,
          ...kills,
          `the last process decided ${last?.traces ?? 0} traces, ${last?.adopted ?? 0} of them adopted from the store`,
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await stopLoad?.().catch(() => {});
      if (proc) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      await bus.close();
      data.cleanup();
    }
  },
};
