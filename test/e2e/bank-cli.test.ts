// `livegrade bank list|add|retire|capture` (issue 7), as a user runs it:
// first with no instance running (the CLI opens the store itself), then
// through a running instance's API (which holds the embedded store).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BankCase, bankVersion, caseId, type FlatSpan, toDecisionRow, type VerdictRow } from '@livegrade/core';
import { openStore, toSpanRow } from '@livegrade/store';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { throughRunningApi } from '../support/instance.ts';

const T0 = Date.now() - 3_600_000;

interface Seed {
  id: string;
  type: string;
  label: string;
  input: string;
  kept?: boolean;
  review?: string;
}

const SEEDS: Seed[] = [
  { id: 'd-override', type: 'refund', label: 'deny', input: 'refund my order 5', review: 'approve' },
  { id: 'd-override-2', type: 'refund', label: 'deny', input: 'Refund my  order 5', review: 'approve' },
  { id: 'd-agreed', type: 'refund', label: 'approve', input: 'refund my order 6', review: 'approve' },
  // for bank add: reviewed, unreviewed, and one whose trace was not kept
  { id: 'd-reship', type: 'reship', label: 'deny', input: 'parcel lost', review: 'approve' },
  { id: 'd-reship-nolabel', type: 'reship', label: 'deny', input: 'parcel damaged' },
  { id: 'd-reship-unkept', type: 'reship', label: 'deny', input: 'parcel late', kept: false, review: 'approve' },
  { id: 'd-upgrade', type: 'upgrade', label: 'deny', input: 'upgrade me' },
];

async function seed(dataDir: string) {
  const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: dataDir }));
  const verdicts: VerdictRow[] = [];
  for (const [i, s] of SEEDS.entries()) {
    const span: FlatSpan = {
      traceId: (i + 1).toString(16).padStart(32, 'b'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: '',
      name: `decision ${s.type}`,
      kind: 1,
      startMs: T0 + i * 1000,
      endMs: T0 + i * 1000 + 100,
      statusCode: 0,
      statusMessage: '',
      serviceName: 'support-bot',
      scopeName: 'support-bot',
      resourceAttributes: {},
      events: [],
      attributes: {
        'livegrade.decision.id': s.id,
        'livegrade.decision.type': s.type,
        'livegrade.decision.label': s.label,
        'livegrade.slice.language': 'en',
        'livegrade.input': s.input,
      },
    };
    const sample = s.kept === false ? { reason: '', weight: 0 } : { reason: 'stratified', weight: 1 };
    await store.insertDecisions([toDecisionRow(span, { sampled: s.kept !== false, ...sample })]);
    await store.insertSpans([toSpanRow(span, { decisionId: s.id, decisionType: s.type }, sample)]);
    if (s.review) {
      verdicts.push({
        ts: T0 + i * 1000 + 60_000,
        verdict_id: `rev-${s.id}`,
        decision_id: s.id,
        trace_id: span.traceId,
        kind: 'review',
        value: '',
        reviewer_id: 'senior-1',
        seniority: 'senior',
        label: s.review,
        rationale: '',
      });
    }
  }
  await store.insertVerdicts(verdicts);
  await store.close();
}

async function listJson(env: Record<string, string>, all = false) {
  const r = await livegrade(['bank', 'list', '--json', ...(all ? ['--all'] : [])], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { cases: BankCase[]; bank_version: string };
}

const REFUND_5 = caseId('refund', 'refund my order 5');
const RESHIP = caseId('reship', 'parcel lost');
const UPGRADE = caseId('upgrade', 'upgrade me');

describe('livegrade bank', () => {
  const data = tempDataDir();
  // port 0 in the env: no instance is looked for, the CLI opens the store
  const offline = { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_API_PORT: '0' };

  before(() => seed(data.dir));
  after(() => data.cleanup());

  describe('with no instance running', () => {
    it('says the bank has no active cases before anything is captured', async () => {
      const r = await livegrade(['bank', 'list'], offline);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /no active cases/);
    });

    it('captures the overrides, merging the two spellings of one question', async () => {
      const r = await livegrade(['bank', 'capture'], offline);
      assert.equal(r.code, 0, r.stderr);
      // d-reship is an override too; d-reship-unkept has no kept input yet
      assert.match(
        r.stdout,
        /captured 3 decisions into 2 cases \(3 overrides, 0 labelled failures\); 1 without a kept input/,
      );
      const r2 = await livegrade(['bank', 'capture'], offline);
      assert.match(r2.stdout, /captured 0 decisions into 0 cases/);
    });

    it('lists cases with their counts and the bank version', async () => {
      const r = await livegrade(['bank', 'list'], offline);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`${REFUND_5}\\s+decision_type=refund,language=en\\s+approve\\s+deny\\s+override\\s+2`),
      );
      const { cases, bank_version } = await listJson(offline);
      assert.deepEqual(cases.map((c) => c.id).sort(), [REFUND_5, RESHIP].sort());
      assert.equal(bank_version, bankVersion(cases));
      assert.match(r.stdout, new RegExp(`2 active cases, bank version ${bank_version}`));
    });

    it('adds decisions by SQL, reporting each one it cannot add and why', async () => {
      const r = await livegrade(
        [
          'bank',
          'add',
          '--sql',
          "SELECT decision_id FROM decisions WHERE decision_type = 'reship' ORDER BY decision_id",
        ],
        offline,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /skipped d-reship-nolabel: no human label: no review, and the query has no expected_label column/,
      );
      assert.match(r.stdout, /skipped d-reship-unkept: no kept input/);
      assert.match(r.stdout, /added 1 decision to 1 case, skipped 2/);
      const reship = (await listJson(offline)).cases.find((c) => c.id === RESHIP);
      assert.equal(reship?.times_seen, 1, 'adding a captured decision again does not count it twice');
    });

    it('takes the expected label from an expected_label column', async () => {
      const r = await livegrade(
        [
          'bank',
          'add',
          '--sql',
          "SELECT decision_id, 'approve' AS expected_label FROM decisions WHERE decision_id = 'd-upgrade'",
        ],
        offline,
      );
      assert.equal(r.code, 0, r.stderr);
      const added = (await listJson(offline)).cases.find((c) => c.id === UPGRADE);
      assert.equal(added?.expected_label, 'approve');
      assert.equal(added?.reason, 'manual');
    });

    it('says what is wrong with a bad query', async () => {
      const bad = await livegrade(['bank', 'add', '--sql', 'SELEC decision_id FROM decisions'], offline);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^livegrade: the sql query failed: .*Syntax error/);
      const write = await livegrade(['bank', 'add', '--sql', 'DROP TABLE decisions'], offline);
      assert.equal(write.code, 1);
      assert.match(write.stderr, /the sql query was refused/);
      const column = await livegrade(['bank', 'add', '--sql', 'SELECT trace_id FROM decisions LIMIT 1'], offline);
      assert.equal(column.code, 1);
      assert.match(column.stderr, /the query must return a decision_id column \(it returned: trace_id\)/);
      const none = await livegrade(
        ['bank', 'add', '--sql', "SELECT decision_id FROM decisions WHERE decision_id = 'x'"],
        offline,
      );
      assert.equal(none.code, 1);
      assert.match(none.stderr, /the query returned no decision ids: nothing added/);
      const missing = await livegrade(['bank', 'add'], offline);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--sql is required/);
    });

    it('retires a case with a reason; it stays listed with --all', async () => {
      const noReason = await livegrade(['bank', 'retire', UPGRADE], offline);
      assert.equal(noReason.code, 2);
      assert.match(noReason.stderr, /--reason is required/);
      const unknown = await livegrade(['bank', 'retire', 'c0000000000000000', '--reason', 'x'], offline);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no case "c0000000000000000" in the bank/);

      const r = await livegrade(
        ['bank', 'retire', UPGRADE, '--reason', 'upgrades are manual now', '--by', 'ana'],
        offline,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`retired case ${UPGRADE}`));
      assert.ok(!(await listJson(offline)).cases.some((c) => c.id === UPGRADE));
      const all = await listJson(offline, true);
      const retired = all.cases.find((c) => c.id === UPGRADE);
      assert.equal(retired?.status, 'retired');
      assert.equal(retired?.retired_by, 'ana');
      assert.equal(retired?.retired_reason, 'upgrades are manual now');
      assert.equal(all.bank_version, bankVersion(all.cases.filter((c) => c.status === 'active')));
      const table = await livegrade(['bank', 'list', '--all'], offline);
      assert.match(table.stdout, new RegExp(`${UPGRADE}\\s+retired.*ana: upgrades are manual now`));

      const again = await livegrade(['bank', 'retire', UPGRADE, '--reason', 'y'], offline);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already retired .* by ana: upgrades are manual now/);
    });

    it('refuses an unknown subcommand with the usage', async () => {
      const r = await livegrade(['bank', 'frobnicate'], offline);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown bank command "frobnicate"/);
    });
  });

  describe('through a running instance', () => {
    // the instance opens the store the offline commands wrote
    const running = throughRunningApi(data.dir, offline);
    const online = running.env;

    it('lists what was captured and retired offline', async () => {
      const active = await listJson(online);
      assert.deepEqual(active.cases.map((c) => c.id).sort(), [REFUND_5, RESHIP].sort());
      assert.equal(active.bank_version, bankVersion(active.cases));
      const all = await listJson(online, true);
      assert.equal(all.cases.find((c) => c.id === UPGRADE)?.status, 'retired');
      assert.equal(all.bank_version, active.bank_version, 'the version is of the active cases');
    });

    it('adds, captures and retires through the API', async () => {
      const add = await livegrade(
        [
          'bank',
          'add',
          '--sql',
          "SELECT decision_id, 'escalate' AS expected_label FROM decisions WHERE decision_id = 'd-reship-nolabel'",
        ],
        online,
      );
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, /added 1 decision to 1 case/);
      const capture = await livegrade(['bank', 'capture'], online);
      assert.equal(capture.code, 0, capture.stderr);
      assert.match(capture.stdout, /captured 0 decisions/);
      const id = caseId('reship', 'parcel damaged');
      const retire = await livegrade(['bank', 'retire', id, '--reason', 'carrier changed'], online);
      assert.equal(retire.code, 0, retire.stderr);
      assert.equal((await listJson(online, true)).cases.find((c) => c.id === id)?.status, 'retired');
    });

    it('gives the same clear errors as offline', async () => {
      const bad = await livegrade(['bank', 'add', '--sql', 'SELEC 1'], online);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^livegrade: the sql query failed: .*Syntax error/);
      const unknown = await livegrade(['bank', 'retire', 'c0000000000000000', '--reason', 'x'], online);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^livegrade: no case "c0000000000000000" in the bank/);
      const noReason = await livegrade(['bank', 'retire', REFUND_5], online);
      assert.equal(noReason.code, 2);
      assert.match(noReason.stderr, /--reason is required/);
    });
  });
});
