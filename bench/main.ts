// npm run bench: every figure next to a baseline measured in the same run.
// Sizes scale with BENCH_SPANS (default 200000). Needs the local Kafka broker
// (scripts/bench.mjs starts it).
import { buildDataset } from './dataset.ts';
import { benchSampler } from './sampler.ts';
import { benchSdk } from './sdk.ts';
import { fmt, printTable, type Row } from './table.ts';

const brokers = process.env.LIVEGRADE_BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092';
const targetSpans = Number(process.env.BENCH_SPANS ?? 200_000);

const data = buildDataset(targetSpans);
console.log(
  `dataset: ${data.spans.toLocaleString('en-US')} spans (${data.decisions.toLocaleString('en-US')} decisions) in ${data.messages.length} OTLP protobuf messages, ${(data.bytes / 1e6).toFixed(1)} MB`,
);

const s = await benchSampler(brokers, data);
const k = await benchSdk();

const rows: Row[] = [
  {
    measure: 'sampler: Kafka → ClickHouse engine (spans/s)',
    value: fmt.rate(s.sampler),
    baseline: `${fmt.rate(s.rawConsumeDecode)} raw consume+decode`,
    ratio: fmt.ratio(s.sampler, s.rawConsumeDecode),
    note: 'target ≥ 50,000/s and ≥ 0.5× raw',
  },
  {
    measure: 'sampler vs raw insert of the same rows',
    value: fmt.rate(s.sampler),
    baseline: `${fmt.rate(s.rawInsert)} raw insert`,
    ratio: fmt.ratio(s.sampler, s.rawInsert),
  },
  {
    measure: `ingest → queryable p50 (${s.latency.n} traces)`,
    value: fmt.ms(s.latency.p50),
  },
  {
    measure: `ingest → queryable p99 (${s.latency.n} traces)`,
    value: fmt.ms(s.latency.p99),
  },
  {
    measure: 'SDK decide() per call p50',
    value: fmt.us(k.decide.p50),
    baseline: `${fmt.us(k.bare.p50)} bare OTel`,
    ratio: fmt.ratio(k.decide.p50, k.bare.p50),
    note: `+${(k.decide.p50 - k.bare.p50).toFixed(2)} µs (target ≤ 10)`,
  },
  {
    measure: 'SDK decide() per call p99',
    value: fmt.us(k.decide.p99),
    baseline: `${fmt.us(k.bare.p99)} bare OTel`,
    ratio: fmt.ratio(k.decide.p99, k.bare.p99),
    note: `+${(k.decide.p99 - k.bare.p99).toFixed(2)} µs`,
  },
];
printTable('livegrade benchmark (2 cores; baselines measured in this run)', rows);
