import type { PartitionLag } from '@livegrade/bus';
import { counterFrom, gaugeFrom, labelledGaugeFrom, type Registry } from '@livegrade/runtime';
import type { SamplerStats } from './sampler.ts';

/** The sampler's Prometheus metrics, read from its running totals at scrape time. */
export function registerSamplerMetrics(
  registry: Registry,
  stats: () => SamplerStats,
  lag: () => PartitionLag[] = () => [],
): void {
  const m = 'livegrade_sampler_';
  counterFrom(registry, `${m}spans_read_total`, 'spans read from the spans topic', () => stats().spansRead);
  counterFrom(registry, `${m}traces_decided_total`, 'traces decided (or adopted)', () => stats().traces);
  counterFrom(registry, `${m}kept_traces_total`, 'traces kept, by sample_reason', () => stats().keptByReason);
  counterFrom(
    registry,
    `${m}early_decisions_total`,
    'traces decided before due because the buffer was full (max_buffered_traces) or the sampler was draining',
    () => stats().early,
  );
  counterFrom(
    registry,
    `${m}adopted_decisions_total`,
    'traces decided by a previous owner of their partition and taken over from the store',
    () => stats().adopted,
  );
  counterFrom(registry, `${m}dlq_messages_total`, 'messages sent to the DLQ', () => stats().dlq);
  counterFrom(registry, `${m}late_promotions_total`, 'traces kept after a late verdict', () => stats().promoted);
  counterFrom(
    registry,
    `${m}late_traces_total`,
    "successes decided more than 1 h 55 min behind their slice's newest trace, at its current rate and counted in no hour",
    () => stats().lateDecisions,
  );
  gaugeFrom(registry, `${m}buffered_traces`, 'traces buffered undecided', () => stats().buffered);
  gaugeFrom(
    registry,
    `${m}event_time_lag_seconds`,
    'now less the latest event time (root span end) among decided traces: about decision_wait when live, how far behind a backlog is',
    () => stats().eventTimeLagMs / 1000,
  );
  gaugeFrom(
    registry,
    `${m}promotions_waiting`,
    'late verdicts waiting for their decision',
    () => stats().promotionsWaiting,
  );
  labelledGaugeFrom(
    registry,
    `${m}consumer_lag`,
    'messages of an assigned partition not yet handled by this sampler (log end offset minus next offset; on Kafka as of its latest batch)',
    ['topic', 'partition'],
    () => lag().map((l) => ({ labels: { topic: l.topic, partition: l.partition }, value: l.lag })),
  );
}
