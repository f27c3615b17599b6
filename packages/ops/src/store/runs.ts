import { type EvalRun, RequestError } from '@livegrade/core';
import type { EvalRecord, Repository } from '@livegrade/store';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Writes a replay's record; a record is immutable, so an id that exists is refused. */
export async function recordEvalRun(store: Repository, record: EvalRecord): Promise<EvalRun> {
  const { run, results } = record;
  if (!RUN_ID.test(run.id)) {
    throw new RequestError(
      `run id "${run.id}" is not valid: use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (results.length !== run.cases) {
    throw new RequestError(`run ${run.id} says ${run.cases} cases but carries ${results.length} results`);
  }
  if (await store.evalRun(run.id)) {
    throw new RequestError(`a run with id "${run.id}" is recorded; records are immutable`, 'conflict');
  }
  await store.insertEvalRun(run, results);
  return run;
}

export async function showEvalRun(store: Repository, id: string): Promise<EvalRecord> {
  const run = await store.evalRun(id);
  if (!run) throw new RequestError(await unknownRun(store, id), 'not_found');
  return { run, results: await store.evalRunResults(id) };
}

export interface SignoffRequest {
  reviewer: string;
  note: string;
}

/** Adds a sign-off to a run and answers the run as it now stands. */
export async function signoffEvalRun(
  store: Repository,
  id: string,
  req: SignoffRequest,
  now = Date.now(),
): Promise<EvalRun> {
  const reviewer = req.reviewer.trim();
  const note = req.note.trim();
  if (!reviewer)
    throw new RequestError('a sign-off needs a reviewer', 'invalid', [{ name: 'reviewer', reason: 'empty' }]);
  if (!note)
    throw new RequestError('a sign-off needs a note saying what was accepted', 'invalid', [
      { name: 'note', reason: 'empty' },
    ]);
  const run = await store.evalRun(id);
  if (!run) throw new RequestError(await unknownRun(store, id), 'not_found');
  const signoff = { reviewer, note, at: now };
  await store.insertSignoff(id, signoff);
  return { ...run, signoffs: [...run.signoffs, signoff] };
}

async function unknownRun(store: Repository, id: string): Promise<string> {
  const recent = (await store.evalRuns({ limit: 5 })).map((r) => r.id);
  return recent.length === 0
    ? `no run with id "${id}": no replay is recorded yet (livegrade bank replay --target <url>)`
    : `no run with id "${id}" (latest: ${recent.join(', ')}; livegrade runs list shows more)`;
}
