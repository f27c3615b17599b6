// A scorer worker in its own process (BullMQ on the real Redis) whose store
// writes half of a window's rows and then hangs: the worker the restart test
// SIGKILLs mid-job. Config arrives as JSON in LIVEGRADE_CHILD_ENV.
import { DEFAULT_CONFIG, parseEnv } from '@livegrade/core';
import { createJobs } from '@livegrade/jobs';
import { createLogger } from '@livegrade/runtime';
import { createScorer, scorerConfig } from '@livegrade/scorer';
import { openStore } from '@livegrade/store';

const env = parseEnv(JSON.parse(process.env.LIVEGRADE_CHILD_ENV ?? '{}'));
const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
const store = await openStore(env);
const jobs = createJobs({
  redisUrl: env.LIVEGRADE_REDIS_URL,
  prefix: env.LIVEGRADE_REDIS_PREFIX,
  logger,
  lockDurationMs: 1000,
  stalledIntervalMs: 1000,
});
const halfWriting = {
  ...store,
  async insertSliceMetrics(rows: Parameters<typeof store.insertSliceMetrics>[0]) {
    await store.insertSliceMetrics(rows.slice(0, Math.floor(rows.length / 2)));
    process.stdout.write(`wrote ${Math.floor(rows.length / 2)} of ${rows.length} rows, hanging\n`);
    await new Promise(() => {});
  },
};
const scorer = createScorer({
  jobs,
  store: halfWriting,
  logger,
  config: scorerConfig(DEFAULT_CONFIG.scoring),
  schedule: false,
});
await scorer.start();
process.stdout.write('worker ready\n');
