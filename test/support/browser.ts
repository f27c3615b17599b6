import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/**
 * The system's Chromium for browser tests (playwright-core downloads no
 * browser). LIVEGRADE_CHROMIUM names another binary. Under CI=true a missing
 * browser is a failure (.ci/run installs it); elsewhere the test is skipped
 * with a message saying how to install it.
 */
export type ChromiumRequirement = { ok: true; executablePath: string } | { ok: false; skip: string };

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findChromium(): { path: string | undefined; looked: string } {
  const override = process.env.LIVEGRADE_CHROMIUM;
  if (override) return { path: executable(override) ? override : undefined, looked: `LIVEGRADE_CHROMIUM=${override}` };
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [DEBIAN_CHROMIUM, ...onPath.map((dir) => join(dir, 'chromium'))];
  return { path: candidates.find(executable), looked: `${DEBIAN_CHROMIUM} and PATH` };
}

export function requireChromium(): ChromiumRequirement {
  const found = findChromium();
  if (found.path) return { ok: true, executablePath: found.path };
  const message = `no Chromium found (looked at ${found.looked}); install it with: sudo apt-get install chromium, or set LIVEGRADE_CHROMIUM to a Chromium binary`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: browser tests fail instead of skipping)`);
  console.warn(`SKIP: ${message}`);
  return { ok: false, skip: message };
}

/** Headless Chromium; --no-sandbox because CI and dev containers run as root, where the sandbox cannot start. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
}
