// Alerting (issue 5), each figure next to a baseline from the same run:
// - alert latency in accelerated time: reviewed decisions generated in the
//   engine minute by minute, one slice's override rate going 5% → 30% at T0,
//   the scorer and the alerter in this process (embedded store, in-process
//   queues) driven one scoring tick at a time, a webhook on 127.0.0.1; next to
//   the scorer's own verdict on that slice, the earliest any alert could be;
// - evaluation of 100 rules × 1,000 slices: the pure core next to a bare
//   loop over the same observations, and the alerter's evaluateWindow on the
//   store next to the reads it makes alone.
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alerterConfig, createAlerter, evaluateWindow, type WindowEvaluation } from '@livegrade/alerter';
import {
  type AlertRule,
  type AlertState,
  evaluateRule,
  METRICS,
  type MetricName,
  type Observation,
  parseConfig,
  parseEnv,
  QUEUES,
  type ScoreWindowJob,
  type Silence,
  type SliceMetricRow,
  sliceKeys,
  type ThresholdOp,
  thresholdHolds,
  windowsDue,
} from '@livegrade/core';
import { createJobs } from '@livegrade/jobs';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import { createLogger } from '@livegrade/runtime';
import { createScorer, scorerConfig } from '@livegrade/scorer';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir } from '../test/support/env.ts';
import { median, timed } from './table.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

export interface AlertLatencyResult {
  /** data time: first decision of the degraded slice after the change */
  firstDegradedAt: number;
  /** data time the alert is sent: end of the window that fired + lag */
  alertAt: number;
  /** data time the scorer's verdict is written: end of the first window with degraded = true for the slice + lag */
  verdictAt: number;
  firingWindowEnd: number;
  firedSlices: string[];
  slices: number;
  reviewedPerSliceMinute: number;
  /** the firing tick, wall ms from the start of its scoring */
  tick: { scoredMs: number; ruleWindowScoredMs: number; evaluatedMs: number; receivedMs: number };
  /** ticks before it (the first, a cold one scoring the catch-up windows too, left out): medians */
  steady: { ticks: number; scoredMs: number; evaluatedMs: number };
  ticks: number;
  figures: { value: number | null; baseline_value: number | null; n: number; q_value: number | null };
}

export interface RulesEvalResult {
  rules: number;
  slices: number;
  /** (a) pure core */
  coreMs: number;
  bareMs: number;
  coreRuns: number;
  held: number;
  core: { transitions: number; notifications: number; suppressed: number; storedStates: number };
  /** (b) evaluateWindow on the store */
  windowMs: number;
  readsMs: number;
  windowRuns: number;
  metricRows: number;
  window: { transitions: number; notifications: number; suppressed: number };
}

export interface AlerterBenchResult {
  latency: AlertLatencyResult;
  rules: RulesEvalResult;
}

export async function benchAlerter(): Promise<AlerterBenchResult> {
  const latency = await benchAlertLatency();
  const rules = await benchRuleEvaluation();
  return { latency, rules };
}

// ---------------------------------------------------------------- latency

/** 4 decision types × 8 languages, one model version */
const TYPES = 4;
const LANGS = 8;
const FINEST = TYPES * LANGS;
/** reviewed decisions per minute per finest slice: 300 per 15-minute window, 3× min_samples */
const PER_SLICE_MINUTE = 20;
const PER_MINUTE = FINEST * PER_SLICE_MINUTE;
/** decision_type=type1,language=lang3 */
const TARGET = 1 * LANGS + 3;
const TARGET_SLICE = `decision_type=type${Math.floor(TARGET / LANGS)},language=lang${TARGET % LANGS}`;
/** overrides per 20 reviews of a slice-minute: 1 (5%), the target's 6 (30%) from T0 */
const OVERRIDES_BEFORE = 1;
const OVERRIDES_AFTER = 6;

/**
 * Decision k of the stream is at origin + k × 60 s / PER_MINUTE, of finest
 * slice k mod 32, the j-th of its slice (j = k div 32); every one carries a
 * senior review stamped with it (no review delay: a real one adds to the
 * detection time one for one). The review overrides the model's label on
 * the first 1 of each 20 reviews of a slice-minute, or 6 for the target
 * slice from T0 on: exact rates, so every run detects at the same window.
 */
async function insertStream(store: Store, origin: number, t0: number, from: number, to: number) {
  const first = Math.round(((from - origin) * PER_MINUTE) / MIN);
  const count = Math.round(((to - from) * PER_MINUTE) / MIN);
  const t0Index = Math.round(((t0 - origin) * PER_MINUTE) / MIN);
  const rows = `(SELECT number, number % ${FINEST} AS s, intDiv(number, ${FINEST}) AS j,
      fromUnixTimestamp64Milli(toInt64(${origin} + intDiv(number * ${MIN}, ${PER_MINUTE}))) AS at
    FROM numbers(${first}, ${count}))`;
  const labels = `['approve', 'deny', 'escalate']`;
  const w = store.clients.writer;
  await w.command({
    query: `INSERT INTO decisions (ts, service, trace_id, span_id, decision_id, decision_type, label, score, model,
        model_version, slices, is_error, fallback, retried, guardrail, latency_ms, input_tokens, output_tokens,
        sampled, sample_reason, sample_weight)
      SELECT at, 'bench', hex(sipHash128(number, 5)), hex(sipHash64(number, 5)), concat('a-', toString(number)),
        concat('type', toString(intDiv(s, ${LANGS}))), ${labels}[(j + s) % 3 + 1], ((j * 7 + s) % 100) / 100,
        'llm', 'v1', map('language', concat('lang', toString(s % ${LANGS}))), j % 50 = 0, j % 40 = 1, 0, 0,
        50 + (j * 13) % 2000, 100, 20, 1, 'stratified', 1
      FROM ${rows}`,
  });
  const overridden = `j % ${PER_SLICE_MINUTE} < if(s = ${TARGET} AND number >= ${t0Index}, ${OVERRIDES_AFTER}, ${OVERRIDES_BEFORE})`;
  await w.command({
    query: `INSERT INTO verdicts (ts, verdict_id, decision_id, trace_id, kind, value, reviewer_id, seniority, label, rationale)
      SELECT at, concat('av-', toString(number)), concat('a-', toString(number)), '', 'review', '', 'r0', 'senior',
        ${labels}[(j + s + (${overridden})) % 3 + 1], ''
      FROM ${rows}`,
  });
}

interface Arrival {
  at: number;
  body: unknown;
}

/** A generic webhook receiver on 127.0.0.1 that notes when each message has been read in full. */
async function startReceiver() {
  const arrivals: Arrival[] = [];
  const waiters: Array<{ n: number; resolve: (a: Arrival) => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      arrivals.push({ at, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      for (const w of waiters.splice(0)) {
        if (arrivals.length >= w.n) w.resolve(arrivals[w.n - 1]!);
        else waiters.push(w);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/bench`,
    count: () => arrivals.length,
    /** the n-th message (from 1), once it has arrived */
    nth(n: number, timeoutMs: number): Promise<Arrival> {
      if (arrivals.length >= n) return Promise.resolve(arrivals[n - 1]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no webhook message within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: (a) => {
            clearTimeout(timer);
            resolve(a);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface WebhookMessage {
  notification: { kind: string; at: number; alerts: Array<{ slice: string }> };
}

export async function benchAlertLatency(): Promise<AlertLatencyResult> {
  // one rule with every default: window 15m (the first scored), for 0, min_samples 100, all grouping sets
  const config = parseConfig({
    alerts: {
      receivers: { oncall: { type: 'webhook', url_env: 'BENCH_ONCALL_WEBHOOK_URL' } },
      rules: [{ name: 'override-rate', metric: 'override_rate', condition: 'degraded' }],
    },
  });
  const scoring = config.scoring;
  const rule = config.alerts.rules[0]!;
  const origin = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
  const t0 = origin + 2 * HOUR;
  const firstTick = t0 - 3 * MIN;
  const data = tempDataDir('livegrade-bench-alerter-');
  const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
  const receiver = await startReceiver();
  const logger = createLogger('silent');
  const jobs = createJobs({ logger });
  // no schedule: a tick on the wall clock would score (and evaluate) windows of today, and a rule's
  // watermark past them would make the alerter skip the data-time windows of this run
  const scorer = createScorer({
    jobs,
    store,
    logger,
    config: scorerConfig(scoring, { alerting: true }),
    schedule: false,
  });
  const alerter = createAlerter({
    jobs,
    store,
    logger,
    config: alerterConfig(config.alerts),
    env: { BENCH_ONCALL_WEBHOOK_URL: receiver.url },
  });
  const evaluations = jobs.queue(QUEUES.alerting);
  try {
    // an hour of baseline, then live traffic up to the minute the first tick writes
    await insertStream(store, origin, t0, origin, firstTick - MIN);
    await registerBaseline(store, scoring, { name: 'bench', from: origin, to: origin + HOUR });
    await activateBaseline(store, 'bench');
    await scorer.start();
    await alerter.start();

    const scored = new Set<string>();
    const steady = { scored: [] as number[], evaluated: [] as number[] };
    let verdictEnd: number | undefined;
    let ticks = 0;
    for (let end = firstTick; end <= t0 + 15 * MIN; end += MIN) {
      ticks++;
      // the minute that ends with this window reaches the store (the sampler's writes)
      await insertStream(store, origin, t0, end - MIN, end);
      // the scorer's tick for this window end comes `lag` after it; the first one also scores the
      // catch_up windows before it (a cold start, left out of the steady figures)
      const due = windowsDue(end + scoring.lag, scoring).filter((w) => !scored.has(`${w.window_ms}-${w.end_ms}`));
      const sent = receiver.count();
      const started = performance.now();
      let ruleWindowScored = 0;
      for (const w of due) {
        await scorer.score(w);
        scored.add(`${w.window_ms}-${w.end_ms}`);
        if (w.window_ms === rule.window && w.end_ms === end) ruleWindowScored = performance.now() - started;
      }
      const scoredMs = performance.now() - started;
      const results = await Promise.all(due.map((w) => evaluations.waitUntilFinished(evaluationJobId(w), 60_000)));
      const evaluatedMs = performance.now() - started;
      for (const r of results) if (r.state === 'failed') throw new Error(`evaluation failed: ${r.failedReason}`);
      const notified = results.reduce((a, r) => a + (r.returnValue as WindowEvaluation).notifications, 0);

      if (verdictEnd === undefined) {
        for (const w of due) {
          const rows = await store.windowMetrics({ start: w.end_ms - w.window_ms, end: w.end_ms });
          const row = rows.find((r) => r.slice === TARGET_SLICE && r.metric === rule.metric);
          if (row?.degraded && (verdictEnd === undefined || w.end_ms < verdictEnd)) verdictEnd = w.end_ms;
        }
      }
      if (notified === 0) {
        if (ticks > 1) {
          steady.scored.push(scoredMs);
          steady.evaluated.push(evaluatedMs);
        }
        continue;
      }
      const message = await receiver.nth(sent + 1, 60_000);
      const n = (message.body as WebhookMessage).notification;
      if (n.kind !== 'firing') throw new Error(`expected a firing message first, got ${JSON.stringify(n)}`);
      const firedSlices = n.alerts.map((a) => a.slice);
      if (verdictEnd === undefined) throw new Error('an alert fired before the scorer found the slice degraded');
      const fired = (await store.windowMetrics({ start: n.at - rule.window, end: n.at })).find(
        (r) => r.slice === TARGET_SLICE && r.metric === rule.metric,
      );
      return {
        firstDegradedAt: t0 + Math.floor((TARGET * MIN) / PER_MINUTE),
        alertAt: n.at + scoring.lag,
        verdictAt: verdictEnd + scoring.lag,
        firingWindowEnd: n.at,
        firedSlices,
        slices: FINEST,
        reviewedPerSliceMinute: PER_SLICE_MINUTE,
        tick: { scoredMs, ruleWindowScoredMs: ruleWindowScored, evaluatedMs, receivedMs: message.at - started },
        steady: { ticks: steady.scored.length, scoredMs: median(steady.scored), evaluatedMs: median(steady.evaluated) },
        ticks,
        figures: {
          value: fired?.value ?? null,
          baseline_value: fired?.baseline_value ?? null,
          n: fired?.n ?? 0,
          q_value: fired?.q_value ?? null,
        },
      };
    }
    throw new Error(`no alert within 15 minutes of data time after T0 (scorer verdict at ${verdictEnd ?? 'none'})`);
  } finally {
    await scorer.stop();
    await alerter.stop();
    await jobs.close();
    await receiver.close();
    await store.close();
    rmSync(data.dir, { recursive: true, force: true });
  }
}

/** the id the scorer gives the evaluation job of a window it scored (services/scorer/src/scorer.ts) */
function evaluationJobId(w: ScoreWindowJob): string {
  return `evaluate-${w.window_ms}-${w.end_ms}`;
}

// ---------------------------------------------------------- 100 rules × 1,000 slices

const RULES = 100;
const RULE_WINDOW = 15 * MIN;
const RULE_METRICS: MetricName[] = ['override_rate', 'error_rate', 'fallback_rate', 'thumbs_down_rate', 'score_ks'];
const OPS: ThresholdOp[] = ['>', '>=', '<', '<='];
/** windows evaluated before the measured one, one scoring interval apart, so states are pending, firing, resolved */
const HISTORY = 6;

/** `*`, 9 decision types, 9 × 110 languages: 1,000 slices in the rules' grouping sets */
function benchSlices(): Array<{ key: string; type: number }> {
  const out = [{ key: '*', type: -1 }];
  for (let t = 0; t < 9; t++) out.push({ key: `decision_type=type${t}`, type: t });
  for (let t = 0; t < 9; t++) {
    for (let l = 0; l < 110; l++) {
      out.push({ key: `decision_type=type${t},language=lang${String(l).padStart(3, '0')}`, type: t });
    }
  }
  return out;
}

function hash(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ x, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const unit = (...xs: number[]) => hash(...xs) / 2 ** 32;

/**
 * What window w says of each slice for one metric: all of decision type 0
 * degraded throughout (its wide slice inhibits its narrow ones); the others
 * keep a value, and ~4% of them a degraded verdict, for 3 windows at a time,
 * staggered, so at each window a third of the slices change and some alerts
 * start, fire and resolve; one narrow slice in five is below min_samples.
 */
function observations(
  slices: Array<{ key: string; type: number }>,
  metric: number,
  w: number,
  end: number,
): Observation[] {
  return slices.map(({ key, type }, i) => {
    const phase = Math.floor((w + i) / 3);
    const degraded = type === 0 || hash(i, metric, phase) % 25 === 0;
    const u = unit(i, metric, phase);
    const value = degraded ? 0.5 + 0.5 * u : 0.5 * u;
    const baseline = 0.25;
    return {
      slice: key,
      window_start: end - RULE_WINDOW,
      window_end: end,
      value,
      n: type < 0 ? 200_000 : key.includes(',') ? 20 + (hash(i, 7) % 400) : 20_000,
      baseline: 'bench',
      baseline_value: baseline,
      baseline_n: 50_000,
      p_value: degraded ? 1e-6 : 0.2 + 0.8 * u,
      q_value: degraded ? 1e-5 : Math.min(1, 0.3 + 0.8 * u),
      effect: value - baseline,
      degraded,
    };
  });
}

/** 100 rules over 5 metrics: half `degraded`, half thresholds of every operator, `for` 0/2m/5m, resolve_after 0/3m */
function benchRules(): AlertRule[] {
  return Array.from({ length: RULES }, (_, i): AlertRule => {
    const op = OPS[i % 4]!;
    const above = op === '>' || op === '>=';
    return {
      name: `rule-${String(i).padStart(3, '0')}`,
      metric: RULE_METRICS[i % RULE_METRICS.length]!,
      window: RULE_WINDOW,
      slices: i % 4 === 3 ? [['decision_type', 'language']] : [[], ['decision_type'], ['decision_type', 'language']],
      condition:
        i % 2 === 0
          ? { kind: 'degraded' }
          : { kind: 'threshold', op, fire: above ? 0.9 : 0.05, clear: above ? 0.85 : 0.08 },
      min_samples: 100,
      for: [0, 2 * MIN, 5 * MIN][i % 3]!,
      resolve_after: [0, 3 * MIN][i % 2]!,
      repeat_interval: 4 * HOUR,
      severity: 'warning',
      receivers: ['oncall'],
    };
  });
}

function benchSilences(now: number): Silence[] {
  const base = { starts_at: now - HOUR, ends_at: now + HOUR, comment: 'bench', created_by: 'bench', created_at: now };
  return [
    { ...base, id: 'silence-lang007', rule: '*', slice: 'language=lang007' },
    { ...base, id: 'silence-type3', rule: 'rule-005', slice: 'decision_type=type3' },
  ];
}

/** The least any evaluation must do: look at each (rule, slice) once and test its condition. */
function bareConditions(rules: readonly AlertRule[], byMetric: ReadonlyMap<string, readonly Observation[]>): number {
  let held = 0;
  for (const rule of rules) {
    const c = rule.condition;
    for (const o of byMetric.get(rule.metric)!) {
      if (o.value === null || o.n < rule.min_samples) continue;
      if (c.kind === 'degraded' ? o.degraded : thresholdHolds(o.value, c.op, c.fire)) held++;
    }
  }
  return held;
}

export async function benchRuleEvaluation(coreRuns = 9, windowRuns = 3): Promise<RulesEvalResult> {
  const rules = benchRules();
  const slices = benchSlices();
  const now = Date.now();
  const silences = benchSilences(now);
  const base = Math.floor(now / HOUR) * HOUR - 24 * HOUR;
  const endOf = (w: number) => base + w * MIN;
  const windowObservations = (w: number) =>
    new Map(METRICS.map((m, mi) => [m as string, observations(slices, mi, w, endOf(w))]));

  // the stored states: every rule evaluated over the windows before the measured one
  const stored = new Map<string, AlertState[]>(rules.map((r) => [r.name, []]));
  for (let w = 0; w < HISTORY; w++) {
    const obs = windowObservations(w);
    for (const rule of rules) {
      const prev = stored.get(rule.name)!;
      const r = evaluateRule({
        rule,
        at: endOf(w),
        observations: obs.get(rule.metric)!,
        states: prev,
        silences,
        now,
      });
      const next = new Map(prev.map((s) => [s.slice, s]));
      for (const s of r.states) next.set(s.slice, s);
      stored.set(rule.name, [...next.values()]);
    }
  }

  // (a) the pure core over the measured window
  const measured = windowObservations(HISTORY);
  // as evaluateWindow does: the rules of one window share the parsed slice keys
  const evaluateAll = () => {
    const keys = sliceKeys();
    return rules.map((rule) =>
      evaluateRule({
        rule,
        at: endOf(HISTORY),
        observations: measured.get(rule.metric)!,
        states: stored.get(rule.name)!,
        silences,
        now,
        sliceKeys: keys,
      }),
    );
  };
  const core: number[] = [];
  const bare: number[] = [];
  let held = 0;
  let outcome = evaluateAll();
  // the first round warms the JIT and is not counted
  for (let i = 0; i <= coreRuns; i++) {
    let t = performance.now();
    held = bareConditions(rules, measured);
    if (i > 0) bare.push(performance.now() - t);
    t = performance.now();
    outcome = evaluateAll();
    if (i > 0) core.push(performance.now() - t);
  }
  const storedStates = [...stored.values()].reduce((a, s) => a + s.length, 0);

  // (b) evaluateWindow on the store: the same states stored, a window of slice_metrics rows per run
  const data = tempDataDir('livegrade-bench-alerter-rules-');
  const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
  const jobs = createJobs({ logger: createLogger('silent') });
  try {
    const config = alerterConfig({ receivers: { oncall: { type: 'webhook', url_env: 'BENCH_UNUSED_URL' } }, rules });
    // no worker takes the delivery jobs: only queuing them is part of an evaluation
    const deliveries = jobs.queue(QUEUES.alertDelivery);
    const windows = Array.from({ length: windowRuns + 1 }, (_, k) => HISTORY + k);
    let metricRows = 0;
    for (const w of windows) {
      const rows = [...windowObservations(w)].flatMap(([metric, obs]) => obs.map((o) => metricRow(metric, o)));
      metricRows = rows.length;
      await store.insertSliceMetrics(rows);
    }
    await store.saveAlertStates([...stored.values()].flat(), now - MIN);
    await store.saveRuleWatermarks(rules.map((r) => ({ rule: r.name, evaluated_at: endOf(HISTORY - 1) })));
    for (const s of silences) await store.insertSilence(s);

    const names = rules.map((r) => r.name);
    const metrics = [...new Set(rules.map((r) => r.metric))];
    const reads: number[] = [];
    const full: number[] = [];
    const sums = { transitions: 0, notifications: 0, suppressed: 0 };
    for (const [k, w] of windows.entries()) {
      const window = { window_ms: RULE_WINDOW, end_ms: endOf(w) };
      // the reads evaluateWindow makes, in the same order, with nothing computed or written
      const r = await timed(async () => {
        await store.ruleWatermarks();
        await Promise.all([
          store.ruleObservations(window, metrics),
          store.alertStates(names),
          store.silences({ now: Date.now() }),
        ]);
      });
      const e = await timed(() => evaluateWindow({ store, deliveries, config, now: Date.now }, window));
      if (e.value.rules !== RULES) throw new Error(`evaluateWindow ran ${e.value.rules} rules, expected ${RULES}`);
      // the first window warms the store's caches and is not counted
      if (k === 0) continue;
      reads.push(r.ms);
      full.push(e.ms);
      sums.transitions += e.value.transitions;
      sums.notifications += e.value.notifications;
      sums.suppressed += e.value.suppressed;
    }
    return {
      rules: RULES,
      slices: slices.length,
      coreMs: median(core),
      bareMs: median(bare),
      coreRuns,
      held,
      core: {
        transitions: outcome.reduce((a, r) => a + r.transitions.length, 0),
        notifications: outcome.reduce((a, r) => a + r.notifications.length, 0),
        suppressed: outcome.reduce((a, r) => a + r.suppressed.length, 0),
        storedStates,
      },
      windowMs: median(full),
      readsMs: median(reads),
      windowRuns,
      metricRows,
      window: {
        transitions: Math.round(sums.transitions / windowRuns),
        notifications: Math.round(sums.notifications / windowRuns),
        suppressed: Math.round(sums.suppressed / windowRuns),
      },
    };
  } finally {
    await jobs.close();
    await store.close();
    rmSync(data.dir, { recursive: true, force: true });
  }
}

function metricRow(metric: string, o: Observation): SliceMetricRow {
  return {
    window_start: o.window_start,
    window_end: o.window_end,
    slice: o.slice,
    metric: metric as MetricName,
    value: o.value,
    n: o.n,
    baseline: o.baseline,
    baseline_value: o.baseline_value,
    baseline_n: o.baseline_n,
    test: 'two_proportion',
    statistic: null,
    p_value: o.p_value,
    q_value: o.q_value,
    effect: o.effect,
    degraded: o.degraded,
  };
}
