import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';

/** The regression bank over HTTP (capture helper) */
export function registerBank(_app: FastifyInstance, _store: Repository, _opts: { sliceBy: readonly string[] }) {}
