import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { Env } from '@livegrade/core';
import type { Flags } from './flags.ts';
import { UsageError } from './usage.ts';

/**
 * One thing the CLI does (`bank list`, `baseline register`, `sql`): the
 * flags it takes, how many arguments, and what it runs. Each declares its
 * own flags, so a flag another command takes is an unknown flag here: a
 * usage error (exit 2) that names it, not a flag silently ignored.
 */
export interface Action {
  /** the usage line(s), e.g. `livegrade bank list [--all] [--json]` */
  usage: string;
  flags?: ParseArgsOptionsConfig;
  /** how many positional arguments it takes (default none); `rest` joins them all into one */
  args?: { min: number; max: number; what: string } | 'rest';
  run(env: Env, args: string[], flags: Flags): Promise<number>;
}

/** A command with subcommands (`bank list`), or one action of its own (`sql`). */
export type Command = { actions: Record<string, Action>; help?: string } | Action;

export function usageOf(command: Command): string {
  if ('run' in command) return `usage: ${command.usage}`;
  const lines = Object.values(command.actions).map((a) => `  ${a.usage}`);
  return `usage:\n${lines.join('\n')}${command.help ? `\n${command.help}` : ''}`;
}

/** Picks the action `argv` names and parses its flags; errors are UsageErrors naming what was wrong. */
export function resolveAction(
  name: string,
  command: Command,
  argv: string[],
): { help: true } | { help: false; action: Action; args: string[]; flags: Flags } {
  let action: Action;
  let rest = argv;
  let label = `livegrade ${name}`;
  if ('run' in command) action = command;
  else {
    const [sub, ...after] = argv;
    if (sub === undefined) throw new UsageError(usageOf(command));
    if (sub === '--help' || sub === '-h') return { help: true };
    const found = Object.hasOwn(command.actions, sub) ? command.actions[sub] : undefined;
    if (!found) throw new UsageError(`unknown ${name} command "${sub}"\n\n${usageOf(command)}`);
    action = found;
    rest = after;
    label = `livegrade ${name} ${sub}`;
  }
  const options: ParseArgsOptionsConfig = { ...action.flags, help: { type: 'boolean', short: 'h' } };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${flagProblem(err as Error & { code?: string }, label, action)}\n\n${usageOf(command)}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const args = positionals;
  const arity = action.args === 'rest' ? undefined : (action.args ?? { min: 0, max: 0, what: '' });
  if (arity && (args.length < arity.min || args.length > arity.max)) {
    const flagged = Object.keys(action.flags ?? {}).length > 0;
    const takes = arity.max > 0 ? `takes ${arity.what}` : flagged ? 'takes flags only' : 'takes no arguments';
    const got = args.length === 0 ? 'none' : `"${args.join(' ')}"`;
    throw new UsageError(`${label.slice('livegrade '.length)} ${takes} (got ${got})\n\n${usageOf(command)}`);
  }
  return { action, args, flags: values as Flags, help: false };
}

function flagProblem(err: Error & { code?: string }, label: string, action: Action): string {
  const known = Object.keys(action.flags ?? {}).map((f) => `--${f}`);
  const takes = known.length > 0 ? `it takes ${known.join(', ')}` : 'it takes no flags';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(err.message)?.[1] ?? 'a flag';
    return `unknown flag ${flag} for ${label} (${takes})`;
  }
  return `${label}: ${err.message}`;
}
