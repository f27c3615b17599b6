// What npm test and npm run faults both do before they run anything: build
// livegrade (the CLI the tests run is the built JavaScript, as users run it;
// incremental, a few seconds when nothing changed), and point the tests at the
// real Kafka broker and Redis that infra/up.sh starts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs npm run build; exits the process with 1 when it fails. */
export function buildOrExit() {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) {
    console.error('npm run build failed');
    process.exit(1);
  }
}

/** The environment of the test processes: the local broker and Redis unless the caller names others. */
export function testProcessEnv() {
  return {
    ...process.env,
    LIVEGRADE_TEST_KAFKA_BROKERS: process.env.LIVEGRADE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
    LIVEGRADE_TEST_REDIS_URL: process.env.LIVEGRADE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
