import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

/**
 * Statements of a migration file. Migrations are plain SQL with one statement
 * per `;` at the end of a line; neither chdb nor the HTTP interface is asked to
 * run several statements in one call.
 */
export function statementsOf(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Applies the migrations not yet recorded in schema_migrations, in order.
 * An applied migration whose file changed is an error: migrations are
 * immutable once shipped, a change goes in a new file.
 */
export async function migrate(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = MergeTree ORDER BY version`,
  });
  const rs = await client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    format: 'JSONEachRow',
  });
  const applied = new Map(
    (await rs.json<{ version: number; name: string; checksum: string }>()).map((r) => [r.version, r]),
  );
  const done: string[] = [];
  for (const m of await loadMigrations(dir)) {
    const prior = applied.get(m.version);
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new Error(
          `migration ${m.name} was changed after it was applied (checksum ${prior.checksum.slice(0, 12)} → ${m.checksum.slice(0, 12)}); add a new migration instead`,
        );
      }
      continue;
    }
    for (const statement of statementsOf(m.sql)) await client.command({ query: statement });
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    done.push(m.name);
  }
  return done;
}

/**
 * Checks, changing nothing, that every migration is applied and unchanged:
 * for processes that leave migrating to `livegrade migrate` (LIVEGRADE_MIGRATE=false),
 * so that several containers on one ClickHouse never migrate at once.
 */
export async function assertMigrated(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<void> {
  const rs = await client.query({
    query: "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'",
    format: 'JSONEachRow',
  });
  const [{ n } = { n: 0 }] = await rs.json<{ n: number | string }>();
  const applied = new Map<number, string>();
  if (Number(n) > 0) {
    const rows = await client.query({
      query: 'SELECT version, checksum FROM schema_migrations ORDER BY version',
      format: 'JSONEachRow',
    });
    for (const r of await rows.json<{ version: number; checksum: string }>()) applied.set(r.version, r.checksum);
  }
  const migrations = await loadMigrations(dir);
  const changed = migrations.find((m) => applied.has(m.version) && applied.get(m.version) !== m.checksum);
  if (changed) {
    throw new Error(`migration ${changed.name} was changed after it was applied; add a new migration instead`);
  }
  const missing = migrations.filter((m) => !applied.has(m.version)).map((m) => m.name);
  if (missing.length > 0) {
    throw new Error(
      `the store's schema is behind: migration${missing.length === 1 ? '' : 's'} ${missing.join(', ')} not applied; with LIVEGRADE_MIGRATE=false this process only checks the schema: run \`livegrade migrate\` first`,
    );
  }
}
