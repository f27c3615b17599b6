import { after, before } from 'node:test';
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

/**
 * For a `describe` of CLI commands run through a running instance: before
 * its tests, starts an API-only instance on `dataDir` (the store the offline
 * commands wrote) and fills `env` with `offline` plus the instance's
 * LIVEGRADE_API_URL, so the CLI goes through its API; stops it after.
 */
export function throughRunningApi(dataDir: string, offline: Record<string, string>) {
  const running = { env: {} as Record<string, string>, url: '' };
  let instance: Awaited<ReturnType<typeof startTestInstance>> | undefined;
  before(async () => {
    instance = await startTestInstance('embedded', { services: ['api'], env: { LIVEGRADE_DATA_DIR: dataDir } });
    running.url = instance.urls.api!;
    Object.assign(running.env, offline, { LIVEGRADE_API_URL: running.url });
  });
  after(() => instance?.stop());
  return running;
}
