// Scoring one window over N decisions in ~1,000 slices, next to a bare
// count() GROUP BY over the same rows in the same store and run (issue 4).
// The data is generated inside the engine (INSERT ... SELECT FROM numbers),
// in an hour of its own; a baseline is registered from an earlier hour.
import { rmSync } from 'node:fs';
import { DEFAULT_CONFIG, parseEnv, type ScoringConfig } from '@livegrade/core';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import { baselineCache, scoreWindow } from '@livegrade/scorer';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir } from '../test/support/env.ts';
import { median, timed } from './table.ts';

export interface ScorerBenchRun {
  decisions: number;
  slices: number;
  reviewed: number;
  /** median of the timed runs, ms */
  scoreMs: number;
  aggregateMs: number;
  bareSetsMs: number;
  bareFinestMs: number;
  insertMs: number;
  runs: number;
}

const HOUR = 3_600_000;
const TYPES = 10;
const LANGUAGES = 99;
const VERSIONS = 3;

/**
 * N decisions spread over [from, from + 1h): 10 types × 99 languages × 3
 * model versions, 5% reviewed. Inserted in time order, in chunks, as the
 * sampler writes them: each part then covers its own stretch of time, which
 * is what FINAL meets in production (one big insert of shuffled times would
 * make every part overlap every other).
 */
export async function generate(store: Store, n: number, from: number, salt: number) {
  const chunk = 500_000;
  for (let offset = 0; offset < n; offset += chunk) {
    await generateChunk(store, n, from, salt, offset, Math.min(chunk, n - offset));
  }
}

async function generateChunk(store: Store, n: number, from: number, salt: number, offset: number, count: number) {
  const w = store.clients.writer;
  const at = `fromUnixTimestamp64Milli(toInt64(${from} + intDiv(number * ${HOUR}, ${n})))`;
  await w.command({
    query: `INSERT INTO decisions (ts, service, trace_id, span_id, decision_id, decision_type, label, score, model,
        model_version, slices, is_error, fallback, retried, guardrail, latency_ms, input_tokens, output_tokens,
        sampled, sample_reason, sample_weight)
      SELECT ${at}, 'bench', hex(sipHash128(number, ${salt})), hex(sipHash64(number, ${salt})),
        concat('d${salt}-', toString(number)),
        concat('type', toString(sipHash64(number, ${salt}, 1) % ${TYPES})),
        ['approve', 'deny', 'escalate'][sipHash64(number, ${salt}, 2) % 3 + 1],
        if(sipHash64(number, ${salt}, 3) % 20 = 0, NULL, (sipHash64(number, ${salt}, 3) % 1000) / 1000),
        'llm', concat('v', toString(sipHash64(number, ${salt}, 4) % ${VERSIONS})),
        map('language', concat('lang', toString(sipHash64(number, ${salt}, 5) % ${LANGUAGES}))),
        sipHash64(number, ${salt}, 6) % 50 = 0, sipHash64(number, ${salt}, 7) % 40 = 0,
        sipHash64(number, ${salt}, 8) % 60 = 0, 0, 50 + sipHash64(number, ${salt}, 9) % 2000, 100, 20,
        sipHash64(number, ${salt}, 10) % 10 = 0, 'stratified', 10
      FROM numbers(${offset}, ${count})`,
  });
  // 5% reviewed by 1 to 3 reviewers, the first senior; 1% thumbs-down
  await w.command({
    query: `INSERT INTO verdicts (ts, verdict_id, decision_id, trace_id, kind, value, reviewer_id, seniority, label, rationale)
      SELECT ${at} + toIntervalMinute(5 + k), concat('v${salt}-', toString(number), '-', toString(k)),
        concat('d${salt}-', toString(number)), '', 'review', '', concat('r', toString(k)),
        if(k = 0, 'senior', 'junior'), ['approve', 'deny', 'escalate'][sipHash64(number, ${salt}, 11, k) % 3 + 1], ''
      FROM numbers(${offset}, ${count}) ARRAY JOIN range(toUInt8(1 + number % 3)) AS k
      WHERE sipHash64(number, ${salt}, 12) % 20 = 0`,
  });
  await w.command({
    query: `INSERT INTO verdicts (ts, verdict_id, decision_id, trace_id, kind, value, reviewer_id, seniority, label, rationale)
      SELECT ${at} + toIntervalMinute(1), concat('f${salt}-', toString(number)), concat('d${salt}-', toString(number)),
        '', 'feedback', 'thumbs_down', '', '', '', ''
      FROM numbers(${offset}, ${count}) WHERE sipHash64(number, ${salt}, 13) % 100 = 0`,
  });
}

export async function benchScorer(sizes: number[], runs = 3): Promise<ScorerBenchRun[]> {
  const config: ScoringConfig = DEFAULT_CONFIG.scoring;
  const out: ScorerBenchRun[] = [];
  for (const n of sizes) {
    const data = tempDataDir('livegrade-bench-scorer-');
    const store = await openStore(parseEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_LOG_LEVEL: 'silent' }));
    try {
      const windowEnd = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
      const windowStart = windowEnd - HOUR;
      const insert = await timed(async () => {
        await generate(store, Math.max(10_000, Math.round(n / 10)), windowStart - 2 * HOUR, 1);
        await generate(store, n, windowStart, 2);
      });
      await registerBaseline(store, config, { name: 'bench', from: windowStart - 2 * HOUR, to: windowStart - HOUR });
      await activateBaseline(store, 'bench');
      const baselines = baselineCache(store);
      const window = { window_ms: HOUR, end_ms: windowEnd };
      const params = { from: windowStart / 1000, to: windowEnd / 1000 };
      const where = `ts >= fromUnixTimestamp64Milli(${windowStart}) AND ts < fromUnixTimestamp64Milli(${windowEnd})`;
      const bareSets = `SELECT count() FROM decisions WHERE ${where}
        GROUP BY GROUPING SETS ((decision_type), (decision_type, slices['language']), (model_version), ())`;
      const bareFinest = `SELECT count() FROM decisions WHERE ${where} GROUP BY decision_type, slices['language'], model_version`;
      const times = { score: [] as number[], aggregate: [] as number[], sets: [] as number[], finest: [] as number[] };
      let slices = 0;
      let reviewed = 0;
      // the first round warms caches and is not counted
      for (let i = 0; i <= runs; i++) {
        const sets = await timed(() => store.select(bareSets, params));
        const finest = await timed(() => store.select(bareFinest, params));
        const agg = await timed(() => store.sliceAggregates(config.slices, { from: windowStart, to: windowEnd }));
        const score = await timed(() => scoreWindow({ store, baselines }, config, window));
        slices = score.value.slices;
        reviewed = agg.value.find((a) => a.slice === '*')?.reviewed ?? 0;
        if (i === 0) continue;
        times.sets.push(sets.ms);
        times.finest.push(finest.ms);
        times.aggregate.push(agg.ms);
        times.score.push(score.ms);
      }
      out.push({
        decisions: n,
        slices,
        reviewed,
        scoreMs: median(times.score),
        aggregateMs: median(times.aggregate),
        bareSetsMs: median(times.sets),
        bareFinestMs: median(times.finest),
        insertMs: insert.ms,
        runs,
      });
    } finally {
      await store.close();
      rmSync(data.dir, { recursive: true, force: true });
    }
  }
  return out;
}
