import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caseResult, type EvalRun, summariseReplay } from '@livegrade/core';
import type { EvalRecord } from '@livegrade/store';
import { renderReplay, renderRunMarkdown } from './render.ts';

const HI = 'decision_type=refund,language=hi';
const EN = 'decision_type=refund,language=en';

function record(labels: Record<string, Array<string | null>>, opts: { aborted?: string; k?: number } = {}): EvalRecord {
  const k = opts.k ?? 2;
  const results = Object.entries(labels).map(([id, ls]) =>
    caseResult(
      {
        id,
        slice: id.startsWith('h') ? HI : EN,
        decision_type: 'refund',
        expected_label: 'refund',
        model_label: 'deny',
        times_seen: 3,
      },
      ls.map((label, i) => ({
        attempt: i + 1,
        label,
        score: null,
        passed: label === 'refund',
        error: label === null ? 'timed out after 1000ms (after 3 tries)' : null,
        tries: label === null ? 3 : 1,
        timed_out: label === null ? 3 : 0,
        latency_ms: 1,
      })),
    ),
  );
  const s = summariseReplay(results, { k, slice_bar: 0.8, aborted: opts.aborted ?? null });
  const run: EvalRun = {
    id: 'run-1',
    started_at: Date.UTC(2026, 0, 10, 9),
    finished_at: Date.UTC(2026, 0, 10, 9, 0, 42),
    target: 'http://127.0.0.1:9000/decide',
    model_version: 'm-7',
    bank_version: 'sha256:ab12',
    params: { k, concurrency: 8, slice_bar: 0.8, timeout_ms: 1000, retries: 2 },
    cases: s.cases,
    overall: s.overall,
    slices: s.slices,
    worst_slice: s.worst_slice,
    verdict: s.verdict,
    reasons: s.reasons,
    transport: { requests: 9, retries: 2, timeouts: 2, errors: 1 },
    signoffs: [{ reviewer: 'ana', note: 'h1 is a label dispute', at: Date.UTC(2026, 0, 10, 10) }],
  };
  return { run, results };
}

describe('renderRunMarkdown', () => {
  it('leads with the verdict and what it rests on, then slices, repeats, transport and sign-offs', () => {
    const md = renderRunMarkdown(record({ h1: ['deny', 'refund'], h2: ['refund', 'refund'], e1: ['refund', null] }));
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(headings, [
      '# Replay run-1: ERROR',
      '## Why',
      '## Slices, worst first',
      '## Repeated past failures',
      '## Worst slice',
      '## Transport',
      '## Sign-offs',
    ]);
    assert.match(md, /\| verdict \| \*\*ERROR\*\*: target errors, 1 past failure repeated, 1 slice below the bar \|/);
    assert.match(md, /\| when \| 2026-01-10T09:00:00Z to 2026-01-10T09:00:42Z \(42\.0s\) \|/);
    // HI: 3 of 4 runs right → 0.75, h2 alone 2 of 2 → pass^2 1/2; EN: 1 answered run, right → 1, e1 missed a run → 0
    assert.match(md, /\| decision_type=refund,language=hi \| 2 \| 0\.75 \| 0\.5 \| 1 \| BELOW \|/);
    assert.match(md, /\| decision_type=refund,language=en \| 1 \| 1 \| 0 \| 0 \| ok \|/);
    assert.match(md, /\| h1 \| decision_type=refund,language=hi \| refund \| "deny" \| yes \| 3 \|/);
    assert.match(md, /\| e1 \| 2 \| 3 \| timed out after 1000ms \(after 3 tries\) \|/);
    assert.match(md, /9 requests, 2 retries, 2 timeouts, 1 run ended in error\./);
    assert.match(md, /- \*\*ana\*\*, 2026-01-10T10:00:00Z: h1 is a label dispute/);
  });

  it('says n/a for a pass rate no run answered, and how many runs an aborted replay made', () => {
    const r = record({ h1: [], e1: [] }, { aborted: 'cannot connect to http://127.0.0.1:9/decide' });
    const text = renderReplay(r);
    assert.match(text, /overall: pass@1 n\/a, pass\^2 0, repeated 0 of 2/);
    assert.match(text, /0 of 4 runs made before the replay stopped/);
    assert.match(text, /verdict: ERROR\n {2}- replay aborted: cannot connect/);
    assert.match(renderRunMarkdown(r), /\| decision_type=refund,language=en \| 1 \| n\/a \| 0 \| 0 \| BELOW \|/);
  });
});
