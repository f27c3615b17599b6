import { parseArgs } from 'node:util';
import { parseEnv } from '@livegrade/core';
import { UsageError } from './usage.ts';

/**
 * Each command's module is loaded when it runs: up and demo pull in every
 * service and the SDK, which a `livegrade bank list` would otherwise compile
 * and load for nothing (about 1 s of every call).
 */
const commands = {
  alerts: () => import('./commands/alerts.ts'),
  bank: () => import('./commands/bank.ts'),
  baseline: () => import('./commands/baseline.ts'),
  demo: () => import('./commands/demo.ts'),
  evalset: () => import('./commands/evalset.ts'),
  migrate: () => import('./commands/migrate.ts'),
  runs: () => import('./commands/runs.ts'),
  silence: () => import('./commands/silence.ts'),
  sql: () => import('./commands/sql.ts'),
  up: () => import('./commands/up.ts'),
};

const HELP = `livegrade — grade AI decisions on live traffic

  livegrade up [--services gateway,sampler,scorer,api]   run livegrade (embedded unless LIVEGRADE_* URLs are set)
  livegrade demo [--exit] [--data-dir <dir>]   the whole loop in ~2 minutes: a simulated support bot, a baseline,
                                               a release that breaks one slice, its alert and the SQL behind it
  livegrade migrate                            apply the store's pending migrations and exit (the one-shot job
                                               before services that run with LIVEGRADE_MIGRATE=false)
  livegrade sql "<SELECT ...>" [--format table|json|csv|tsv]
  livegrade baseline register --name <name> --from <time> --to <time> [--model-version <v>] [--activate]
  livegrade baseline list | show <name> [--format table|json] | activate <name>
  livegrade alerts check <file>                validate alert rules (livegrade.config.yaml, or a file with just alerts:)
  livegrade alerts list [--json]               firing and pending alerts, worst first
  livegrade silence add --rule <rule|*> --slice <slice|*> --for <duration> --comment <why> [--by <name>]
  livegrade silence list [--all] [--json] | expire <id>
  livegrade bank list [--all] [--json] | add --sql "<SELECT decision_id ...>" | retire <id> --reason <why> [--by <name>]
  livegrade bank capture                       capture overrides and labelled failures into the bank now
  livegrade bank replay --target <url> [--k 5] [--concurrency 8] [--slice-bar 0.8] [--timeout 10s] [--retries 2]
                        [--model-version <v>]  the release gate: exit 0 pass, 1 a past failure repeats or a slice
                                               is below the bar, 2 usage or target errors
  livegrade runs list [--json] | show <id> [--format md|json] | signoff <id> --reviewer <name> --note <text>
  livegrade evalset export --name <name> --out <dir> [--per-slice 20] [--hard-share 0.4] [--holdout 0.2] [--seed 42]
                           [--from now-30d] [--to now] [--slice-by <dim,...>] [--rotate-from <manifest> --fraction 0.2]

Configuration comes from LIVEGRADE_* environment variables (see README.md).`;

export async function main(argv: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        services: { type: 'string' },
        name: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'model-version': { type: 'string' },
        activate: { type: 'boolean' },
        rule: { type: 'string' },
        slice: { type: 'string' },
        for: { type: 'string' },
        comment: { type: 'string' },
        by: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        exit: { type: 'boolean' },
        'data-dir': { type: 'string' },
        sql: { type: 'string' },
        reason: { type: 'string' },
        target: { type: 'string' },
        k: { type: 'string' },
        concurrency: { type: 'string' },
        'slice-bar': { type: 'string' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        reviewer: { type: 'string' },
        note: { type: 'string' },
        'per-slice': { type: 'string' },
        'hard-share': { type: 'string' },
        holdout: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'rotate-from': { type: 'string' },
        fraction: { type: 'string' },
        'slice-by': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      process.stdout.write(`${HELP}\n`);
      return command || values.help ? 0 : 2;
    }
    const env = parseEnv();
    switch (command) {
      case 'up':
        return await (await commands.up()).up(env, { services: values.services });
      case 'demo':
        return await (await commands.demo()).demo(env, { exit: values.exit, dataDir: values['data-dir'] });
      case 'baseline':
        return await (await commands.baseline()).baseline(env, rest, {
          name: values.name,
          from: values.from,
          to: values.to,
          modelVersion: values['model-version'],
          activate: values.activate,
          format: values.format,
        });
      case 'alerts':
        return await (await commands.alerts()).alerts(env, rest, { json: values.json });
      case 'silence':
        return await (await commands.silence()).silence(env, rest, {
          rule: values.rule,
          slice: values.slice,
          for: values.for,
          comment: values.comment,
          by: values.by,
          all: values.all,
          json: values.json,
        });
      case 'bank':
        return await (await commands.bank()).bank(env, rest, values);
      case 'runs':
        return await (await commands.runs()).runs(env, rest, values);
      case 'evalset':
        return await (await commands.evalset()).evalset(env, rest, values);
      case 'migrate':
        if (rest.length > 0) throw new UsageError('usage: livegrade migrate (it takes no arguments)');
        return await (await commands.migrate()).migrate(env);
      case 'sql':
        return await (await commands.sql()).sql(env, rest.join(' ') || undefined, { format: values.format });
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (err) {
    // every failure is reported as one line: config, query and connection errors all say what was wrong
    const e = err as Error & { code?: string };
    process.stderr.write(`livegrade: ${e.message}\n`);
    return e instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS_') ? 2 : 1;
  }
}
