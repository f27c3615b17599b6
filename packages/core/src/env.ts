import { z } from 'zod';

/**
 * Every environment variable livegrade reads, parsed once at start. Unset
 * connection URLs select the embedded mode of that part (docs/ARCHITECTURE.md §3).
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalNonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const EnvSchema = z.object({
  LIVEGRADE_KAFKA_BROKERS: optionalNonEmpty.pipe(
    z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
      .optional(),
  ),
  LIVEGRADE_KAFKA_CLIENT_ID: z.string().default('livegrade'),
  LIVEGRADE_KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .default('livegrade'),
  LIVEGRADE_KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(3),
  LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  LIVEGRADE_KAFKA_GROUP: z.string().min(1).default('livegrade-sampler'),
  LIVEGRADE_CLICKHOUSE_URL: optionalNonEmpty.pipe(z.url().optional()),
  LIVEGRADE_CLICKHOUSE_USER: z.string().default('default'),
  LIVEGRADE_CLICKHOUSE_PASSWORD: z.string().default(''),
  LIVEGRADE_CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier')
    .default('livegrade'),
  /** ClickHouse user of the SQL endpoint's reader (server mode); unset: the main user with readonly=2 per query */
  LIVEGRADE_CLICKHOUSE_READER_USER: optionalNonEmpty,
  LIVEGRADE_CLICKHOUSE_READER_PASSWORD: z.string().default(''),
  /**
   * "true": opening the store applies the pending migrations (one process, or the embedded store).
   * "false": expect the schema and only check it: opening fails, naming the missing migration, until
   * `livegrade migrate` has run (several containers on one ClickHouse must not migrate at once).
   */
  LIVEGRADE_MIGRATE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** most rows one POST /v1/sql answer may hold; a larger result is refused, not cut */
  LIVEGRADE_SQL_MAX_ROWS: z.coerce.number().int().min(1).default(100_000),
  /** most bytes (uncompressed, as the engine counts them) one POST /v1/sql result may hold */
  LIVEGRADE_SQL_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024 * 1024),
  /** longest a POST /v1/sql query may run */
  LIVEGRADE_SQL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  LIVEGRADE_REDIS_URL: optionalNonEmpty.pipe(z.url().optional()),
  /** prefix of every Redis key livegrade's queues use, so several installations can share one Redis */
  LIVEGRADE_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .default('livegrade'),
  LIVEGRADE_DATA_DIR: z.string().min(1).default('.livegrade'),
  /** livegrade.config.yaml to read instead of the one in the working directory */
  LIVEGRADE_CONFIG: optionalNonEmpty,
  LIVEGRADE_API_TOKEN: optionalNonEmpty,
  /** where CLI commands find a running instance; default http://LIVEGRADE_HOST:LIVEGRADE_API_PORT */
  LIVEGRADE_API_URL: optionalNonEmpty.pipe(z.url().optional()),
  LIVEGRADE_HOST: z.string().min(1).default('127.0.0.1'),
  LIVEGRADE_GATEWAY_PORT: port(4318),
  /** longest the gateway waits for Kafka to acknowledge a request's data before it answers 503 */
  LIVEGRADE_GATEWAY_SEND_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(3000),
  /** the Retry-After (whole seconds) of that 503; OTLP exporters wait this long before they retry */
  LIVEGRADE_GATEWAY_RETRY_AFTER_S: z.coerce.number().int().min(1).max(300).default(2),
  LIVEGRADE_API_PORT: port(8080),
  /** GET /metrics of a process that runs no api service (the api serves its own); 9464 as OpenTelemetry's Prometheus exporter */
  LIVEGRADE_METRICS_PORT: port(9464),
  LIVEGRADE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Slack incoming webhook of `type: slack` receivers; a secret: never logged nor stored */
  LIVEGRADE_SLACK_WEBHOOK_URL: optionalNonEmpty.pipe(z.url().optional()),
  /** Slack bot token (xoxb-...): with a receiver `channel`, posts through the Web API and threads repeats and resolves */
  LIVEGRADE_SLACK_BOT_TOKEN: optionalNonEmpty,
  /** Slack Web API base URL; only changed to point tests at a local stand-in */
  LIVEGRADE_SLACK_API_URL: optionalNonEmpty.pipe(z.url().optional()),
  /** Where people reach the dashboard (https://livegrade.example.com): alerts then link to the slice's view */
  LIVEGRADE_PUBLIC_URL: optionalNonEmpty.pipe(z.url().optional()),
  LIVEGRADE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; the error names every bad key and what it expected. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const r = EnvSchema.safeParse(source);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? '(environment)');
    const got = source[key];
    const shown = /PASSWORD|TOKEN|SECRET|WEBHOOK/.test(key) ? '(hidden)' : JSON.stringify(got);
    return `  ${key}: ${i.message} (got ${shown})`;
  });
  throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
}

/** Which adapters the environment selects (docs/ARCHITECTURE.md §3). Modes mix freely. */
export function modesOf(env: Env) {
  return {
    bus: env.LIVEGRADE_KAFKA_BROKERS ? 'kafka' : 'memory',
    store: env.LIVEGRADE_CLICKHOUSE_URL ? 'clickhouse-server' : 'chdb',
    jobs: env.LIVEGRADE_REDIS_URL ? 'bullmq' : 'memory',
  } as const;
}

export function topicsOf(env: Pick<Env, 'LIVEGRADE_KAFKA_TOPIC_PREFIX'>) {
  const p = env.LIVEGRADE_KAFKA_TOPIC_PREFIX;
  return { spans: `${p}.spans`, verdicts: `${p}.verdicts`, dlq: `${p}.dlq` } as const;
}
export type Topics = ReturnType<typeof topicsOf>;
