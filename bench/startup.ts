import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../test/support/ports.ts';
import { median } from './table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = 'livegrade is running';

/** How the CLI is started: as users run it, and as it ran before it was built (tsx compiling the sources). */
export const CLI_VARIANTS = {
  built: [join(ROOT, 'packages/cli/bin/livegrade.mjs')],
  source: [
    '--conditions=@livegrade/source',
    '--import',
    import.meta.resolve('tsx'), // by URL: the children run in a temp directory, outside the workspace
    '--input-type=module',
    '-e',
    `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'packages/cli/src/main.ts')).href)});
     process.exitCode = await main(process.argv.slice(1));`,
    '--', // what follows is livegrade's, not node's (--help)
  ],
} as const;
export type CliVariant = keyof typeof CLI_VARIANTS;

export interface StartupFigures {
  runs: number;
  /** median ms from spawn to exit of `livegrade --help` */
  help: Record<CliVariant, number>;
  /** median ms from spawn to "livegrade is running" of `livegrade up` on an existing data directory */
  up: Record<CliVariant, number>;
}

/** ms from spawn to exit, or with `ready` to the first stdout holding it (the process is then stopped and waited for). */
function timeUntil(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, ready?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let readyAt: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (ready && readyAt === undefined && out.includes(ready)) {
        readyAt = performance.now() - t0;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (ready) {
        if (readyAt !== undefined) resolve(readyAt);
        else reject(new Error(`livegrade ${args.at(-1)} never printed "${ready}" (${code ?? signal})\n${out}${err}`));
      } else if (code === 0) resolve(performance.now() - t0);
      else reject(new Error(`livegrade exited ${code ?? signal}\n${out}${err}`));
    });
  });
}

/**
 * Start time of the CLI as users run it (built JavaScript) next to the same
 * commands run from the TypeScript sources through tsx, as they ran before
 * the build step, in the same run: `--help`, and `up` (every service, the
 * embedded store on an existing data directory) until it prints that it is
 * running. The variants alternate; one untimed `up` of each first creates
 * the data directory and warms the disk cache.
 */
export async function benchStartup(runs = 7): Promise<StartupFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'livegrade-bench-startup-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LIVEGRADE_DATA_DIR: join(dir, 'data'),
      LIVEGRADE_HOST: '127.0.0.1',
      LIVEGRADE_API_PORT: String(await freePort()),
      LIVEGRADE_GATEWAY_PORT: String(await freePort()),
      LIVEGRADE_METRICS_PORT: String(await freePort()),
      LIVEGRADE_LOG_LEVEL: 'warn',
    };
    // no config file in the working directory (dir): every setting at its default
    for (const k of [
      'LIVEGRADE_CONFIG',
      'LIVEGRADE_KAFKA_BROKERS',
      'LIVEGRADE_REDIS_URL',
      'LIVEGRADE_CLICKHOUSE_URL',
      'LIVEGRADE_API_URL',
    ]) {
      delete env[k];
    }
    const variants = Object.keys(CLI_VARIANTS) as CliVariant[];
    const help: Record<CliVariant, number[]> = { built: [], source: [] };
    const up: Record<CliVariant, number[]> = { built: [], source: [] };
    for (const v of variants) await timeUntil([...CLI_VARIANTS[v], 'up'], env, dir, READY);
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        help[v].push(await timeUntil([...CLI_VARIANTS[v], '--help'], env, dir));
        up[v].push(await timeUntil([...CLI_VARIANTS[v], 'up'], env, dir, READY));
      }
    }
    return {
      runs,
      help: { built: median(help.built), source: median(help.source) },
      up: { built: median(up.built), source: median(up.source) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
