// `npm run demo` (issue 6) as a new user runs it, from the repo root, in
// embedded mode: it must run to completion, alert on the slice it broke and
// on no other, list that slice's sampled failures through SQL, and say where
// the dashboard is. --exit stops it after the SQL answer instead of staying
// up; ports 0 and a temporary data dir keep it clear of anything running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { openStore } from '@livegrade/store';
import { tempDataDir, testEnv } from '../support/env.ts';

const SLICE = 'decision_type=refund,language=hi';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(dataDir: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'demo', '--', '--exit', '--data-dir', dataDir], {
      cwd: new URL('../..', import.meta.url),
      env: {
        ...process.env,
        LIVEGRADE_API_PORT: '0',
        LIVEGRADE_GATEWAY_PORT: '0',
        LIVEGRADE_LOG_LEVEL: 'warn',
        LIVEGRADE_SLACK_WEBHOOK_URL: '',
      },
      // its own process group, so a hung demo is stopped with everything it started
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo', { timeout: 7 * 60_000 }, () => {
  const data = tempDataDir('livegrade-demo-');
  after(() => data.cleanup());
  let run: Run;

  it('runs to completion in embedded mode', async () => {
    run = await runDemo(data.dir, 6 * 60_000);
    assert.equal(run.code, 0, `exit code ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
    assert.match(run.stdout, /embedded \(in-process bus, ClickHouse engine in-process, in-process jobs\)/);
    assert.match(run.stdout, /registered and activated baseline "prompt-v7"/);
  });

  it('prints the alert, which names the degraded slice and no other', () => {
    const alerts = run.stdout.split('\n').filter((l) => /ALERT FIRING/.test(l));
    assert.ok(alerts.length > 0, `no alert printed:\n${run.stdout}`);
    assert.ok(
      alerts.some((l) => /override-rate/.test(l)),
      'the override rate alert',
    );
    for (const line of alerts) assert.match(line, new RegExp(`on 1 slice: ${SLICE}$`), line);
    const slices = [...run.stdout.matchAll(/^ {5}slice {3}(\S+)$/gm)].map((m) => m[1]);
    assert.ok(slices.length >= alerts.length);
    assert.deepEqual(new Set(slices), new Set([SLICE]));
  });

  it('prints the SQL listing that slice’s sampled failures, and its answer', async () => {
    const sqlAt = run.stdout.indexOf('\nWITH\n');
    assert.ok(sqlAt > 0, 'the SQL is printed');
    const after = run.stdout.slice(sqlAt);
    assert.match(after, /FROM decision_facts\(from = /);
    const table = after.slice(after.indexOf('time_utc'));
    const count = Number(/\((\d+) rows?\)/.exec(table)?.[1]);
    assert.ok(count > 0 && count <= 10, `between 1 and 10 rows, got ${count}`);
    const traceIds = [...table.matchAll(/^\d\d:\d\d:\d\d {2}([0-9a-f]{32}) /gm)].map((m) => m[1]!);
    assert.equal(traceIds.length, count, 'one trace id per row');
    // the demo is gone and its store with it: open the data dir it left behind to check who those rows are
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    try {
      const rows = await store.select<{ trace_id: string; decision_type: string; language: string }>(
        `SELECT trace_id, decision_type, slices['language'] AS language FROM decisions FINAL
         WHERE trace_id IN {ids:Array(String)}`,
        { ids: traceIds },
      );
      assert.equal(rows.length, count);
      for (const r of rows) assert.deepEqual([r.decision_type, r.language], ['refund', 'hi'], r.trace_id);
    } finally {
      await store.close();
    }
  });

  it('ends with the regression bank the incident filled, as the store holds it', async () => {
    const line =
      /5\/5 the regression bank: .*?([\d,]+) so far \(([\d,]+) overrides\), ([\d,]+) of them from (\S+)\./.exec(
        run.stdout,
      );
    assert.ok(line, `the bank step is printed:\n${run.stdout}`);
    const [total, overrides, ofSlice] = [line[1], line[2], line[3]].map((n) => Number(n!.replace(/,/g, '')));
    assert.equal(line[4], SLICE);
    assert.ok(ofSlice! > 0, 'the broken slice left cases behind');
    assert.match(run.stdout, /npx livegrade bank replay --target /);
    const store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
    try {
      // the scorer's own capture may still have run between the print and the stop: at least what was printed
      const cases = await store.bankCases();
      assert.ok(cases.length >= total!, `${cases.length} cases stored, ${total} printed`);
      assert.ok(cases.filter((c) => c.reason === 'override').length >= overrides!);
      assert.ok(cases.filter((c) => c.slice === SLICE).length >= ofSlice!);
    } finally {
      await store.close();
    }
  });

  it('says where the dashboard is: the API it bound, not port 0', () => {
    const api = /API: (http:\/\/127\.0\.0\.1:(\d+))/.exec(run.stdout);
    assert.ok(api && api[2] !== '0', 'the API URL with its bound port');
    const dashboard = /^Dashboard: (\S+)$/m.exec(run.stdout)?.[1];
    assert.ok(dashboard?.startsWith(`${api[1]}/`), `dashboard ${dashboard} on ${api[1]}`);
  });
});
