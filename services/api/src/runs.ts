import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';

/** Evaluation records over HTTP (replay helper) */
export function registerRuns(_app: FastifyInstance, _store: Repository, _opts: { sliceBy: readonly string[] }) {}
