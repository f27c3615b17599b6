/**
 * One row of the fault suite's table (`npm run faults`, issue 16): a fault
 * run under steady load, and what the pipeline made of it. Each scenario in
 * this folder exports one FaultScenario; test/e2e/faults.test.ts asserts
 * every row's `lost` and `duplicates` are 0, and scripts/faults.mjs prints
 * the table.
 */
export interface FaultRow {
  fault: string;
  /** what the row counts: 'decisions', 'windows', 'alerts', ... */
  unit: string;
  /** units sent into the pipeline (or due to be produced, for windows and alerts) */
  sent: number;
  /** units found exactly once by a query (FINAL where the table needs it, as users query) */
  storedOnce: number;
  /** extra copies visible to queries: rows or deliveries beyond the first */
  duplicates: number;
  /** units sent and never found */
  lost: number;
  /** from the end of the fault to the pipeline caught up (every unit in), ms */
  recoverMs: number;
  /** anything else the row measured, printed under the table */
  notes?: string[];
}

export interface FaultScenario {
  /** short name, used as the test name and by `npm run faults -- <name>` */
  name: string;
  /** what needs to be up: each scenario starts what it needs itself */
  run(opts: { log: (msg: string) => void }): Promise<FaultRow>;
}
