import { type AlertsConfig, DEFAULT_CONFIG, type ScoringConfig } from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import type { OperationHandlers, Operations } from '../operations.ts';
import { validated } from '../validate.ts';
import { addSilence, expireSilence, listAlerts, listSilences } from './alerts.ts';
import { addCasesFromSql, captureBank, listBank, retireCase } from './bank.ts';
import { activateBaseline, registerBaseline, showBaseline } from './baselines.ts';
import { recordEvalRun, showEvalRun, signoffEvalRun } from './runs.ts';
import { userSql } from './user-sql.ts';

export { addSilence, expireSilence, listAlerts, listSilences } from './alerts.ts';
export {
  type AddResult,
  addCasesFromSql,
  type BankListing,
  type CaptureResult,
  captureBank,
  listBank,
  retireCase,
} from './bank.ts';
export { activateBaseline, type RegisterRequest, registerBaseline, showBaseline } from './baselines.ts';
export { recordEvalRun, type SignoffRequest, showEvalRun, signoffEvalRun } from './runs.ts';

/** What the operations on a store need of the configuration; each part defaults to DEFAULT_CONFIG's. */
export interface StoreOperationsConfig {
  /** the grouping sets baselines are registered over */
  scoring?: Pick<ScoringConfig, 'slices'>;
  /** the validated alerts: section: severities of listed alerts, rule names a silence may name */
  alerts?: AlertsConfig | undefined;
  /** the sampler's slice dimensions (sampling.slice_by): bank cases and eval sets are sliced like the sample */
  sliceBy?: readonly string[];
  /** how far before its watermark a capture run on request reads verdicts (bank.capture_lookback) */
  captureLookbackMs?: number;
}

/** The operations on a store: what the API serves, and what the CLI runs when no instance does. */
export function createStoreOperations(store: Repository, config: StoreOperationsConfig = {}): Operations {
  const scoring = config.scoring ?? DEFAULT_CONFIG.scoring;
  const sliceBy = config.sliceBy ?? DEFAULT_CONFIG.sampling.slice_by;
  const lookbackMs = config.captureLookbackMs ?? DEFAULT_CONFIG.bank.capture_lookback;
  const handlers: OperationHandlers = {
    sql: async ({ query, format }) => ({ format, body: await userSql(store, query, format) }),

    listBaselines: async () => ({ baselines: await store.listBaselines() }),
    showBaseline: ({ name }) => showBaseline(store, name),
    async registerBaseline({ name, from, to, model_version, activate }) {
      const info = await registerBaseline(store, scoring, { name, from, to, modelVersion: model_version });
      if (activate) await activateBaseline(store, name);
      return { baseline: { ...info, active: activate } };
    },
    async activateBaseline({ name }) {
      await activateBaseline(store, name);
      return { active: name };
    },

    listAlerts: async () => ({ alerts: await listAlerts(store, config.alerts) }),
    listSilences: async ({ all }) => ({ silences: await listSilences(store, { all }) }),
    addSilence: async (req) => ({ silence: await addSilence(store, config.alerts, req) }),
    expireSilence: ({ id }) => expireSilence(store, id),

    listBank: ({ all }) => listBank(store, { includeRetired: all }),
    addBankCases: ({ sql }) => addCasesFromSql(store, sql, { sliceBy }),
    retireBankCase: async ({ id, reason, by }) => ({ case: await retireCase(store, { id, reason, by: by ?? 'api' }) }),
    captureBank: () => captureBank(store, { sliceBy, lookbackMs }),

    recordRun: async (record) => ({ run: await recordEvalRun(store, record) }),
    listRuns: async ({ limit }) => ({ runs: await store.evalRuns({ limit }) }),
    showRun: ({ id }) => showEvalRun(store, id),
    signoffRun: async ({ id, reviewer, note }) => ({ run: await signoffEvalRun(store, id, { reviewer, note }) }),

    evalsetCandidates: ({ from, to, slice_by }) => store.evalsetCandidates({ from, to, sliceBy: slice_by ?? sliceBy }),
    evalsetPayloads: async ({ refs }) => ({ payloads: Object.fromEntries(await store.evalsetPayloads(refs)) }),
  };
  return validated(handlers);
}
