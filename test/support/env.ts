import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Env, parseEnv } from '@livegrade/core';

/** A fresh data dir per test file: chdb locks its directory to one process. */
export function tempDataDir(prefix = 'livegrade-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An Env for tests: embedded everything unless overridden, quiet logs, ephemeral ports. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Env {
  return parseEnv({
    LIVEGRADE_LOG_LEVEL: process.env.LIVEGRADE_TEST_LOG_LEVEL ?? 'silent',
    LIVEGRADE_GATEWAY_PORT: '0',
    LIVEGRADE_API_PORT: '0',
    LIVEGRADE_METRICS_PORT: '0',
    ...overrides,
  });
}
