import type { Env } from '@livegrade/core';
import { UsageError } from '../usage.ts';

/** `livegrade evalset ...` (issue 7). Options are main.ts's parsed flags; values are strings until checked here. */
export async function evalset(
  _env: Env,
  _args: string[],
  _opts: Record<string, string | boolean | undefined>,
): Promise<number> {
  throw new UsageError('evalset: not built yet');
}
