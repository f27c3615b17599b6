#!/usr/bin/env node
// npm run bench: builds, then runs bench/main.ts on the sources (it starts the local Kafka broker when it needs one).
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
const r = spawnSync(
  process.execPath,
  // kafkajs (the bench's comparison client and offset reader) arms a timer with a negative delay: Node warns, then runs it after 1 ms
  [
    '--conditions=@livegrade/source',
    '--disable-warning=TimeoutNegativeWarning',
    '--import',
    'tsx',
    join(root, 'bench/main.ts'),
  ],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(r.status ?? 1);
