// The regression bank (issue 7), each figure next to a baseline from the same
// store and run:
// - capture: the first pass over a day of decisions and verdicts, and a
//   steady-state pass after ~10k verdicts arrived since the watermark, next to
//   a bare count() of the verdicts each pass reads (ingested_at ≥ since);
//   then the steady pass again on a store 10× as large (the same day after
//   nine days before it, the same new verdicts), next to the pass at 1×;
// - replay: cases × k through replayCases against a local candidate (its own
//   process, 127.0.0.1), next to as many bare fetch POSTs of the same bodies
//   at the same concurrency;
// - eval-set export: candidates, selection (--per-slice 20), payloads and the
//   files, next to a count() of the labelled sampled decisions of the window.
// The day is generated in the engine (INSERT ... SELECT FROM numbers), in time
// order and in chunks, as the sampler and the verdict consumer write it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type BankCase,
  bankVersion,
  DEFAULT_CONFIG,
  parseEnv,
  type ReplayParams,
  replayRequest,
} from '@livegrade/core';
import { type CaptureResult, captureBank, createStoreOperations, type Operations } from '@livegrade/ops';
import { openStore, type Repository, type Store } from '@livegrade/store';
import { type ExportResult, exportEvalset, planExport } from '../packages/cli/src/evalset/export.ts';
import { DEFAULTS as EXPORT_DEFAULTS } from '../packages/cli/src/evalset/options.ts';
import { replayCases } from '../packages/cli/src/replay/run.ts';
import type { Truth } from '../test/support/candidate.ts';
import { tempDataDir } from '../test/support/env.ts';
import { TS_CHILD_ARGS } from '../test/support/ts-child.ts';
import { median, timed } from './table.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const TYPES = 5;
const LANGUAGES = 20;
/** distinct questions per decision type, drawn skewed (a few are asked a lot) */
const QUESTIONS = 4000;
const CHUNK = 100_000;
const CHILD = fileURLToPath(new URL('./candidate-child.ts', import.meta.url));

export interface BankBenchOptions {
  /** decisions in the seeded day (BENCH_BANK_DECISIONS, default 1,000,000) */
  decisions: number;
  /** verdicts arriving after the first pass's watermark (BENCH_BANK_NEW_VERDICTS, default 10,000) */
  newVerdicts: number;
  /** cases replayed (BENCH_BANK_CASES, default 2,000) */
  cases: number;
  /** runs per case (BENCH_BANK_K, default 5) */
  k: number;
  /** replay concurrency (BENCH_BANK_CONCURRENCY, default 8) */
  concurrency: number;
  /** timed runs of each measure after one warm-up (BENCH_BANK_RUNS, default 3) */
  runs: number;
  /** the steady pass again on a store this many times as large, the same day after more days before it (BENCH_BANK_SCALE, default 10; 1 skips it) */
  scale: number;
  /** keep the stores' directories for a look by hand (BENCH_BANK_KEEP_DIR=1) */
  keepDir?: boolean;
}

export interface CaptureFigures {
  /** verdicts read: ingested_at ≥ since */
  since: number;
  verdictsRead: number;
  /** captureBank, median ms */
  passMs: number;
  /** of which captureCandidates (the query), median ms */
  queryMs: number;
  /** bare count() of the verdicts read, median ms */
  countMs: number;
  result: CaptureResult;
  /** every timed pass, ms */
  passes: number[];
}

export interface ReplayFigures {
  cases: number;
  k: number;
  concurrency: number;
  requests: number;
  /** replayCases, median ms */
  replayMs: number;
  /** bare fetch POSTs of the same bodies, median ms */
  bareMs: number;
  bodyBytes: number;
  /** peak JS heap above its level after a GC, median of the runs */
  replayHeapDelta: number;
  bareHeapDelta: number;
  verdict: string;
  passRate: number;
  transport: { requests: number; retries: number; timeouts: number; errors: number };
}

export interface EvalsetFigures {
  from: number;
  to: number;
  perSlice: number;
  candidates: number;
  items: number;
  slices: number;
  /** exportEvalset to a temp dir, median ms */
  exportMs: number;
  /** of which the candidates and exclusions queries */
  candidatesMs: number;
  /** of which the payload reads of the chosen */
  payloadsMs: number;
  /** count() of the labelled sampled decisions of the window, median ms */
  countMs: number;
  labelledSampled: number;
}

export interface ScaledFigures {
  scale: number;
  decisions: number;
  verdicts: number;
  seedMs: number;
  settleMs: number;
  /** the one first pass that fills the larger store's bank: a single run, no warm-up */
  firstPassMs: number;
  firstQueryMs: number;
  firstResult: CaptureResult;
  steady: SteadyFigures;
  dataDir?: string;
}

export type SteadyFigures = CaptureFigures & {
  newVerdicts: number;
};

export interface BankBenchResult {
  decisions: number;
  verdicts: number;
  reviewed: number;
  overrides: number;
  keptTraces: number;
  spans: number;
  seedMs: number;
  /** waiting for the seeded parts' merges to finish before measuring */
  settleMs: number;
  runs: number;
  lookbackMs: number;
  first: CaptureFigures;
  steady: SteadyFigures;
  replay: ReplayFigures;
  evalset: EvalsetFigures;
  scaled?: ScaledFigures;
  dataDir?: string;
}

/** A full GC before each replay run, so its heap peak is its own (the bench runs without --expose-gc). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const LABELS = "['approve', 'deny', 'escalate']";

/** Decisions numbered [first, first + total), spread evenly over [start, start + ms). */
interface SeedRange {
  first: number;
  total: number;
  start: number;
  ms: number;
}

/**
 * One row per decision number n of [first + offset, first + offset + count)
 * of `range`: what every table's rows derive from. Decision ids are random
 * hex, as the SDK's default (the span id) is, so ids looked up together are
 * scattered over any order by id.
 * 20% reviewed (one review, a quarter of them senior), 10% of reviews
 * overriding the model; 2% errors, 1% fallbacks, 1% thumbs-downs; the
 * sampler keeps 10% (stratified, weight 10) and every failure, and a
 * verdict that overrides or thumbs down promotes its trace.
 */
function facts(range: SeedRange, offset: number, count: number): string {
  const h = (i: number) => `sipHash64(number, ${i})`;
  return `
    SELECT number AS n,
      fromUnixTimestamp64Milli(toInt64(${range.start} + intDiv((number - ${range.first}) * ${range.ms}, ${range.total}))) AS ts,
      hex(sipHash128(number)) AS trace_id, hex(${h(20)}) AS span_id, hex(${h(21)}) AS root_span_id,
      concat('d-', lower(hex(${h(22)}))) AS decision_id,
      concat('type', toString(${h(1)} % ${TYPES})) AS decision_type,
      concat('lang', toString(${h(2)} % ${LANGUAGES})) AS language,
      ${LABELS}[${h(3)} % 3 + 1] AS label,
      ${LABELS}[(${h(3)} + 1 + ${h(13)} % 2) % 3 + 1] AS other_label,
      ${h(4)} % 50 = 0 AS is_error, ${h(5)} % 100 = 0 AS fallback,
      ${h(6)} % 5 = 0 AS reviewed, reviewed AND ${h(7)} % 10 = 0 AS overridden, ${h(12)} % 4 = 0 AS senior,
      ${h(8)} % 100 = 0 AS thumbs_down,
      ${h(9)} % 10 = 0 AS stratified,
      stratified OR is_error OR fallback OR overridden OR thumbs_down AS kept,
      multiIf(is_error OR fallback, 'error', stratified, 'stratified', kept, 'verdict', '') AS sample_reason,
      multiIf(is_error OR fallback, 1, stratified, 10, kept, 1, 0) AS sample_weight,
      toUInt32(pow((${h(10)} % 10000) / 10000, 3) * ${QUESTIONS}) AS question,
      concat(decision_type, ' question #', toString(question)) AS q,
      -- the same question written four ways that fingerprint alike: key order, case, whitespace
      multiIf(${h(11)} % 4 = 0, concat('{"q":"', q, '","channel":"chat"}'),
              ${h(11)} % 4 = 1, concat('{"channel":"chat","q":"', upper(q), '"}'),
              ${h(11)} % 4 = 2, concat('{ "q" : "  ', q, '  ", "channel" : "chat" }'),
              concat('{"q":"', q, '","channel":"CHAT"}')) AS input,
      concat('{"tier":"', ['free', 'pro', 'enterprise'][${h(14)} % 3 + 1], '","language":"', language, '"}') AS context,
      ts + toIntervalSecond(60 + ${h(15)} % 480) AS review_ts
    FROM numbers(${range.first + offset}, ${count})`;
}

interface SeedCounts {
  verdicts: number;
  reviewed: number;
  overrides: number;
  keptTraces: number;
  spans: number;
}

/** Decisions, their verdicts and the kept traces' spans of each range, an insert of each per chunk, in time order. */
async function seed(store: Store, ranges: SeedRange[]): Promise<SeedCounts> {
  const w = store.clients.writer;
  for (const range of ranges) await seedRange(store, range);
  const one = async (query: string) => {
    const rs = await w.query({ query, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
  };
  return {
    verdicts: await one('SELECT count() AS n FROM verdicts'),
    reviewed: await one("SELECT uniqExact(decision_id) AS n FROM verdicts WHERE kind = 'review'"),
    overrides: await one(
      `SELECT count() AS n FROM verdicts AS v INNER JOIN decisions AS d ON d.decision_id = v.decision_id
       WHERE v.kind = 'review' AND v.label != d.label`,
    ),
    keptTraces: await one('SELECT count() AS n FROM decisions WHERE sampled'),
    spans: await one('SELECT count() AS n FROM sampled_spans'),
  };
}

async function seedRange(store: Store, range: SeedRange): Promise<void> {
  const w = store.clients.writer;
  for (let offset = 0; offset < range.total; offset += CHUNK) {
    const f = facts(range, offset, Math.min(CHUNK, range.total - offset));
    await w.command({
      query: `INSERT INTO decisions (ts, service, trace_id, span_id, decision_id, decision_type, label, score, model,
          model_version, slices, is_error, fallback, retried, guardrail, latency_ms, input_tokens, output_tokens,
          sampled, sample_reason, sample_weight)
        SELECT ts, 'support-bot', trace_id, span_id, decision_id, decision_type, label, (n % 1000) / 1000, 'llm', 'v1',
          map('language', language), is_error, fallback, false, false, 50 + n % 2000, 100, 20,
          kept, sample_reason, sample_weight
        FROM (${f})`,
    });
    // verdicts arrive (ingested_at) a second after they were given
    await w.command({
      query: `INSERT INTO verdicts (ts, verdict_id, decision_id, trace_id, kind, value, reviewer_id, seniority, label,
          rationale, ingested_at)
        SELECT review_ts, concat('r-', toString(n)), decision_id, trace_id, 'review', '', concat('rev', toString(n % 40)),
          if(senior, 'senior', 'junior'), if(overridden, other_label, label), '', review_ts + toIntervalSecond(1)
        FROM (${f}) WHERE reviewed
        UNION ALL
        SELECT ts + toIntervalMinute(1), concat('f-', toString(n)), decision_id, trace_id, 'feedback', 'thumbs_down',
          '', '', '', '', ts + toIntervalMinute(1) + toIntervalSecond(1)
        FROM (${f}) WHERE thumbs_down`,
    });
    // kept traces: a root span and the decision span, into recent_spans (JSON attributes) → sampled_spans by the view
    await w.command({
      query: `INSERT INTO recent_spans (ts, trace_id, span_id, parent_span_id, name, kind, duration_ms, status_code,
          status_message, service, scope, decision_id, decision_type, attributes, resource_attributes, events,
          sample_reason, sample_weight)
        SELECT ts, trace_id, root_span_id, '', 'POST /support', 2, 250, is_error ? 2 : 0, '', 'support-bot', 'http',
          '', '', toJSONString(map('http.method', 'POST', 'http.route', '/support')), '{"service.name":"support-bot"}',
          '[]', sample_reason, sample_weight
        FROM (${f}) WHERE kept
        UNION ALL
        SELECT ts, trace_id, span_id, root_span_id, concat('decision ', decision_type), 1, 180, is_error ? 2 : 0, '',
          'support-bot', 'livegrade', decision_id, decision_type,
          toJSONString(map('livegrade.decision.id', decision_id, 'livegrade.decision.type', decision_type,
            'livegrade.decision.label', label, 'livegrade.model.version', 'v1', 'livegrade.slice.language', language,
            'livegrade.input', input, 'livegrade.context', context, 'livegrade.output', concat('{"label":"', label, '"}'))),
          '{"service.name":"support-bot"}', '[]', sample_reason, sample_weight
        FROM (${f}) WHERE kept`,
    });
  }
}

/**
 * Waits until the engine has no merge or mutation running (two quiet polls
 * in a row, at most `maxMs`): a store just written is still merging its
 * parts, which would take the cores the measures run on; a live store has
 * long since merged its older parts. Returns the ms waited.
 */
async function settle(store: Store, maxMs = 120_000): Promise<number> {
  const t = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - t < maxMs) {
    const rs = await store.clients.writer.query({
      query: `SELECT (SELECT count() FROM system.merges) + (SELECT count() FROM system.mutations WHERE NOT is_done) AS n`,
      format: 'JSONEachRow',
    });
    const busy = Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    quiet = busy === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
  return performance.now() - t;
}

/** `store` with its captureCandidates timed: how much of a pass is the query. */
function timedRepository(store: Repository, sink: number[]): Repository {
  const r = Object.create(store) as Repository;
  r.captureCandidates = async (since: number) => {
    const t = performance.now();
    const found = await store.captureCandidates(since);
    sink.push(performance.now() - t);
    return found;
  };
  return r;
}

/**
 * Capture passes from one state, one warm-up then `runs` timed: before each,
 * `reset` puts the state back (the watermark, the occurrences the last pass
 * wrote), so every pass reads and writes the same.
 */
async function capturePasses(
  store: Store,
  runs: number,
  lookbackMs: number,
  reset: (last: CaptureResult | undefined) => Promise<void>,
): Promise<CaptureFigures> {
  const sliceBy = DEFAULT_CONFIG.sampling.slice_by;
  const w = store.clients.writer;
  const passes: number[] = [];
  const queries: number[] = [];
  const counts: number[] = [];
  let last: CaptureResult | undefined;
  let verdictsRead = 0;
  for (let i = 0; i <= runs; i++) {
    await reset(last);
    const q: number[] = [];
    const pass = await timed(() => captureBank(timedRepository(store, q), { sliceBy, lookbackMs }));
    last = pass.value;
    const count = await timed(async () => {
      const rs = await w.query({
        query: `SELECT count() AS n FROM verdicts WHERE ingested_at >= fromUnixTimestamp64Milli(${pass.value.since})`,
        format: 'JSONEachRow',
      });
      return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    });
    verdictsRead = count.value;
    if (i === 0) continue;
    passes.push(pass.ms);
    queries.push(q[0] ?? Number.NaN);
    counts.push(count.ms);
  }
  if (!last) throw new Error('no capture pass ran');
  return {
    since: last.since,
    verdictsRead,
    passMs: median(passes),
    queryMs: median(queries),
    countMs: median(counts),
    result: last,
    passes,
  };
}

interface CandidateProcess {
  url: string;
  /** requests the candidate received since the last call */
  received(): Promise<number>;
  close(): Promise<void>;
}

/** The local candidate (test/support/candidate.ts, mode fixed) in a process of its own. */
function startCandidateProcess(truth: Map<string, Truth>): Promise<CandidateProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const waiting: Array<(n: number) => void> = [];
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`candidate process exited ${code}`));
    });
    child.on('message', (msg: { url?: string; requests?: number }) => {
      if (msg.url) {
        resolve({
          url: msg.url,
          received: () =>
            new Promise((res) => {
              waiting.push(res);
              child.send({ count: true });
            }),
          close: () =>
            new Promise((res) => {
              child.once('exit', () => res());
              child.disconnect();
            }),
        });
      } else if (msg.requests !== undefined) waiting.shift()?.(msg.requests);
    });
    child.send({ truth: [...truth] });
  });
}

/** Largest heap used above where it stood after a full GC, sampled every 5 ms. */
function heapWatch() {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 5);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak - base;
    },
  };
}

async function benchReplay(
  store: Store,
  opts: Pick<BankBenchOptions, 'cases' | 'k' | 'concurrency' | 'runs'>,
): Promise<ReplayFigures> {
  const cases: BankCase[] = (await store.bankCases()).slice(0, opts.cases);
  if (cases.length === 0) throw new Error('bank bench: capture wrote no cases to replay');
  const truth = new Map<string, Truth>();
  for (const c of cases) {
    truth.set(JSON.stringify(replayRequest(c).input), { right: c.expected_label, wrong: c.model_label });
  }
  const params: ReplayParams = {
    k: opts.k,
    concurrency: opts.concurrency,
    slice_bar: 0.8,
    timeout_ms: 10_000,
    retries: 2,
  };
  const version = bankVersion(cases);
  const bodies = cases.map((c) => JSON.stringify(replayRequest(c)));
  const tasks = bodies.flatMap((b) => Array.from({ length: opts.k }, () => b));
  const candidate = await startCandidateProcess(truth);
  try {
    const replay = async () => replayCases(cases, { target: candidate.url, params, bankVersion: version });
    /** the floor: the same POSTs, same concurrency, no retries, no checks beyond res.json() */
    const bare = async () => {
      let next = 0;
      const worker = async () => {
        while (next < tasks.length) {
          const body = tasks[next++]!;
          const res = await fetch(candidate.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.json();
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
    };
    const times = { replay: [] as number[], bare: [] as number[] };
    const mem = { replay: [] as number[], bare: [] as number[] };
    let record: Awaited<ReturnType<typeof replay>> | undefined;
    for (let i = 0; i <= opts.runs; i++) {
      // alternate, so drift in the machine's state falls on both
      const wb = heapWatch();
      const b = await timed(bare);
      const bm = wb.stop();
      if ((await candidate.received()) !== tasks.length) throw new Error('bare POSTs: the candidate missed requests');
      const wr = heapWatch();
      const r = await timed(replay);
      const rm = wr.stop();
      if ((await candidate.received()) !== tasks.length) throw new Error('replay: the candidate missed requests');
      record = r.value;
      if (record.run.verdict !== 'pass') {
        throw new Error(
          `bank bench: replay against the fixed candidate: ${record.run.verdict}: ${record.run.reasons[0]}`,
        );
      }
      if (i === 0) continue;
      times.bare.push(b.ms);
      times.replay.push(r.ms);
      mem.bare.push(bm);
      mem.replay.push(rm);
    }
    return {
      cases: cases.length,
      k: opts.k,
      concurrency: opts.concurrency,
      requests: tasks.length,
      replayMs: median(times.replay),
      bareMs: median(times.bare),
      bodyBytes: Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length),
      replayHeapDelta: median(mem.replay),
      bareHeapDelta: median(mem.bare),
      verdict: record?.run.verdict ?? '?',
      passRate: record?.run.overall.pass_rate ?? Number.NaN,
      transport: record?.run.transport ?? { requests: 0, retries: 0, timeouts: 0, errors: 0 },
    };
  } finally {
    await candidate.close();
  }
}

async function benchEvalset(store: Store, from: number, to: number, runs: number): Promise<EvalsetFigures> {
  const out = mkdtempSync(join(tmpdir(), 'livegrade-bench-evalset-'));
  const sliceBy = DEFAULT_CONFIG.sampling.slice_by;
  const w = store.clients.writer;
  try {
    const inner = createStoreOperations(store, { sliceBy });
    const ms = { candidates: [] as number[], payloads: [] as number[] };
    let candidates = 0;
    const source: Pick<Operations, 'evalsetCandidates' | 'evalsetPayloads'> = {
      async evalsetCandidates(req) {
        const t = performance.now();
        const c = await inner.evalsetCandidates(req);
        ms.candidates.push(performance.now() - t);
        candidates = c.rows.length;
        return c;
      },
      async evalsetPayloads(req) {
        const t = performance.now();
        const p = await inner.evalsetPayloads(req);
        ms.payloads.push(performance.now() - t);
        return p;
      },
    };
    const exports: number[] = [];
    const counts: number[] = [];
    let last: ExportResult | undefined;
    let labelledSampled = 0;
    for (let i = 0; i <= runs; i++) {
      const plan = await planExport({
        name: `bench-${i}`,
        out,
        from,
        to,
        seed: EXPORT_DEFAULTS.seed,
        perSlice: 20,
        hardShare: undefined,
        holdout: undefined,
        sliceBy: undefined,
        rotate: undefined,
      });
      const e = await timed(() => exportEvalset(source, plan));
      last = e.value;
      const c = await timed(async () => {
        const rs = await w.query({
          query: `SELECT count() AS n FROM decisions
            WHERE sampled AND ts >= fromUnixTimestamp64Milli(${from}) AND ts < fromUnixTimestamp64Milli(${to})
              AND decision_key IN (SELECT decision_key FROM verdicts
                WHERE kind = 'review' AND ts >= fromUnixTimestamp64Milli(${from - 5 * MIN}))`,
          format: 'JSONEachRow',
        });
        return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
      });
      labelledSampled = c.value;
      if (i === 0) {
        ms.candidates.length = 0;
        ms.payloads.length = 0;
        continue;
      }
      exports.push(e.ms);
      counts.push(c.ms);
    }
    if (!last) throw new Error('no export ran');
    return {
      from,
      to,
      perSlice: 20,
      candidates,
      items: last.manifest.items,
      slices: last.manifest.counts.slices.length,
      exportMs: median(exports),
      candidatesMs: median(ms.candidates),
      payloadsMs: median(ms.payloads),
      countMs: median(counts),
      labelledSampled,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** ~`n` verdicts arrive: reviews of the latest kept decisions nobody reviewed, 10% overriding. */
async function lateVerdicts(store: Store, n: number): Promise<void> {
  await store.clients.writer.command({
    query: `INSERT INTO verdicts (ts, verdict_id, decision_id, trace_id, kind, value, reviewer_id, seniority, label, rationale)
      SELECT now64(3), concat('late-', decision_id), decision_id, trace_id, 'review', '', 'late-reviewer', 'junior',
        if(sipHash64(decision_id, 7) % 10 = 0, ${LABELS}[indexOf(${LABELS}, label) % 3 + 1], label), ''
      FROM decisions FINAL
      WHERE sampled AND decision_id NOT IN (SELECT decision_id FROM verdicts WHERE kind = 'review')
      ORDER BY ts DESC LIMIT ${n}`,
  });
  await settle(store);
}

/** Steady passes, each from the state after the first pass: its watermark, none of the rows the last steady pass wrote. */
function steadyPasses(store: Store, runs: number, lookbackMs: number, watermark: number): Promise<CaptureFigures> {
  const w = store.clients.writer;
  return capturePasses(store, runs, lookbackMs, async (last) => {
    if (!last) return;
    await w.command({
      query: `ALTER TABLE bank_occurrences DELETE WHERE captured_at = fromUnixTimestamp64Milli(${last.through})`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    await w.command({ query: 'TRUNCATE TABLE bank_capture_progress' });
    await store.recordCaptureWatermark(watermark);
  });
}

export async function benchBank(opts: BankBenchOptions): Promise<BankBenchResult> {
  const data = tempDataDir('livegrade-bench-bank-');
  const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
  const w = store.clients.writer;
  const lookbackMs = DEFAULT_CONFIG.bank.capture_lookback;
  // the day ends 10 minutes ago: its last reviews (given up to 9 min after the decision) arrived before now
  const end = Math.floor(Date.now() / 1000) * 1000 - 10 * MIN;
  const start = end - DAY;
  const day: SeedRange = { first: 0, total: opts.decisions, start, ms: DAY };
  let result: Omit<BankBenchResult, 'scaled'>;
  try {
    const seeded = await timed(() => seed(store, [day]));
    const settleMs = await settle(store);

    // (a) the first pass: no watermark, every verdict read
    const first = await capturePasses(store, opts.runs, lookbackMs, async () => {
      await w.command({ query: 'TRUNCATE TABLE bank_occurrences' });
      await w.command({ query: 'TRUNCATE TABLE bank_capture_progress' });
    });

    // (b) ~10k verdicts arrive after the watermark
    await lateVerdicts(store, opts.newVerdicts);
    const steady = await steadyPasses(store, opts.runs, lookbackMs, first.result.through);

    const replay = await benchReplay(store, opts);
    const evalset = await benchEvalset(store, start, end + MIN, opts.runs);
    result = {
      decisions: opts.decisions,
      ...seeded.value,
      seedMs: seeded.ms,
      settleMs,
      runs: opts.runs,
      lookbackMs,
      first,
      steady: { ...steady, newVerdicts: opts.newVerdicts },
      replay,
      evalset,
      ...(opts.keepDir ? { dataDir: data.dir } : {}),
    };
  } finally {
    await store.close();
    if (!opts.keepDir) data.cleanup();
  }
  if (opts.scale <= 1) return result;
  return { ...result, scaled: await benchScaled(opts, day, lookbackMs) };
}

/**
 * (c) The steady pass again on a store `scale` times as large: the same
 * day, after (scale − 1) days of the same traffic before it, all inserted
 * in time order and captured once; then the same new verdicts. What a pass
 * costs should follow what arrived, not how long the store has kept.
 */
async function benchScaled(opts: BankBenchOptions, day: SeedRange, lookbackMs: number): Promise<ScaledFigures> {
  const data = tempDataDir('livegrade-bench-bank-scaled-');
  const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
  const sliceBy = DEFAULT_CONFIG.sampling.slice_by;
  try {
    const days = opts.scale - 1;
    const history: SeedRange = {
      first: day.total,
      total: day.total * days,
      start: day.start - days * DAY,
      ms: days * DAY,
    };
    const seeded = await timed(() => seed(store, [history, day]));
    const settleMs = await settle(store, 300_000);
    const q: number[] = [];
    const first = await timed(() => captureBank(timedRepository(store, q), { sliceBy, lookbackMs }));
    await lateVerdicts(store, opts.newVerdicts);
    const steady = await steadyPasses(store, opts.runs, lookbackMs, first.value.through);
    return {
      scale: opts.scale,
      decisions: day.total * opts.scale,
      verdicts: seeded.value.verdicts,
      seedMs: seeded.ms,
      settleMs,
      firstPassMs: first.ms,
      firstQueryMs: q[0] ?? Number.NaN,
      firstResult: first.value,
      steady: { ...steady, newVerdicts: opts.newVerdicts },
      ...(opts.keepDir ? { dataDir: data.dir } : {}),
    };
  } finally {
    await store.close();
    if (!opts.keepDir) data.cleanup();
  }
}
