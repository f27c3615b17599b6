import type { Store } from '@livegrade/store';
import { waitFor } from '../../support/wait.ts';
import type { FaultRow } from '../row.ts';
import { decisionId, sleep } from './load.ts';

type Row = Record<string, unknown>;

/**
 * Two ways to read the store: `visible` as users query (the API's read-only
 * session: final=1, so rows a replay wrote twice collapse), and `raw` on the
 * writer session without FINAL, where every physical copy counts.
 */
export interface StoreReader {
  visible(sql: string): Promise<Row[]>;
  raw(sql: string): Promise<Row[]>;
}

export function readerOf(store: Store): StoreReader {
  return {
    visible: async (sql) => (JSON.parse(await store.readOnlyQuery(sql)) as { data: Row[] }).data,
    raw: (sql) => store.select<Row>(sql),
  };
}

export interface Tally {
  /** distinct decision ids of the scenario found */
  ids: number;
  /** ids found exactly once */
  once: number;
  /** rows beyond the first, over all ids */
  extra: number;
}

/** Decision ids are `<prefix>-<sequence>` (load.ts); the prefix is a plain identifier of ours. */
function tallySql(prefix: string): string {
  return `SELECT count() AS ids, countIf(n = 1) AS once, sum(n) - count() AS extra
    FROM (SELECT decision_id, count() AS n FROM decisions WHERE startsWith(decision_id, '${prefix}-') GROUP BY decision_id)`;
}

function tallyOf(rows: Row[]): Tally {
  const r = rows[0] ?? {};
  return { ids: Number(r.ids ?? 0), once: Number(r.once ?? 0), extra: Number(r.extra ?? 0) };
}

/** How many of the first `n` decisions sent are visible to a user's query. */
export async function visibleOfFirst(reader: StoreReader, prefix: string, n: number): Promise<number> {
  const rows = await reader.visible(
    `SELECT uniqExact(decision_id) AS n FROM decisions
     WHERE decision_id >= '${decisionId(prefix, 0)}' AND decision_id < '${decisionId(prefix, n)}'`,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits until every one of the first `n` decisions is visible; resolves with
 * the ms since `fromMs` (a fault's end), the row's time to recover, or
 * Infinity when they were not all in within the timeout (the row then
 * counts what is missing as lost).
 */
export async function recovered(
  reader: StoreReader,
  prefix: string,
  n: number,
  fromMs: number,
  timeoutMs = 120_000,
): Promise<number> {
  try {
    await waitFor(
      `the first ${n} decisions visible`,
      async () => ((await visibleOfFirst(reader, prefix, n)) === n ? true : undefined),
      { timeoutMs, intervalMs: 250 },
    );
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  return Date.now() - fromMs;
}

/** Before the fault: the pipeline keeps up with the load (every decision sent so far is visible), or the row is not worth measuring. */
export async function steady(reader: StoreReader, prefix: string, n: number): Promise<number> {
  const ms = await recovered(reader, prefix, n, Date.now(), 60_000);
  if (!Number.isFinite(ms))
    throw new Error(`before the fault, the ${n} decisions sent were not all visible within 60 s`);
  return ms;
}

/**
 * After the load stopped: waits for all `sent` decisions to be visible (or
 * the timeout: what is missing then counts as lost), lets late writes land,
 * and counts as users query and physically.
 */
export async function finalTally(
  reader: StoreReader,
  prefix: string,
  sent: number,
  timeoutMs = 90_000,
): Promise<{ visible: Tally; raw: Tally; sampledSpans: { spans: number; duplicates: number } }> {
  await waitFor(
    `all ${sent} decisions visible`,
    async () => ((await visibleOfFirst(reader, prefix, sent)) === sent ? true : undefined),
    { timeoutMs, intervalMs: 500 },
  ).catch(() => {});
  // a second write of a decision (a replay) would land shortly after the first
  await sleep(2000);
  const [visible, raw, spans] = await Promise.all([
    reader.visible(tallySql(prefix)).then(tallyOf),
    reader.raw(tallySql(prefix)).then(tallyOf),
    reader.visible('SELECT count() AS spans, count() - uniqExact(trace_id, span_id) AS duplicates FROM sampled_spans'),
  ]);
  return {
    visible,
    raw,
    sampledSpans: { spans: Number(spans[0]?.spans ?? 0), duplicates: Number(spans[0]?.duplicates ?? 0) },
  };
}

/** The table row of a decisions fault, from its tally. */
export function decisionsRow(
  fault: string,
  sent: number,
  t: Awaited<ReturnType<typeof finalTally>>,
  recoverMs: number,
  notes: string[],
): FaultRow {
  return {
    fault,
    unit: 'decisions',
    sent,
    storedOnce: t.visible.once,
    duplicates: t.visible.extra,
    lost: sent - t.visible.ids,
    recoverMs,
    notes: [
      ...notes,
      `physical rows (no FINAL): ${t.raw.ids + t.raw.extra} for ${t.raw.ids} decisions (${t.raw.extra} duplicate rows, collapsed for queries)`,
      `sampled_spans: ${t.sampledSpans.spans} kept spans visible, ${t.sampledSpans.duplicates} of them duplicates`,
    ],
  };
}
