import { type logCreator, logLevel } from 'kafkajs';
import type { BusLogger } from '../types.ts';

/**
 * kafkajs logs every heartbeat refused during a rebalance at ERROR, though a
 * rebalance is routine (a replica joins or leaves); those go to info.
 */
const ROUTINE = /group is rebalancing|rebalance in progress/i;

/** Routes kafkajs' own logs into pino, so one service writes one log stream. */
export function pinoLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = logger.child({ component: 'kafkajs', ...extra });
      const routine = ROUTINE.test(String(extra.error ?? '')) || ROUTINE.test(message);
      if (level === logLevel.ERROR && !routine) child.error(message);
      else if (level === logLevel.WARN && !routine) child.warn(message);
      else if (level <= logLevel.WARN) child.info(message);
      else if (level === logLevel.INFO) child.debug(message);
      else child.trace(message);
    };
}
