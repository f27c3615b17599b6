// npm run bench: every figure next to a baseline measured in the same run.
// BENCH_TRACES (default "10000,100000,1000000") lists the traffic sizes, in
// distinct traces per run; BENCH_DECISION_WAIT_MS and BENCH_MAX_BUFFERED set
// the real policy's sampling for the throughput runs (defaults: the config
// defaults, 5 s and 50,000). BENCH_CPU_PROFILE_DIR writes a V8
// CPU profile of each writer run there; BENCH_LIVE_HEAP_MS=3000 logs the
// largest live heap of each real-policy run (a full GC every 3 s: slower).
// BENCH_SCORER_DECISIONS (default "1000000,10000000") lists the decisions
// per scored window; BENCH_PARTS (default "sampler,sdk,startup,scorer,alerter")
// picks what runs (the sdk part also builds and packs the SDK and installs
// it, and the OpenTelemetry pieces it builds on alone, into temp directories:
// npm install --prefer-offline, ~5 s with a warm npm cache); `startup`
// (~30 s) times `livegrade --help` and `livegrade up` as built against the
// same from the sources through tsx; the alerter
// part (alert latency in accelerated time, the evaluation of 100 rules ×
// 1,000 slices) takes ~10 s; `api` (the read API over a day of 1,000 slices'
// windows, ~4 min, mostly generating them) runs
// only when named, as does `bank` (the regression bank, ~4-10 min: capture
// over a day of BENCH_BANK_DECISIONS decisions, default 1,000,000, and a
// steady pass after BENCH_BANK_NEW_VERDICTS new verdicts, default 10,000,
// then again on a store BENCH_BANK_SCALE times as large, default 10;
// replay of BENCH_BANK_CASES cases, default 2,000, × BENCH_BANK_K runs,
// default 5, at BENCH_BANK_CONCURRENCY, default 8; the eval-set export;
// BENCH_BANK_RUNS timed runs of each, default 3; BENCH_BANK_KEEP_DIR=1 keeps
// its store). The sampler part needs a Kafka broker: the local one
// (infra/kafka) is started below unless LIVEGRADE_BENCH_KAFKA_BROKERS names
// one. Its raw consume + decode ceiling is the bare @platformatic/kafka
// consumer (the runtime client); it also puts kafkajs 2.2.4 next to
// @platformatic/kafka on one topic, with the raw topic's traffic (the first
// size of 100,000 traces or more, else the last): produce, then consume +
// decode, bare and through livegrade's adapter (bench/kafka-clients.ts,
// ~30 s at 100,000). ~10 minutes on 2 cores;
// BENCH_TRACES=10000,100000 BENCH_SCORER_DECISIONS=1000000 takes ~2.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type SamplingConfig } from '@livegrade/core';
import { benchAlerter } from './alerter.ts';
import { benchApi } from './api.ts';
import { benchBank } from './bank.ts';
import { FAILURE_RATE, LOW_SCORE_RATE, TRACES_PER_BATCH } from './dataset.ts';
import type { ClientRun } from './kafka-client-child.ts';
import { SENDS_IN_FLIGHT } from './kafka-clients.ts';
import { benchSampler } from './sampler.ts';
import { benchScorer } from './scorer.ts';
import { benchSdk } from './sdk.ts';
import { benchSdkSize, OTEL_ALONE, OTEL_API, type SdkSizeFigures } from './sdk-size.ts';
import { benchStartup } from './startup.ts';
import { fmt, printTable, type Row } from './table.ts';

const brokers = process.env.LIVEGRADE_BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092';
const sizes = (process.env.BENCH_TRACES ?? '10000,100000,1000000')
  .split(',')
  .map((s) => Number(s.trim().replaceAll('_', '')))
  .filter((n) => Number.isInteger(n) && n > 0);
if (sizes.length === 0) throw new Error('BENCH_TRACES: expected a comma-separated list of trace counts');
const sampling: SamplingConfig = {
  ...DEFAULT_CONFIG.sampling,
  decision_wait: Number(process.env.BENCH_DECISION_WAIT_MS ?? DEFAULT_CONFIG.sampling.decision_wait),
  max_buffered_traces: Number(process.env.BENCH_MAX_BUFFERED ?? DEFAULT_CONFIG.sampling.max_buffered_traces),
};
const cpuProfileDir = process.env.BENCH_CPU_PROFILE_DIR ? resolve(process.env.BENCH_CPU_PROFILE_DIR) : undefined;
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

const parts = new Set(
  (process.env.BENCH_PARTS ?? 'sampler,sdk,startup,scorer,alerter').split(',').map((p) => p.trim()),
);
const envCount = (name: string, fallback: number) => {
  const n = Number((process.env[name] ?? String(fallback)).trim().replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a whole number above 0`);
  return n;
};
const scorerSizes = (process.env.BENCH_SCORER_DECISIONS ?? '1000000,10000000')
  .split(',')
  .map((s) => Number(s.trim().replaceAll('_', '')))
  .filter((n) => Number.isInteger(n) && n > 0);

const started = performance.now();
const liveHeapEveryMs = Number(process.env.BENCH_LIVE_HEAP_MS ?? 0);
// only the sampler part reads Kafka: the local broker is started for it unless one is given
if (parts.has('sampler') && !process.env.LIVEGRADE_BENCH_KAFKA_BROKERS) {
  const up = spawnSync('bash', [fileURLToPath(new URL('../infra/kafka/start.sh', import.meta.url))], {
    stdio: 'inherit',
  });
  if (up.status !== 0) throw new Error(`infra/kafka/start.sh exited ${up.status ?? up.signal}`);
}
const s = parts.has('sampler')
  ? await benchSampler(brokers, sizes, sampling, {
      liveHeapEveryMs,
      ...(cpuProfileDir ? { cpuProfileDir } : {}),
    })
  : undefined;
const k = parts.has('sdk') ? await benchSdk() : undefined;
// after the timing, so the npm runs do not load the machine under it; a failed
// install (no registry, no cache) leaves its rows with the error, not the run
const kz: SdkSizeFigures | { error: string } | undefined = parts.has('sdk')
  ? await benchSdkSize().catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }))
  : undefined;
const st = parts.has('startup') ? await benchStartup() : undefined;
const sc = parts.has('scorer') ? await benchScorer(scorerSizes) : [];
const al = parts.has('alerter') ? await benchAlerter() : undefined;
const ap = parts.has('api') ? await benchApi() : undefined;
const bk = parts.has('bank')
  ? await benchBank({
      decisions: envCount('BENCH_BANK_DECISIONS', 1_000_000),
      newVerdicts: envCount('BENCH_BANK_NEW_VERDICTS', 10_000),
      cases: envCount('BENCH_BANK_CASES', 2_000),
      k: envCount('BENCH_BANK_K', 5),
      concurrency: envCount('BENCH_BANK_CONCURRENCY', 8),
      runs: envCount('BENCH_BANK_RUNS', 3),
      scale: envCount('BENCH_BANK_SCALE', 10),
      keepDir: process.env.BENCH_BANK_KEEP_DIR === '1',
    })
  : undefined;

const count = (n: number) => n.toLocaleString('en-US');
const signed = (n: number) => `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(2)}`;
/** Decimal megabytes, as the SDK size goal is set (npm and du -h --si count so). */
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const spansPerSec = (r: { spans: number }, ms: number) => r.spans / (ms / 1000);
/**
 * The real policy's last traces are due decision_wait after their root was
 * read: time the sampler sits idle by design (latency, not cost), so its
 * throughput is over the elapsed time less decision_wait.
 */
const policyMs = (r: { elapsedMs: number }) => r.elapsedMs - sampling.decision_wait;

const rows: Row[] = [];
if (s) {
  rows.push({
    measure: `raw consume + decode, bare @platformatic/kafka (${count(s.rawTraces)} traces)`,
    value: fmt.rate(spansPerSec(s.raw, s.raw.elapsedMs)),
    note: 'ceiling for any writer',
  });
  const rawRate = spansPerSec(s.raw, s.raw.elapsedMs);
  const c = s.clients;
  /** a client next to another on the same topic: spans/s, then msgs/s, MB/s and CPU per message in the note */
  const clientRow = (measure: string, r: ClientRun, base: ClientRun, baseName: string, about: string): Row => {
    const per = (x: ClientRun) => ({
      spans: spansPerSec(x, x.elapsedMs),
      msgs: x.messages / (x.elapsedMs / 1000),
      mbs: x.bytes / 1e6 / (x.elapsedMs / 1000),
      cpu: (x.cpuMs * 1000) / x.messages,
    });
    const v = per(r);
    const b = per(base);
    return {
      measure,
      value: fmt.rate(v.spans),
      baseline: `${fmt.rate(b.spans)} ${baseName}`,
      ratio: fmt.ratio(v.spans, b.spans),
      note: `msgs ${fmt.rate(v.msgs)} vs ${fmt.rate(b.msgs)}; ${v.mbs.toFixed(1)} vs ${b.mbs.toFixed(1)} MB/s; CPU/msg ${fmt.us(v.cpu)} vs ${fmt.us(b.cpu)}; ${about}`,
    };
  };
  const sameSplit = c.partitions.kafkajs.join('/') === c.partitions.platformatic.join('/');
  rows.push(
    clientRow(
      'Kafka produce (spans/s): @platformatic/kafka vs kafkajs',
      c.produce.platformatic,
      c.produce.kafkajs,
      'kafkajs',
      `${count(c.traces)} traces each, acks=all, idempotent, ${SENDS_IN_FLIGHT} sends of ${TRACES_PER_BATCH} in flight; @platformatic/kafka through livegrade's adapter; ${sameSplit ? 'same' : 'DIFFERENT'} partition split`,
    ),
    clientRow(
      'Kafka consume + decode (spans/s): @platformatic/kafka vs kafkajs',
      c.consume.platformatic,
      c.consume.kafkajs,
      'kafkajs',
      `both copies (${count(2 * c.traces)} traces), bare clients`,
    ),
    clientRow(
      "Kafka consume + decode (spans/s): livegrade's adapter vs bare @platformatic/kafka",
      c.consume.adapter,
      c.consume.platformatic,
      'bare',
      "createKafkaBus().consumer(), commit 'after-batch'",
    ),
  );
  for (const r of s.runs) {
    const ke = spansPerSec(r.keepEverything, r.keepEverything.elapsedMs);
    const pol = spansPerSec(r.policy, policyMs(r.policy));
    const st = r.policy.sampler;
    const kept = st ? Object.values(st.keptByReason).reduce((a, b) => a + b, 0) : 0;
    const reasons = st
      ? Object.entries(st.keptByReason)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${count(v)}`)
          .join(', ')
      : '';
    const rounds = r.policy.store?.['insertEncoded decisions'];
    const lookups = r.policy.store?.decidedTraces;
    const cpuPerSpan = (c: { cpuMs: number }) => fmt.us((c.cpuMs * 1000) / r.spans);
    const n = count(r.traces);
    rows.push(
      {
        measure: `${n} traces: real policy (spans/s)`,
        value: fmt.rate(pol),
        baseline: `${fmt.rate(ke)} keep-everything`,
        ratio: fmt.ratio(pol, ke),
        note: `target ≥ 0.75×; CPU/span ${cpuPerSpan(r.policy)} vs ${cpuPerSpan(r.keepEverything)}; keep-everything ${fmt.ratio(ke, rawRate)} of raw`,
      },
      {
        measure: `${n} traces: real policy vs bare consume + decode (spans/s)`,
        value: fmt.rate(pol),
        baseline: `${fmt.rate(rawRate)} raw`,
        ratio: fmt.ratio(pol, rawRate),
        note: 'target ≥ 0.5× (issue 18)',
      },
      {
        measure: `${n} traces: peak RSS`,
        value: fmt.mb(r.policy.maxRss),
        baseline: `${fmt.mb(r.keepEverything.maxRss)} keep-everything`,
        ratio: fmt.ratio(r.policy.maxRss, r.keepEverything.maxRss),
        note: `peak JS heap ${fmt.mb(r.policy.peakHeapUsed)} vs ${fmt.mb(r.keepEverything.peakHeapUsed)}; idle ${fmt.mb(r.policy.idleRss)}`,
      },
      {
        measure: `${n} traces: peak buffered / early decisions`,
        value: st ? `${count(st.peakBuffered)} / ${count(st.early)}` : '?',
        baseline: `max_buffered_traces ${count(sampling.max_buffered_traces)}`,
        note: st
          ? `decided ${count(st.traces)} of ${n}; kept ${count(kept)} (${((100 * kept) / r.traces).toFixed(1)}%): ${reasons}`
          : '',
      },
      {
        measure: `${n} traces: sampler write rounds`,
        value: rounds ? `${count(rounds.calls)}, largest ${count(rounds.maxItems)} traces` : '?',
        note: lookups
          ? `decided-trace lookups ${count(lookups.calls)} calls, ${fmt.ms(lookups.ms)} (largest ${count(lookups.maxItems)} ids, ${fmt.ms(lookups.maxMs)})`
          : 'no decided-trace lookups',
      },
    );
  }
  const promo = s.promotion.promotion;
  if (promo) {
    rows.push({
      measure: `late thumbs-down → parked trace queryable in sampled_spans p50 / p99 (${promo.n} of ${count(promo.parked)} parked)`,
      value: `${fmt.ms(promo.p50)} / ${fmt.ms(promo.p99)}`,
      note: `max ${fmt.ms(promo.max)}; verdicts spread over 5 s, polled every 20 ms`,
    });
  }
  const lat = s.latency.latency;
  if (lat) {
    const bound = lat.boundMs;
    rows.push(
      {
        measure: `ingest → queryable in decisions p50 (${lat.n} traces over 10 s)`,
        value: fmt.ms(lat.p50),
        baseline: `decision_wait ${fmt.ms(lat.decisionWaitMs)}`,
        ratio: fmt.ratio(lat.p50, lat.decisionWaitMs),
        note: `${fmt.ms(lat.p50 - lat.decisionWaitMs)} over the wait`,
      },
      {
        measure: `ingest → queryable in decisions p99 (${lat.n} traces over 10 s)`,
        value: fmt.ms(lat.p99),
        baseline: `bound ${fmt.ms(bound)} (decision_wait + 2 s)`,
        ratio: fmt.ratio(lat.p99, bound),
        note: `${lat.p99 <= bound ? 'within' : 'OVER'} bound; max ${fmt.ms(lat.max)}`,
      },
    );
  }
}
if (k) {
  rows.push(
    {
      measure: 'SDK decide() per call p50',
      value: fmt.us(k.decide.p50),
      baseline: `${fmt.us(k.bare.p50)} bare OTel`,
      ratio: fmt.ratio(k.decide.p50, k.bare.p50),
      note: `${signed(k.decide.p50 - k.bare.p50)} µs (goal ≤ +1 µs p50)`,
    },
    {
      measure: 'SDK decide() per call p99',
      value: fmt.us(k.decide.p99),
      baseline: `${fmt.us(k.bare.p99)} bare OTel`,
      ratio: fmt.ratio(k.decide.p99, k.bare.p99),
      note: `${signed(k.decide.p99 - k.bare.p99)} µs`,
    },
  );
}
if (kz && 'error' in kz) {
  rows.push({ measure: 'SDK installed size with its closure', value: '?', note: `failed: ${kz.error}` });
} else if (kz) {
  const { sdk, otel, tarball: t } = kz;
  rows.push(
    {
      measure: `SDK installed size with its closure (${count(sdk.packages)} packages)`,
      value: mb(sdk.bytes),
      baseline: `${mb(otel.bytes)} OTel sdk-trace + OTLP proto exporter alone (${count(otel.packages)} packages)`,
      ratio: fmt.ratio(sdk.bytes, otel.bytes),
      note: `${signed((sdk.bytes - otel.bytes) / 1e6)} MB (goal ≤ +5); on disk (du) ${mb(sdk.allocated)} vs ${mb(otel.allocated)}; tarball ${mb(t.size)}, ${mb(t.unpackedSize)} unpacked, ${t.files} files`,
    },
    {
      measure: '  of which packages OTel alone does not have',
      value: mb(kz.extraBytes),
      baseline: `${count(kz.extra.length)} of ${count(sdk.packages)} packages`,
      note: kz.extra
        .slice(0, 6)
        .map((x) => `${x.name}@${x.version} ${mb(x.bytes)}`)
        .join(', '),
    },
  );
}
if (st) {
  for (const [command, figures] of [
    ['livegrade --help', st.help],
    ['livegrade up → "livegrade is running"', st.up],
  ] as const) {
    rows.push({
      measure: `${command}, built JavaScript`,
      value: fmt.ms(figures.built),
      baseline: `${fmt.ms(figures.source)} from the sources through tsx`,
      ratio: fmt.ratio(figures.built, figures.source),
      note: `median of ${st.runs}`,
    });
  }
}
for (const r of sc) {
  const n = count(r.decisions);
  rows.push(
    {
      measure: `score one window: ${n} decisions × ${count(r.slices)} slices`,
      value: fmt.ms(r.scoreMs),
      baseline: `${fmt.ms(r.bareSetsMs)} bare count() GROUP BY`,
      ratio: fmt.ratio(r.scoreMs, r.bareSetsMs),
      note: `target ≤ 5× at 10M; median of ${r.runs}; the same grouping sets, no FINAL, no join`,
    },
    {
      measure: `  of which the aggregate query`,
      value: fmt.ms(r.aggregateMs),
      baseline: `${fmt.ms(r.bareFinestMs)} bare count() by the finest slice`,
      ratio: fmt.ratio(r.aggregateMs, r.bareSetsMs),
      note: `${count(r.reviewed)} reviewed decisions; the rest: baseline, evaluation, insert of the rows`,
    },
  );
}
if (al) {
  const { latency: l, rules: e } = al;
  const pct = (v: number | null) => (v === null ? '?' : `${(v * 100).toFixed(1)}%`);
  const dataTime = (ms: number) => {
    const sec = Math.round(ms / 1000);
    return `${Math.floor(sec / 60)} min ${sec % 60} s`;
  };
  const alertMs = l.alertAt - l.firstDegradedAt;
  const verdictMs = l.verdictAt - l.firstDegradedAt;
  const t0 = l.firstDegradedAt - (l.firstDegradedAt % 60_000);
  rows.push(
    {
      measure: 'alert latency, data time: first degraded decision → webhook',
      value: dataTime(alertMs),
      baseline: `${dataTime(verdictMs)} scorer's verdict (earliest alert)`,
      ratio: fmt.ratio(alertMs, verdictMs),
      note: `15m window ending T0+${(l.firingWindowEnd - t0) / 60_000} min + 30 s lag; ${l.slices} type×language slices × ${l.reviewedPerSliceMinute} reviewed decisions/min, one 5% → 30% overridden at T0 (the message names ${l.firedSlices.length === 1 ? 'it alone' : l.firedSlices.join(' | ')}); ${pct(l.figures.value)} vs ${pct(l.figures.baseline_value)} on n ${l.figures.n}, q ${l.figures.q_value?.toFixed(4)}`,
    },
    {
      measure: '  wall time of that tick: scoring → webhook received',
      value: fmt.ms(l.tick.receivedMs),
      baseline: `${fmt.ms(l.tick.scoredMs)} the tick's scoring alone`,
      ratio: fmt.ratio(l.tick.receivedMs, l.tick.scoredMs),
      note: `15m window scored at ${fmt.ms(l.tick.ruleWindowScoredMs)} (the 1h one next), all evaluated at ${fmt.ms(l.tick.evaluatedMs)}; ${l.steady.ticks} earlier ticks: scoring ${fmt.ms(l.steady.scoredMs)}, scoring + evaluation ${fmt.ms(l.steady.evaluatedMs)} (medians)`,
    },
    {
      measure: `evaluate ${count(e.rules)} rules × ${count(e.slices)} slices: core evaluateRule`,
      value: fmt.ms(e.coreMs),
      baseline: `${fmt.ms(e.bareMs)} bare condition loop`,
      ratio: fmt.ratio(e.coreMs, e.bareMs),
      note: `median of ${e.coreRuns}; ${count(e.core.storedStates)} states in; ${count(e.core.transitions)} transitions, ${e.core.notifications} notifications, ${e.core.suppressed} silenced/inhibited`,
    },
    {
      measure: `evaluate ${count(e.rules)} rules × ${count(e.slices)} slices: evaluateWindow, store`,
      value: fmt.ms(e.windowMs),
      baseline: `${fmt.ms(e.readsMs)} its reads alone`,
      ratio: fmt.ratio(e.windowMs, e.readsMs),
      note: `median of ${e.windowRuns} windows of ${count(e.metricRows)} slice_metrics rows; the rest: evaluateRule, writes of states, events, notifications, watermarks`,
    },
  );
}
if (ap) {
  const shape = `${count(ap.slices)} slices × ${ap.metrics} metrics × ${count(ap.windowEnds)} window ends × ${ap.windowLengths} lengths`;
  rows.push(
    {
      measure: `GET /v1/slices (1h, override_rate): ${shape}`,
      value: fmt.ms(ap.slicesMs),
      baseline: `${fmt.ms(ap.windowCountMs)} bare count() of the window's rows`,
      ratio: fmt.ratio(ap.slicesMs, ap.windowCountMs),
      note: `median of ${ap.runs}; ${count(ap.answered)} slices answered, ranked, with firing rules; count() of all ${count(ap.rows)} rows ${fmt.ms(ap.tableCountMs)}`,
    },
    {
      measure: `GET /v1/slices/series (one slice, 1h, a day)`,
      value: fmt.ms(ap.seriesMs),
      baseline: `${fmt.ms(ap.seriesCountMs)} bare count() of its rows`,
      ratio: fmt.ratio(ap.seriesMs, ap.seriesCountMs),
      note: `median of ${ap.runs}; ${count(ap.seriesPoints)} points; through the by_slice projection (migration 0010); the count() without it: ${fmt.ms(ap.seriesNoProjectionCountMs)}`,
    },
  );
}
if (bk) {
  const { first: f, steady: st, replay: r, evalset: e } = bk;
  const written = (c: typeof f) =>
    `${count(c.result.captured)} occurrences of ${count(c.result.cases)} cases written (${count(c.result.overrides)} overrides, ${count(c.result.labelled_failures)} labelled failures, ${count(c.result.skipped_no_input)} without input)`;
  const replayRate = r.requests / (r.replayMs / 1000);
  const bareRate = r.requests / (r.bareMs / 1000);
  rows.push(
    {
      measure: `bank capture, first pass: ${count(bk.decisions)} decisions, ${count(f.verdictsRead)} verdicts`,
      value: fmt.ms(f.passMs),
      baseline: `${fmt.ms(f.countMs)} bare count() of the verdicts it reads`,
      ratio: fmt.ratio(f.passMs, f.countMs),
      note: `median of ${bk.runs}; ${written(f)}; of which the candidates query ${fmt.ms(f.queryMs)}`,
    },
    {
      measure: `bank capture, steady pass: ${count(st.newVerdicts)} new verdicts, lookback ${bk.lookbackMs / 60_000} min`,
      value: fmt.ms(st.passMs),
      baseline: `${fmt.ms(st.countMs)} bare count() of the ${count(st.verdictsRead)} verdicts it reads`,
      ratio: fmt.ratio(st.passMs, st.countMs),
      note: `median of ${bk.runs}; ${written(st)}; of which the candidates query ${fmt.ms(st.queryMs)}`,
    },
    ...(bk.scaled
      ? [
          {
            measure: `bank capture, steady pass at ${bk.scaled.scale}× the store: ${count(bk.scaled.decisions)} decisions, same ${count(bk.scaled.steady.newVerdicts)} new verdicts`,
            value: fmt.ms(bk.scaled.steady.passMs),
            baseline: `${fmt.ms(st.passMs)} the steady pass at 1×`,
            ratio: fmt.ratio(bk.scaled.steady.passMs, st.passMs),
            note: `median of ${bk.runs}; goal ≤ 1.5×; ${written(bk.scaled.steady)}; candidates query ${fmt.ms(bk.scaled.steady.queryMs)} vs ${fmt.ms(st.queryMs)} (${fmt.ratio(bk.scaled.steady.queryMs, st.queryMs)}); bare count() of its ${count(bk.scaled.steady.verdictsRead)} verdicts ${fmt.ms(bk.scaled.steady.countMs)}; the first pass over the ${count(bk.scaled.verdicts)} verdicts of this store, one run: ${fmt.ms(bk.scaled.firstPassMs)} (query ${fmt.ms(bk.scaled.firstQueryMs)})`,
          },
        ]
      : []),
    {
      measure: `bank replay: ${count(r.cases)} cases × k=${r.k} at concurrency ${r.concurrency} (runs/s)`,
      value: fmt.rate(replayRate),
      baseline: `${fmt.rate(bareRate)} bare fetch POSTs`,
      ratio: fmt.ratio(replayRate, bareRate),
      note: `median of ${bk.runs}: ${fmt.ms(r.replayMs)} vs ${fmt.ms(r.bareMs)} for ${count(r.requests)} requests of ~${r.bodyBytes} B; peak heap +${fmt.mb(r.replayHeapDelta)} vs +${fmt.mb(r.bareHeapDelta)}; verdict ${r.verdict}, ${r.transport.retries} retries, ${r.transport.errors} errors`,
    },
    {
      measure: `evalset export --per-slice ${e.perSlice}: a day of ${count(bk.decisions)} decisions`,
      value: fmt.ms(e.exportMs),
      baseline: `${fmt.ms(e.countMs)} bare count() of the ${count(e.labelledSampled)} labelled sampled decisions`,
      ratio: fmt.ratio(e.exportMs, e.countMs),
      note: `median of ${bk.runs}; ${count(e.candidates)} candidates → ${count(e.items)} items in ${count(e.slices)} slices; of which candidates queries ${fmt.ms(e.candidatesMs)}, payloads ${fmt.ms(e.payloadsMs)}`,
    },
  );
}
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
printTable(
  [
    `livegrade benchmark: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Kafka 127.0.0.1 (3 partitions), embedded chdb store`,
    s
      ? `traffic: one 2-span trace per Kafka message (~${Math.round(s.runs[0] ? s.runs[0].bytes / s.runs[0].traces : 0)} B), 5 decision types × 6 languages skewed, ${FAILURE_RATE * 100}% failures, ${LOW_SCORE_RATE * 100}% low scores; produced at ${fmt.rate(s.produceRate)} traces`
      : 'sampler not run (BENCH_PARTS)',
    ...(s
      ? [
          `kafka clients: kafkajs ${s.clients.versions.kafkajs} (Partitioners.DefaultPartitioner, idempotent) vs @platformatic/kafka ${s.clients.versions.platformatic} (compatibilityPartitioner, idempotent): both keep one produce request in flight per broker when idempotent; each in its own process, one after the other, on one 3-partition topic; timed from creating the client to the last send acknowledged or span decoded; CPU/msg = the process's CPU over that / messages; MB = 10⁶ B of message values`,
        ]
      : []),
    `real policy: config defaults, decision_wait ${fmt.ms(sampling.decision_wait)}, max_buffered_traces ${count(sampling.max_buffered_traces)}; throughput over elapsed − decision_wait (the last roots' mandated wait), keep-everything over elapsed`,
    'each writer in its own process (RSS is its own, ru_maxrss), fresh store and consumer group, same topic in the same run',
    'scoring: decisions generated in the engine over one hour, in time order (10 types × 99 languages × 3 model versions, 5% reviewed by 1 to 3, 1% thumbs-down), a baseline from an earlier hour, default scoring config; every figure a median of runs after a warm-up',
    'alerting: scorer + alerter in one process (embedded store, in-process queues), webhook on 127.0.0.1; latency: default scoring (windows 15m and 1h, 1-min interval, 30 s lag), rule override_rate degraded with the defaults (15m, for 0, min_samples 100), decisions and senior reviews written minute by minute, one tick per data minute; 100 rules: 5 metrics, degraded and thresholds, for 0/2/5 min, states from 6 earlier windows, 2 silences, one wide slice firing over its 110 narrow ones',
    'startup: node packages/cli/bin/livegrade.mjs (dist/) against node --import tsx of packages/cli/src/main.ts with the @livegrade/source condition, alternating; up runs every service embedded on a data directory an untimed first run created, and is stopped with SIGTERM once ready',
    'read api: slice_metrics generated in the engine for a day of the default scoring (15m and 1h windows every minute), requests through Fastify inject in this process',
    ...(kz
      ? [
          `sdk size: packages/sdk built and npm-packed, installed with ${OTEL_API} into a fresh directory under ${tmpdir()}, next to ${[...OTEL_ALONE, OTEL_API].join(' + ')} installed alone in another (npm install --prefer-offline --ignore-scripts, no workspace npm config); sum of the file sizes under node_modules, MB = 10⁶ B`,
        ]
      : []),
    ...(bk
      ? [
          `bank: a day of ${count(bk.decisions)} decisions generated in the engine in time order (5 types × 20 languages, 20% reviewed, 10% of reviews overriding, 2% errors, 1% fallbacks, 1% thumbs-downs; ${count(bk.keptTraces)} traces kept, ${count(bk.spans)} spans through recent_spans → sampled_spans, inputs repeating in 4 spellings); seeded in ${fmt.ms(bk.seedMs)}, merges settled in ${fmt.ms(bk.settleMs)}${bk.scaled ? `; the ${bk.scaled.scale}× store: ${bk.scaled.scale - 1} days of the same traffic before the same day, seeded in ${fmt.ms(bk.scaled.seedMs)}, settled in ${fmt.ms(bk.scaled.settleMs)}` : ''}; capture passes (default slice_by, lookback) from the same state each run; replay against a local candidate in its own process (127.0.0.1); one warm-up run before each measure`,
        ]
      : []),
  ].join('\n'),
  rows,
);
const details = join(tmpdir(), `livegrade-bench-${Date.now()}.json`);
writeFileSync(
  details,
  JSON.stringify(
    { sampling, sampler: s, sdk: k, sdkSize: kz, startup: st, scorer: sc, alerter: al, api: ap, bank: bk },
    null,
    2,
  ),
);
console.log(`\nevery child's result (store call timings, sampler counters): ${details}`);
console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
