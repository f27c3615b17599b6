import type { Store } from '@livegrade/store';

/** Counts through the user-facing read path (read-only session, final=1), as a user's SQL would. */
export async function countVisible(store: Store, sql: string): Promise<number> {
  const out = JSON.parse(await store.readOnlyQuery(sql)) as { data: Array<Record<string, unknown>> };
  return Number(Object.values(out.data[0] ?? {})[0] ?? 0);
}

/** Counts physical rows, duplicates included (no FINAL), on the writer session. */
export async function countRaw(store: Store, table: string): Promise<number> {
  const [row] = await store.select<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}
