#!/usr/bin/env node
// npm run bench: starts the local Kafka broker if needed, then bench/main.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!process.env.LIVEGRADE_BENCH_KAFKA_BROKERS) {
  const up = spawnSync('bash', [join(root, 'infra/kafka/start.sh')], { stdio: 'inherit' });
  if (up.status !== 0) process.exit(up.status ?? 1);
}
const r = spawnSync(
  process.execPath,
  ['--conditions=@livegrade/source', '--import', 'tsx', join(root, 'bench/main.ts')],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(r.status ?? 1);
