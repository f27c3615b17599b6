import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from './main.ts';

/** Runs main() in this process with stdout and stderr captured; nothing here reaches a store. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string) => {
    out.stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    out.stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), ...out };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
}

describe('livegrade: each command takes only its own flags', () => {
  it('refuses a flag another command takes, naming it and what the command takes (exit 2)', async () => {
    const r = await cli('bank', 'list', '--sql', 'SELECT 1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^livegrade: unknown flag --sql for livegrade bank list \(it takes --all, --json\)/);
    assert.match(r.stderr, /livegrade bank add --sql/, 'the usage follows');
  });

  it('refuses an unknown flag on a command without subcommands, and on one that takes none', async () => {
    const sql = await cli('sql', 'SELECT 1', '--activate');
    assert.equal(sql.code, 2);
    assert.match(sql.stderr, /unknown flag --activate for livegrade sql \(it takes --format\)/);
    const capture = await cli('bank', 'capture', '--all');
    assert.equal(capture.code, 2);
    assert.match(capture.stderr, /unknown flag --all for livegrade bank capture \(it takes no flags\)/);
  });

  it('refuses a missing value and a value given to a switch', async () => {
    const missing = await cli('baseline', 'register', '--name');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /livegrade baseline register: Option '--name <value>' argument missing/);
    const valued = await cli('silence', 'list', '--all=yes');
    assert.equal(valued.code, 2);
    assert.match(valued.stderr, /livegrade silence list: Option '--all' does not take an argument/);
  });

  it('counts arguments per subcommand', async () => {
    const none = await cli('runs', 'show');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /runs show takes one run id \(got none\)/);
    const extra = await cli('bank', 'list', 'everything');
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /bank list takes flags only \(got "everything"\)/);
  });

  it('answers an unknown command or subcommand, and a bare command, with the usage (exit 2)', async () => {
    const unknown = await cli('bnak', 'list');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "bnak"/);
    const sub = await cli('bank', 'lsit');
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /unknown bank command "lsit"/);
    const bare = await cli('baseline');
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /livegrade baseline register --name/);
  });

  it('prints every command from its own declaration with --help (exit 0)', async () => {
    const all = await cli('--help');
    assert.equal(all.code, 0);
    for (const line of [
      'livegrade up [--services',
      'livegrade sql "<SELECT ...>"',
      'livegrade baseline show <name> [--format table|json]',
      'livegrade silence add --rule',
      'livegrade bank replay --target <url>',
      'livegrade runs signoff <id> --reviewer <name> --note <text>',
      'livegrade evalset export --name <name> --out <dir>',
    ]) {
      assert.ok(all.stdout.includes(line), `--help lacks ${line}`);
    }
    const one = await cli('bank', 'list', '--help');
    assert.equal(one.code, 0);
    assert.match(one.stdout, /livegrade bank list \[--all\] \[--json\]/);
  });
});
