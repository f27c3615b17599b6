import { formatDuration as duration, type Env, modesOf } from '@livegrade/core';
import type { Command } from '../command.ts';
import { flagText } from '../flags.ts';
import { SERVICES, type ServiceName, startInstance } from '../instance.ts';
import { UsageError } from '../usage.ts';

export const command: Command = {
  usage:
    'livegrade up [--services gateway,sampler,scorer,api]   run livegrade (embedded unless LIVEGRADE_* URLs are set)',
  flags: { services: { type: 'string' } },
  run: (env, _args, flags) => up(env, { services: flagText(flags, 'services') }),
};

export async function up(env: Env, options: { services?: string | undefined }): Promise<number> {
  const services = parseServices(options.services);
  const instance = await startInstance(env, { services });
  const modes = modesOf(env);
  const lines = [
    'livegrade is running',
    `  bus:    ${modes.bus === 'kafka' ? `Kafka at ${env.LIVEGRADE_KAFKA_BROKERS}` : 'in-process (embedded)'}`,
    `  store:  ${modes.store === 'chdb' ? `ClickHouse engine in-process (chdb), data in ${env.LIVEGRADE_DATA_DIR}/chdb` : env.LIVEGRADE_CLICKHOUSE_URL}`,
  ];
  if (instance.urls.gateway)
    lines.push(
      `  OTLP/HTTP gateway: ${instance.urls.gateway}/v1/traces   verdicts: ${instance.urls.gateway}/v1/verdicts`,
    );
  if (instance.urls.api) {
    lines.push(`  dashboard: ${instance.urls.api}/`);
    lines.push(
      `  API:    ${instance.urls.api}   (POST /v1/sql, GET /v1/slices, /v1/alerts, /v1/traces/:id, /v1/bank/cases, /v1/runs, /metrics)`,
    );
  }
  if (instance.urls.metrics) lines.push(`  metrics: ${instance.urls.metrics}/metrics`);
  if (instance.sampler) {
    const s = instance.config.sampling;
    lines.push(
      `  sampler: tail sampling by ${['decision_type', ...s.slice_by].join(' × ')}, ${s.per_slice_target_per_hour} kept successes per slice per hour (config: ${instance.configPath ?? 'defaults'})`,
    );
  }
  if (instance.scorer) {
    const c = instance.config.scoring;
    const windows = c.windows.map(duration).join(', ');
    lines.push(
      `  scorer: windows ${windows} every ${duration(c.interval)} over ${c.slices.length} grouping sets (jobs: ${modes.jobs === 'bullmq' ? `BullMQ at ${redisHost(env.LIVEGRADE_REDIS_URL)}` : 'in-process'})`,
      `  bank:   overrides and labelled failures captured every ${duration(instance.config.bank.capture_interval)} (livegrade bank list; bank replay --target <url> gates a release)`,
    );
  }
  if (instance.alerter) {
    const a = instance.config.alerts;
    const n = a.rules.length;
    lines.push(
      n === 0
        ? '  alerter: no rules (declare them under alerts: in livegrade.config.yaml)'
        : `  alerter: ${n} rule${n === 1 ? '' : 's'} → ${Object.keys(a.receivers).join(', ')}`,
    );
  }
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      instance.logger.info({ signal }, 'stopping');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await instance.stop();
  return 0;
}

/** host:port of a Redis URL, without credentials */
function redisHost(url: string | undefined): string {
  if (!url) return '';
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

function parseServices(list: string | undefined): ServiceName[] {
  if (!list) return [...SERVICES];
  const names = list.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(SERVICES as readonly string[]).includes(n)) {
      throw new UsageError(`unknown service "${n}" in --services (choose from ${SERVICES.join(', ')})`);
    }
  }
  return names as ServiceName[];
}
