import { parseArgs } from 'node:util';
import { parseEnv } from '@livegrade/core';
import { alerts } from './commands/alerts.ts';
import { baseline } from './commands/baseline.ts';
import { demo } from './commands/demo.ts';
import { silence } from './commands/silence.ts';
import { sql } from './commands/sql.ts';
import { up } from './commands/up.ts';
import { UsageError } from './usage.ts';

const HELP = `livegrade — grade AI decisions on live traffic

  livegrade up [--services gateway,sampler,scorer,api]   run livegrade (embedded unless LIVEGRADE_* URLs are set)
  livegrade demo [--exit] [--data-dir <dir>]   the whole loop in ~2 minutes: a simulated support bot, a baseline,
                                               a release that breaks one slice, its alert and the SQL behind it
  livegrade sql "<SELECT ...>" [--format table|json|csv|tsv]
  livegrade baseline register --name <name> --from <time> --to <time> [--model-version <v>] [--activate]
  livegrade baseline list | show <name> [--format table|json] | activate <name>
  livegrade alerts check <file>                validate alert rules (livegrade.config.yaml, or a file with just alerts:)
  livegrade alerts list [--json]               firing and pending alerts, worst first
  livegrade silence add --rule <rule|*> --slice <slice|*> --for <duration> --comment <why> [--by <name>]
  livegrade silence list [--all] [--json] | expire <id>

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
        return await up(env, { services: values.services });
      case 'demo':
        return await demo(env, { exit: values.exit, dataDir: values['data-dir'] });
      case 'baseline':
        return await baseline(env, rest, {
          name: values.name,
          from: values.from,
          to: values.to,
          modelVersion: values['model-version'],
          activate: values.activate,
          format: values.format,
        });
      case 'alerts':
        return await alerts(env, rest, { json: values.json });
      case 'silence':
        return await silence(env, rest, {
          rule: values.rule,
          slice: values.slice,
          for: values.for,
          comment: values.comment,
          by: values.by,
          all: values.all,
          json: values.json,
        });
      case 'sql':
        return await sql(env, rest.join(' ') || undefined, { format: values.format });
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (err) {
    // every failure is reported as one line: config, query and connection errors all say what was wrong
    const e = err as Error & { code?: string };
    process.stderr.write(`livegrade: ${e.message}\n`);
    return e instanceof UsageError || e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
  }
}
