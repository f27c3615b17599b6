#!/usr/bin/env node
// `npm run faults`: the fault suite (issue 16). Builds livegrade as npm test
// does, starts the real Kafka broker and Redis (infra/up.sh), then runs every
// fault of test/faults/index.ts under steady load and prints one table: fault,
// unit, sent, stored once, duplicates, lost, time to recover. Exit code 1 when
// a row lost anything or showed a duplicate to queries.
// Arguments name the faults to run: npm run faults -- store-failing kafka-stopped
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  console.error('npm run build failed');
  process.exit(1);
}

const up = spawnSync('bash', [join(root, 'infra/up.sh')], { stdio: 'inherit' });
if (up.status !== 0) {
  console.error('infra/up.sh failed: the fault suite needs the real Kafka broker and Redis');
  process.exit(1);
}

const env = {
  ...process.env,
  LIVEGRADE_TEST_KAFKA_BROKERS: process.env.LIVEGRADE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
  LIVEGRADE_TEST_REDIS_URL: process.env.LIVEGRADE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const r = spawnSync(
  process.execPath,
  ['--conditions=@livegrade/source', '--import', 'tsx', 'test/faults/run.ts', ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(r.status ?? 1);
