// `livegrade migrate` and LIVEGRADE_MIGRATE=false, as docker-compose.yml uses
// them: a one-shot job applies the schema, and services started with
// LIVEGRADE_MIGRATE=false only check it, refusing a store whose schema is
// missing or behind with a message that names the migration and the command.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertMigrated, loadMigrations, MIGRATIONS_DIR, openStore, openStoreClients } from '@livegrade/store';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';

describe('livegrade migrate', () => {
  const data = tempDataDir();
  const env = { LIVEGRADE_DATA_DIR: data.dir };
  after(() => data.cleanup());

  it('with LIVEGRADE_MIGRATE=false, opening a store never migrated fails and says to run it', async () => {
    await assert.rejects(
      openStore(testEnv({ ...env, LIVEGRADE_MIGRATE: 'false' })),
      /the store's schema is behind: migrations 0001_decisions, .* not applied; .*run `livegrade migrate` first/,
    );
  });

  it('applies every migration and names them', async () => {
    const names = (await loadMigrations()).map((m) => m.name);
    const r = await livegrade(['migrate'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^applied ${names.length} of ${names.length} migrations to the embedded store in `),
    );
    for (const name of names) assert.match(r.stdout, new RegExp(`^ {2}${name}$`, 'm'));
  });

  it('applies nothing the second time', async () => {
    const r = await livegrade(['migrate'], { ...env, LIVEGRADE_MIGRATE: 'false' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^schema of the embedded store in .* is up to date \(\d+ migrations applied before\)\n$/);
  });

  it('with LIVEGRADE_MIGRATE=false, the migrated store opens', async () => {
    const store = await openStore(testEnv({ ...env, LIVEGRADE_MIGRATE: 'false' }));
    await store.close();
  });

  it('refuses a store one migration behind, naming that migration', async () => {
    // the shipped migrations and one more this store has not seen
    const dir = mkdtempSync(join(tmpdir(), 'livegrade-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '0999_next.sql'), 'SELECT 1;\n');
    const clients = await openStoreClients(testEnv(env));
    try {
      await assert.rejects(assertMigrated(clients.writer, dir), /migration 0999_next not applied/);
      await assertMigrated(clients.writer);
    } finally {
      await clients.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses arguments and an LIVEGRADE_MIGRATE other than true or false', async () => {
    const args = await livegrade(['migrate', 'now'], env);
    assert.equal(args.code, 2);
    assert.match(args.stderr, /usage: livegrade migrate/);
    const bad = await livegrade(['migrate'], { ...env, LIVEGRADE_MIGRATE: 'no' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /LIVEGRADE_MIGRATE: .*"no"/);
  });
});
