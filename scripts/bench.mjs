#!/usr/bin/env node
// npm run bench: starts the local Kafka broker if the sampler part runs and none is given, then bench/main.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// the startup part times the built CLI: build what changed since (tsc -b is incremental)
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  console.error('npm run build failed');
  process.exit(build.status ?? 1);
}
// only the sampler part reads Kafka; keep this default in step with bench/main.ts
const parts = (process.env.BENCH_PARTS ?? 'sampler,sdk,startup,scorer,alerter').split(',').map((p) => p.trim());
if (parts.includes('sampler') && !process.env.LIVEGRADE_BENCH_KAFKA_BROKERS) {
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
