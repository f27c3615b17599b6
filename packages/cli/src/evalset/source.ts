import type { EvalCandidates, EvalPayload } from '@livegrade/core';
import type { PayloadRef, Store } from '@livegrade/store';
import type { RunningApi } from '../remote.ts';

/** Where an export reads from: a running instance's API, or the store itself. */
export interface EvalsetSource {
  /** sliceBy undefined: the instance's (or config's) sampling.slice_by */
  candidates(req: { from: number; to: number; sliceBy: string[] | undefined }): Promise<EvalCandidates>;
  payloads(refs: readonly PayloadRef[]): Promise<Map<string, EvalPayload>>;
}

/** The API refuses bodies over 1 MiB; a ref is under 200 bytes. */
const REFS_PER_REQUEST = 2_000;

export function apiSource(api: RunningApi): EvalsetSource {
  return {
    candidates: ({ from, to, sliceBy }) =>
      api.json<EvalCandidates>('POST', '/v1/evalsets/candidates', {
        from,
        to,
        ...(sliceBy === undefined ? {} : { slice_by: sliceBy }),
      }),
    async payloads(refs) {
      const out = new Map<string, EvalPayload>();
      for (let i = 0; i < refs.length; i += REFS_PER_REQUEST) {
        const { payloads } = await api.json<{ payloads: Record<string, EvalPayload> }>(
          'POST',
          '/v1/evalsets/payloads',
          { refs: refs.slice(i, i + REFS_PER_REQUEST) },
        );
        for (const [id, p] of Object.entries(payloads)) out.set(id, p);
      }
      return out;
    },
  };
}

export function storeSource(store: Store, configSliceBy: readonly string[]): EvalsetSource {
  return {
    candidates: ({ from, to, sliceBy }) => store.evalsetCandidates({ from, to, sliceBy: sliceBy ?? configSliceBy }),
    payloads: (refs) => store.evalsetPayloads(refs),
  };
}
