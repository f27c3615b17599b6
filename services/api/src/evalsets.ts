import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';

/** Eval-set export reads over HTTP (evalset helper) */
export function registerEvalsets(_app: FastifyInstance, _store: Repository, _opts: { sliceBy: readonly string[] }) {}
