import { type Instance, type StartOptions, startInstance } from '@livegrade/cli';
import { tempDataDir, testEnv } from './env.ts';
import { uniqueKafkaNames } from './infra.ts';

export type Mode = 'embedded' | 'kafka';

/**
 * A livegrade instance for one test: its own data dir and, on Kafka, its own
 * topics and group. `stop()` also removes the data dir.
 */
export async function startTestInstance(
  mode: Mode,
  opts: { brokers?: string; env?: Record<string, string>; label?: string } & StartOptions = {},
): Promise<Instance & { dataDir: string }> {
  const data = tempDataDir();
  const kafka =
    mode === 'kafka'
      ? { LIVEGRADE_KAFKA_BROKERS: opts.brokers ?? '127.0.0.1:9092', ...uniqueKafkaNames(opts.label ?? 'e2e') }
      : {};
  const env = testEnv({ LIVEGRADE_DATA_DIR: data.dir, ...kafka, ...opts.env });
  const instance = await startInstance(env, opts).catch((err) => {
    data.cleanup();
    throw err;
  });
  const stop = instance.stop.bind(instance);
  return Object.assign(instance, {
    dataDir: data.dir,
    async stop() {
      await stop();
      data.cleanup();
    },
  });
}
