#!/usr/bin/env node
// `npm run faults`: the fault suite (issue 16). Builds livegrade as npm test
// does, starts the real Kafka broker and Redis (infra/up.sh), then runs every
// fault of test/faults/index.ts under steady load and prints one table: fault,
// unit, sent, stored once, duplicates, lost, time to recover. Exit code 1 when
// a row lost anything or showed a duplicate to queries.
// Arguments name the faults to run: npm run faults -- store-failing kafka-stopped
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildOrExit, root, testProcessEnv } from './test-setup.mjs';

buildOrExit();

const up = spawnSync('bash', [join(root, 'infra/up.sh')], { stdio: 'inherit' });
if (up.status !== 0) {
  console.error('infra/up.sh failed: the fault suite needs the real Kafka broker and Redis');
  process.exit(1);
}

const env = testProcessEnv();
const r = spawnSync(
  process.execPath,
  ['--conditions=@livegrade/source', '--import', 'tsx', 'test/faults/run.ts', ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(r.status ?? 1);
