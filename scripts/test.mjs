#!/usr/bin/env node
// The README's test command (npm test). Builds livegrade (the CLI the tests run
// is the built JavaScript, as users run it), starts the real Kafka broker and
// Redis when they are not up yet, then runs every *.test.ts with node's test
// runner, on the TypeScript sources: tsx compiles them, and the
// "@livegrade/source" export condition points the workspace packages at src/.
// Extra arguments filter test files by substring: npm test -- sampler
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildOrExit, root, testProcessEnv } from './test-setup.mjs';

const ci = process.env.CI === 'true';

buildOrExit();

if (process.env.LIVEGRADE_TEST_NO_INFRA !== '1') {
  const r = spawnSync('bash', [join(root, 'infra/up.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    if (ci) {
      console.error('infra/up.sh failed: Kafka and Redis are required in CI');
      process.exit(1);
    }
    console.error('infra/up.sh failed: tests that need Kafka or Redis will be skipped (see messages below)');
  }
}

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['packages', 'services', 'test']
  .flatMap((d) => find(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const env = testProcessEnv();
const r = spawnSync(
  process.execPath,
  [
    '--conditions=@livegrade/source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(r.status ?? 1);
