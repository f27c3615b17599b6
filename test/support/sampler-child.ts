// Runs one sampler in its own process and SIGKILLs itself right after its first
// decided traces are written and before the offsets are committed: the crash the
// restart test recovers from. Config arrives as JSON in LIVEGRADE_CHILD_ENV.
import { createBus } from '@livegrade/bus';
import { parseEnv } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { createSampler, samplerConfig } from '@livegrade/sampler';
import { openStore } from '@livegrade/store';

const env = parseEnv(JSON.parse(process.env.LIVEGRADE_CHILD_ENV ?? '{}'));
const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
const bus = createBus({ brokers: env.LIVEGRADE_KAFKA_BROKERS, logger });
const store = await openStore(env);
const config = samplerConfig(env);
const sampler = createSampler({
  bus,
  store,
  logger,
  config,
  afterWrite: () => {
    process.stdout.write('wrote decided traces, crashing before commit\n');
    process.kill(process.pid, 'SIGKILL');
  },
});
await sampler.start();
