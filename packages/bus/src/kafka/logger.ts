import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** Routes kafkajs' own logs into pino, so one service writes one log stream. */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = logger.child({ component: 'kafkajs', ...extra });
      if (level === logLevel.ERROR) child.error(message);
      else if (level === logLevel.WARN) child.warn(message);
      else if (level === logLevel.INFO) child.debug(message);
      else child.trace(message);
    };
}
