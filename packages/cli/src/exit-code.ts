import { UsageError } from './usage.ts';

/**
 * The exit code of a failed command: 2 for a mistake in how it was called
 * (a usage error, an unknown flag), 1 for anything else, including a request
 * the store or the instance refused (a RequestError of any kind: an unknown
 * baseline, a used name, a refused query), whichever of the two ran it.
 * `bank replay` adds its own: 0 pass, 1 fail, 2 error.
 */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof UsageError ? 2 : 1;
}
