import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Secrets are redacted by key wherever they appear in a
 * logged object, so an env dump or a config object cannot leak them.
 */
export const REDACTED_KEYS = [
  'LIVEGRADE_API_TOKEN',
  'LIVEGRADE_CLICKHOUSE_PASSWORD',
  'LIVEGRADE_SLACK_WEBHOOK_URL',
  'LIVEGRADE_SLACK_BOT_TOKEN',
  'password',
  'token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(level: string, name = 'livegrade'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_KEYS, censor: '[redacted]' } });
}

export type { Logger };
