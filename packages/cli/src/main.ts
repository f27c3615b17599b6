import { parseEnv } from '@livegrade/core';
import { type Command, resolveAction, usageOf } from './command.ts';
import { exitCodeOf } from './exit-code.ts';
import { UsageError } from './usage.ts';

/**
 * Each command's module is loaded when it runs: up and demo pull in every
 * service and the SDK, which a `livegrade bank list` would otherwise compile
 * and load for nothing (about 1 s of every call).
 */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  up: () => import('./commands/up.ts'),
  demo: () => import('./commands/demo.ts'),
  migrate: () => import('./commands/migrate.ts'),
  sql: () => import('./commands/sql.ts'),
  baseline: () => import('./commands/baseline.ts'),
  alerts: () => import('./commands/alerts.ts'),
  silence: () => import('./commands/silence.ts'),
  bank: () => import('./commands/bank.ts'),
  runs: () => import('./commands/runs.ts'),
  evalset: () => import('./commands/evalset.ts'),
};

const HELP_HEAD = 'livegrade — grade AI decisions on live traffic';
const HELP_TAIL = `Configuration comes from LIVEGRADE_* environment variables (see README.md).
Each command takes only its own flags: livegrade <command> --help shows them.`;

/** Every command's usage, from the commands themselves. */
async function help(): Promise<string> {
  const parts = await Promise.all(
    Object.values(commands).map(async (load) => usageOf((await load()).command).replace(/^usage:\n/, '')),
  );
  return `${HELP_HEAD}\n\n${parts.join('\n')}\n\n${HELP_TAIL}`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${await help()}\n`);
      return name === undefined ? 2 : 0;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) throw new UsageError(`unknown command "${name}"\n\n${await help()}`);
    const { command } = await load();
    const resolved = resolveAction(name, command, rest);
    if (resolved.help) {
      process.stdout.write(`${usageOf(command)}\n`);
      return 0;
    }
    return await resolved.action.run(parseEnv(), resolved.args, resolved.flags);
  } catch (err) {
    // every failure is reported as one line: config, query and connection errors all say what was wrong
    process.stderr.write(`livegrade: ${(err as Error).message}\n`);
    return exitCodeOf(err);
  }
}
