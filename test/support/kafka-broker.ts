import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A Kafka broker of one test's own, through infra/kafka/start.sh and stop.sh
 * on free ports and a temporary data dir, so the test may stop it without
 * touching the broker every other test shares. It reuses the shared broker's
 * jars (KAFKA_LIBS_DIR) rather than copying them from ~/.m2 again.
 */
export interface OwnKafkaBroker {
  /** host:port */
  brokers: string;
  /** stops the broker (TERM, as an operator would); its data stays */
  stop(): Promise<void>;
  /** starts it again on the same ports and data dir; resolves once it answers */
  start(): Promise<void>;
  /** stops it and deletes its data */
  remove(): Promise<void>;
}

export async function startOwnKafkaBroker(): Promise<OwnKafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'livegrade-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    LIVEGRADE_INFRA_DIR: dir,
    KAFKA_LIBS_DIR: join(process.env.LIVEGRADE_INFRA_DIR ?? join(repo, '.infra'), 'kafka', 'libs'),
  };
  const run = (script: 'start' | 'stop') =>
    new Promise<void>((resolve, reject) => {
      execFile('bash', [join(repo, 'infra/kafka', `${script}.sh`)], { env, timeout: 150_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`infra/kafka/${script}.sh failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
      );
    });
  const broker: OwnKafkaBroker = {
    brokers: `127.0.0.1:${port}`,
    start: () => run('start'),
    stop: () => run('stop'),
    async remove() {
      await run('stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start().catch(async (err) => {
    await broker.remove();
    throw err;
  });
  return broker;
}
