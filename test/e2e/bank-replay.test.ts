// `livegrade bank replay` and `livegrade runs` (issue 7), as a release
// pipeline runs them: a bank seeded with past failures, candidates on
// 127.0.0.1 that repeat one of them, fix them all, flake 1 run in 5, answer
// out of contract or are not there at all; every replay leaves a record that
// `runs show` exports and `runs signoff` signs. First with no instance
// running (the CLI opens the store), then through a running instance's API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type BankOccurrence,
  bankVersion,
  type CaseReason,
  caseId,
  DEFAULT_CONFIG,
  type EvalRun,
  sliceKey,
} from '@livegrade/core';
import { retireCase } from '@livegrade/ops';
import { type EvalRecord, openStore } from '@livegrade/store';
import { type Candidate, type CandidateMode, closedPortUrl, startCandidate, type Truth } from '../support/candidate.ts';
import { livegrade } from '../support/cli.ts';
import { tempDataDir, testEnv } from '../support/env.ts';
import { throughRunningApi } from '../support/instance.ts';

const T0 = Date.UTC(2026, 0, 10, 9);

interface Seed {
  name: string;
  decision_type: string;
  language: string;
  input: Record<string, unknown>;
  context: string;
  expected: string;
  model: string;
  /** distinct decisions that made this mistake */
  seen: number;
}

// three slices; the first case was seen twice in production
const SEEDS: Seed[] = [
  {
    name: 'A',
    decision_type: 'refund',
    language: 'hi',
    input: { order: 'A-1', text: 'parcel arrived broken' },
    context: '{"tier":"gold"}',
    expected: 'refund_full',
    model: 'deny',
    seen: 2,
  },
  {
    name: 'B',
    decision_type: 'refund',
    language: 'hi',
    input: { order: 'B-2', text: 'wrong size' },
    context: '',
    expected: 'refund_partial',
    model: 'deny',
    seen: 1,
  },
  {
    name: 'C',
    decision_type: 'refund',
    language: 'en',
    input: { order: 'C-3', text: 'changed my mind after a year' },
    context: '',
    expected: 'deny',
    model: 'refund_full',
    seen: 1,
  },
  {
    name: 'D',
    decision_type: 'reship',
    language: 'en',
    input: { order: 'D-4', text: 'never arrived' },
    context: '',
    expected: 'reship',
    model: 'refund_full',
    seen: 1,
  },
  // retired before any replay: it must never be sent
  {
    name: 'E',
    decision_type: 'reship',
    language: 'en',
    input: { order: 'E-5', text: 'old policy' },
    context: '',
    expected: 'reship',
    model: 'deny',
    seen: 1,
  },
];

const key = (s: Seed) => JSON.stringify(s.input);
const idOf = (s: Seed) => caseId(s.decision_type, JSON.stringify(s.input));
const seed = (name: string) => SEEDS.find((s) => s.name === name)!;
const truth = new Map<string, Truth>(SEEDS.map((s) => [key(s), { right: s.expected, wrong: s.model }]));

function occurrences(): BankOccurrence[] {
  return SEEDS.flatMap((s, i) =>
    Array.from({ length: s.seen }, (_, j) => ({
      case_id: idOf(s),
      decision_id: `dec-${s.name}-${j}`,
      trace_id: `${(i * 10 + j).toString(16).padStart(32, '0')}`,
      ts: T0 + i * 60_000 + j * 1000,
      decision_type: s.decision_type,
      slice: sliceKey(s.decision_type, { language: s.language }, DEFAULT_CONFIG.sampling.slice_by),
      slices: { language: s.language },
      model_version: 'm-6',
      model_label: s.model,
      expected_label: s.expected,
      reason: 'override' as CaseReason,
      input: JSON.stringify(s.input),
      context: s.context,
      captured_at: T0 + 3_600_000,
    })),
  );
}

function runIdOf(stdout: string): string {
  const m = /record: livegrade runs show (\S+)/.exec(stdout);
  assert.ok(m, `no run id in:\n${stdout}`);
  return m[1]!;
}

describe('livegrade bank replay', () => {
  const data = tempDataDir();
  // port 0: no instance is looked for, the CLI opens the store
  const offline = { LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_API_PORT: '0' };
  let version: string;
  const candidates: Candidate[] = [];
  async function candidate(mode: CandidateMode, extra: { repeat?: string[]; modelVersion?: string } = {}) {
    const c = await startCandidate({ mode, truth, ...extra });
    candidates.push(c);
    return c;
  }
  const replay = (target: string, env: Record<string, string>, ...flags: string[]) =>
    livegrade(['bank', 'replay', '--target', target, ...flags], env);
  const runIds: string[] = [];

  before(async () => {
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    await store.insertOccurrences(occurrences());
    await retireCase(store, { id: idOf(seed('E')), reason: 'policy changed in 2025', by: 'test' });
    const active = await store.bankCases();
    assert.equal(active.length, 4);
    version = bankVersion(active);
    await store.close();
  });
  after(async () => {
    for (const c of candidates) await c.close();
    data.cleanup();
  });

  describe('with no instance running', () => {
    it('exits 1 naming the past failure a candidate repeats', async () => {
      const a = seed('A');
      const c = await candidate('repeats', { repeat: [key(a)], modelVersion: 'm-7-rc1' });
      const r = await replay(c.url, offline);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /: FAIL\n/);
      assert.match(r.stdout, /past failures the candidate repeats \(1\):/);
      assert.match(
        r.stdout,
        new RegExp(
          `case ${idOf(a)} repeated a past failure \\(decision_type=refund,language=hi\\): expected "refund_full", answered "deny" ×5 in 5 of 5 runs`,
        ),
      );
      // the repeated-cases table: id, slice, expected, answered, same mistake, times seen
      assert.match(
        r.stdout,
        new RegExp(`${idOf(a)}\\s+decision_type=refund,language=hi\\s+refund_full\\s+"deny" ×5\\s+yes\\s+2`),
      );
      assert.match(r.stdout, /worst slice: decision_type=refund,language=hi \(pass@1 0\.5, pass\^5 0\.5\)/);
      assert.match(r.stdout, new RegExp(`bank ${version} \\(4 active cases\\), model version m-7-rc1`));
      assert.match(r.stdout, /transport: 20 requests, 0 retries, 0 timeouts, 0 runs ended in error/);
      runIds.push(runIdOf(r.stdout));

      // 4 active cases × k=5; the retired one never sent; the documented request shape and headers
      assert.equal(c.requests.length, 20);
      assert.ok(!c.requests.some((q) => JSON.stringify(q.body).includes('E-5')), 'a retired case is not replayed');
      const first = c.requests.find((q) => q.headers['x-livegrade-case-id'] === idOf(a))!;
      assert.deepEqual(first.body, {
        decision_type: 'refund',
        input: a.input,
        context: { slices: { language: 'hi' }, data: { tier: 'gold' } },
      });
      assert.equal(first.headers['x-livegrade-run-id'], runIds[0]);
      assert.deepEqual(
        c.requests
          .filter((q) => q.headers['x-livegrade-case-id'] === idOf(a))
          .map((q) => Number(q.headers['x-livegrade-attempt']))
          .sort(),
        [1, 2, 3, 4, 5],
      );
    });

    it('exits 0 for a candidate that fixed every past failure', async () => {
      const c = await candidate('fixed');
      const r = await replay(c.url, offline, '--k', '2', '--concurrency', '3');
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /overall: pass@1 1, pass\^2 1, repeated 0 of 4/);
      assert.match(r.stdout, /verdict: PASS/);
      assert.doesNotMatch(r.stdout, /repeats \(/);
      runIds.push(runIdOf(r.stdout));
    });

    it('prints pass@1 and pass^5 of a flaky candidate: 1 run in 5 wrong gives 0.8 and 0', async () => {
      const c = await candidate('flaky');
      const r = await replay(c.url, offline);
      assert.equal(r.code, 1, r.stderr);
      // 4 cases × 5 runs, each case's 5th request wrong: 16 of 20 right → pass@1 0.8; no case 5 of 5 → pass^5 0
      assert.match(r.stdout, /overall: pass@1 0\.8, pass\^5 0, repeated 4 of 4/);
      assert.match(r.stdout, /decision_type=refund,language=hi\s+2\s+0\.8\s+0\s+2\s+ok/);
      runIds.push(runIdOf(r.stdout));
    });

    it('retries timeouts and 5xx within the bound, and prints how many there were', async () => {
      const c = await candidate('unsteady');
      const r = await replay(c.url, offline, '--k', '1', '--timeout', '2s', '--retries', '2');
      assert.equal(r.code, 0, r.stderr + r.stdout);
      // per case: a try that times out, a 503, then the answer → 3 requests, 2 retries, 1 timeout; 4 cases
      assert.match(r.stdout, /transport: 12 requests, 8 retries, 4 timeouts, 0 runs ended in error/);
      const json = await livegrade(['runs', 'show', runIdOf(r.stdout), '--format', 'json'], offline);
      const record = JSON.parse(json.stdout) as EvalRecord;
      assert.deepEqual(record.run.transport, { requests: 12, retries: 8, timeouts: 4, errors: 0 });
      assert.ok(record.results.every((x) => x.runs[0]!.tries === 3 && x.runs[0]!.timed_out === 1));
      runIds.push(runIdOf(r.stdout));
    });

    it('exits 2 at once for an unreachable candidate, with the reason, and still records the run', async () => {
      const r = await replay(await closedPortUrl(), offline, '--retries', '1');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(
        r.stderr,
        /bank replay could not judge the candidate: replay aborted: cannot connect to http:\/\/127\.0\.0\.1:\d+\/decide: request failed: ECONNREFUSED \(after 2 tries\)/,
      );
      assert.match(r.stdout, /verdict: ERROR/);
      // stopped at the first run that used its tries: far fewer than the 20 runs × 2 tries a full replay would make
      const requests = Number(/transport: (\d+) requests/.exec(r.stdout)?.[1]);
      assert.ok(requests <= 8 * 2, `${requests} requests`);
      runIds.push(runIdOf(r.stdout));
    });

    it('exits 2 for a candidate that answers out of contract, naming the case and what was wrong', async () => {
      const c = await candidate('bad');
      const r = await replay(c.url, offline, '--k', '1');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(
        r.stderr,
        /could not judge the candidate: target error on case c[0-9a-f]{16} \(attempt 1\): bad response: label: .*\(body \{"lbl":"[a-z_]+"\}\)/,
      );
      // one reason per case: each body differs, and each names its case
      assert.equal(r.stdout.match(/- target error on case c[0-9a-f]{16} \(attempt 1\): bad response/g)?.length, 4);
      runIds.push(runIdOf(r.stdout));
    });

    it('refuses bad flags with exit 2', async () => {
      const none = await livegrade(['bank', 'replay'], offline);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /--target is required/);
      const k = await replay('http://127.0.0.1:1/x', offline, '--k', '0');
      assert.equal(k.code, 2);
      assert.match(k.stderr, /--k 0 is outside \[1, 100\]: it takes a whole number of runs per case/);
      const bar = await replay('ftp://127.0.0.1/x', offline);
      assert.equal(bar.code, 2);
      assert.match(bar.stderr, /must be an http or https URL/);
    });

    it('lists every replay as a record, with its verdict', async () => {
      const r = await livegrade(['runs', 'list', '--json'], offline);
      assert.equal(r.code, 0, r.stderr);
      const listed = JSON.parse(r.stdout) as EvalRun[];
      assert.deepEqual(listed.map((x) => x.id).sort(), [...runIds].sort());
      const byId = new Map(listed.map((x) => [x.id, x]));
      assert.deepEqual(
        runIds.map((id) => byId.get(id)!.verdict),
        ['fail', 'pass', 'fail', 'pass', 'error', 'error'],
      );
      assert.ok(listed.every((x) => x.bank_version === version));
    });

    it('shows a record as Markdown and as JSON, and signs it off', async () => {
      const [repeatRun] = runIds;
      const md = await livegrade(['runs', 'show', repeatRun!], offline);
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout, new RegExp(`^# Replay ${repeatRun}: FAIL`));
      assert.match(md.stdout, /\| verdict \| \*\*FAIL\*\*: 1 past failure repeated/);
      assert.match(md.stdout, /\| model version \| m-7-rc1 \|/);
      assert.match(md.stdout, new RegExp(`\\| bank version \\| \`${version}\` \\(4 active cases\\) \\|`));
      assert.match(md.stdout, /\| params \| k=5, concurrency 8, slice bar 0\.8, timeout 10s, retries 2 \|/);
      assert.match(md.stdout, /## Repeated past failures/);
      assert.match(
        md.stdout,
        new RegExp(`\\| ${idOf(seed('A'))} \\| decision_type=refund,language=hi \\| refund_full`),
      );
      assert.match(md.stdout, /Not signed off/);

      const signed = await livegrade(
        ['runs', 'signoff', repeatRun!, '--reviewer', 'ana', '--note', 'A is a known label dispute; accepted'],
        offline,
      );
      assert.equal(signed.code, 0, signed.stderr);
      assert.match(signed.stdout, /signed off by ana/);

      const json = await livegrade(['runs', 'show', repeatRun!, '--format', 'json'], offline);
      const record = JSON.parse(json.stdout) as EvalRecord;
      assert.equal(record.run.id, repeatRun);
      assert.equal(record.results.length, 4);
      assert.equal(record.results.find((x) => x.case_id === idOf(seed('A')))?.times_seen, 2);
      assert.deepEqual(
        record.run.signoffs.map((s) => [s.reviewer, s.note]),
        [['ana', 'A is a known label dispute; accepted']],
      );
      const again = await livegrade(['runs', 'show', repeatRun!, '--format', 'md'], offline);
      assert.match(again.stdout, /- \*\*ana\*\*, .*: A is a known label dispute; accepted/);
    });

    it('refuses an unknown run, a sign-off without a note and an unknown format', async () => {
      const unknown = await livegrade(['runs', 'show', 'run-nope'], offline);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no run with id "run-nope" \(latest: /);
      const noNote = await livegrade(['runs', 'signoff', runIds[0]!, '--reviewer', 'ana'], offline);
      assert.equal(noNote.code, 2);
      assert.match(noNote.stderr, /--note is required/);
      const format = await livegrade(['runs', 'show', runIds[0]!, '--format', 'html'], offline);
      assert.equal(format.code, 2);
    });
  });

  describe('through a running instance', () => {
    // the instance opens the store the offline commands wrote
    const running = throughRunningApi(data.dir, offline);
    const online = running.env;

    it('replays, records, shows and signs off through the API', async () => {
      const c = await candidate('repeats', { repeat: [key(seed('C'))] });
      const r = await replay(c.url, online, '--k', '3', '--model-version', 'm-7-rc2');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`case ${idOf(seed('C'))} repeated a past failure`));
      assert.match(r.stdout, new RegExp(`bank ${version} \\(4 active cases\\), model version m-7-rc2`));
      const id = runIdOf(r.stdout);

      const signed = await livegrade(
        ['runs', 'signoff', id, '--reviewer', 'bo', '--note', 'blocked: C regressed'],
        online,
      );
      assert.equal(signed.code, 0, signed.stderr);
      const json = await livegrade(['runs', 'show', id, '--format', 'json'], online);
      const record = JSON.parse(json.stdout) as EvalRecord;
      assert.equal(record.run.verdict, 'fail');
      assert.equal(record.run.params.k, 3);
      assert.deepEqual(
        record.run.signoffs.map((s) => s.reviewer),
        ['bo'],
      );
      const md = await livegrade(['runs', 'show', id], online);
      assert.match(md.stdout, /- \*\*bo\*\*, .*: blocked: C regressed/);

      const list = await livegrade(['runs', 'list'], online);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`${id}\\s+\\S+\\s+fail`));
      assert.match(list.stdout, /\(7 rows\)/);
    });

    it('exits 2 for an unreachable candidate through the API too, recording the run', async () => {
      const r = await replay(await closedPortUrl(), online, '--retries', '0');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /cannot connect to .*ECONNREFUSED/);
      const id = runIdOf(r.stdout);
      const shown = await livegrade(['runs', 'show', id, '--format', 'json'], online);
      assert.equal((JSON.parse(shown.stdout) as EvalRecord).run.verdict, 'error');
    });
  });
});
