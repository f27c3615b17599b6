import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caseResult, type ReplayedCase, replayRequest, summariseReplay, wrongLabels } from './replay.ts';
import { type CaseRun, ReplayRequest } from './types.ts';
import { bankVersion } from './version.ts';

function run(attempt: number, label: string | null, expected: string, error: string | null = null): CaseRun {
  return { attempt, label, score: null, passed: label === expected, error, tries: 1, timed_out: 0, latency_ms: 5 };
}

function replayed(id: string, slice: string, expected: string, model: string, labels: Array<string | null>) {
  const c: ReplayedCase = {
    id,
    slice,
    decision_type: slice.split(',')[0]!.replace('decision_type=', ''),
    expected_label: expected,
    model_label: model,
    times_seen: 2,
  };
  return caseResult(
    c,
    labels.map((l, i) => run(i + 1, l, expected, l === null ? 'timed out after 100ms' : null)),
  );
}

const S1 = 'decision_type=refund,language=hi';
const S2 = 'decision_type=reship,language=en';

// k = 3. Worked by hand:
//   S1: a passes 3/3; b answers refund, deny, refund → 5 passes of 6 runs → pass@1 5/6 = 0.8333;
//       pass^3: a only → 1/2 = 0.5; repeated: b → 1
//   S2: c 3/3, e 3/3, d answers reship, reship, escalate → 8 of 9 → pass@1 0.8889; pass^3 2/3; repeated 1
//   overall: 13 of 15 → 0.8667; pass^3 3/5 = 0.6; repeated 2
function table() {
  return [
    replayed('ca', S1, 'refund', 'deny', ['refund', 'refund', 'refund']),
    replayed('cb', S1, 'refund', 'deny', ['refund', 'deny', 'refund']),
    replayed('cc', S2, 'reship', 'refund', ['reship', 'reship', 'reship']),
    replayed('cd', S2, 'reship', 'refund', ['reship', 'reship', 'escalate']),
    replayed('ce', S2, 'reship', 'refund', ['reship', 'reship', 'reship']),
  ];
}

describe('caseResult', () => {
  it('counts passes, wrong answers and errors, and tells a repeat of the model’s own mistake', () => {
    const b = replayed('cb', S1, 'refund', 'deny', ['refund', 'deny', null]);
    assert.equal(b.passes, 1);
    assert.equal(b.failures, 1);
    assert.equal(b.errors, 1);
    assert.equal(b.repeated, true);
    assert.equal(b.same_wrong_label, true, 'answered "deny", what the model said when the case was captured');
    const d = replayed('cd', S2, 'reship', 'refund', ['escalate', 'reship']);
    assert.equal(d.repeated, true);
    assert.equal(d.same_wrong_label, false, 'wrong, but not the captured mistake');
    const errorsOnly = replayed('cx', S2, 'reship', 'refund', [null, null]);
    assert.equal(errorsOnly.repeated, false, 'an error is not an answer');
  });
});

describe('summariseReplay', () => {
  it('computes pass@1, pass^k and repeats per slice and overall, worst slice first', () => {
    const s = summariseReplay(table(), { k: 3, slice_bar: 0.8 });
    assert.equal(s.cases, 5);
    assert.deepEqual(
      s.slices.map((x) => [x.slice, x.cases, Number(x.pass_rate.toFixed(4)), Number(x.pass_k.toFixed(4)), x.repeated]),
      [
        [S1, 2, 0.8333, 0.5, 1],
        [S2, 3, 0.8889, 0.6667, 1],
      ],
    );
    assert.equal(s.slices[0]!.pass_rate, 5 / 6);
    assert.equal(s.overall.pass_rate, 13 / 15);
    assert.equal(s.overall.pass_k, 3 / 5);
    assert.equal(s.overall.repeated, 2);
    assert.equal(s.worst_slice, S1);
    assert.ok(s.slices.every((x) => !x.below_bar));
    assert.equal(s.verdict, 'fail', 'two past failures repeat');
    assert.deepEqual(s.reasons, [
      `case cb repeated a past failure (${S1}): expected "refund", answered "deny" in 1 of 3 runs`,
      `case cd repeated a past failure (${S2}): expected "reship", answered "escalate" in 1 of 3 runs`,
    ]);
  });

  it('fails a slice under the bar, naming it and its rate', () => {
    const s = summariseReplay(table(), { k: 3, slice_bar: 0.85 });
    // 5/6 = 0.8333 < 0.85 <= 8/9 = 0.8889
    assert.deepEqual(
      s.slices.map((x) => x.below_bar),
      [true, false],
    );
    assert.ok(s.reasons.includes(`slice ${S1} pass rate 0.8333 < 0.85`));
  });

  it('passes only when nothing repeats and every slice is at the bar; exactly at the bar counts', () => {
    const clean = [
      replayed('ca', S1, 'refund', 'deny', ['refund', 'refund']),
      replayed('cc', S2, 'reship', 'refund', ['reship', 'reship']),
    ];
    const s = summariseReplay(clean, { k: 2, slice_bar: 1 });
    assert.equal(s.verdict, 'pass');
    assert.deepEqual(s.reasons, []);
    assert.equal(s.overall.pass_k, 1);
  });

  it('gives pass@1 0.8 and pass^5 0 when each case fails one run in five', () => {
    // 4 cases × 5 runs, one wrong run each: 16 of 20 runs pass → 0.8; no case has 5 of 5 → 0
    const flaky = ['c1', 'c2', 'c3', 'c4'].map((id, i) =>
      replayed(
        id,
        S1,
        'refund',
        'deny',
        [0, 1, 2, 3, 4].map((j) => (j === i ? 'deny' : 'refund')),
      ),
    );
    const s = summariseReplay(flaky, { k: 5, slice_bar: 0.8 });
    assert.equal(s.overall.pass_rate, 0.8);
    assert.equal(s.overall.pass_k, 0);
    assert.equal(s.slices[0]!.below_bar, false, '0.8 is at the bar');
    assert.equal(s.overall.repeated, 4);
    assert.equal(s.verdict, 'fail');
  });

  it('is an error when a run got no answer, grouping alike errors under the first case they hit', () => {
    const rs = [
      replayed('ca', S1, 'refund', 'deny', ['refund', null, 'refund']),
      replayed('cb', S1, 'refund', 'deny', [null, 'refund', 'refund']),
      replayed('cc', S2, 'reship', 'refund', ['reship', 'reship', 'reship']),
    ];
    const s = summariseReplay(rs, { k: 3, slice_bar: 0.8 });
    assert.equal(s.verdict, 'error');
    assert.deepEqual(s.reasons, [
      'target error on case ca (attempt 2): timed out after 100ms (2 runs of 2 cases alike)',
    ]);
    // errors are not answers: S1 answered 4 runs, all right → pass@1 1, but no case passed 3 of 3 → pass^3 0
    const s1 = s.slices.find((x) => x.slice === S1)!;
    assert.equal(s1.pass_rate, 1);
    assert.equal(s1.pass_k, 0);
  });

  it('is an error when the replay was aborted, and a case without its k runs does not pass^k', () => {
    const rs = [replayed('ca', S1, 'refund', 'deny', ['refund']), replayed('cb', S1, 'refund', 'deny', [])];
    const s = summariseReplay(rs, { k: 2, slice_bar: 0.8, aborted: 'cannot connect to http://127.0.0.1:9/decide' });
    assert.equal(s.verdict, 'error');
    assert.equal(s.reasons[0], 'replay aborted: cannot connect to http://127.0.0.1:9/decide');
    assert.equal(s.overall.pass_k, 0);
  });

  it('names a slice that got no answer at all rather than calling its rate 0', () => {
    const s = summariseReplay([replayed('ca', S1, 'refund', 'deny', [null])], { k: 1, slice_bar: 0.8 });
    assert.equal(s.slices[0]!.below_bar, true);
    assert.ok(s.reasons.includes(`slice ${S1}: no run answered, so its pass rate is unknown (bar 0.8)`));
  });

  it('passes an empty bank with no slices and no worst slice', () => {
    const s = summariseReplay([], { k: 5, slice_bar: 0.8 });
    assert.equal(s.verdict, 'pass');
    assert.equal(s.worst_slice, null);
    assert.deepEqual(s.slices, []);
  });

  it('orders slices of equal pass rate by pass^k', () => {
    // both slices answer 3 of 4 runs right; S2's wrong runs fall on one case (pass^2 1/2), S1's on two (0/2)
    const rs = [
      replayed('a1', S1, 'x', 'y', ['x', 'y']),
      replayed('a2', S1, 'x', 'y', ['y', 'x']),
      replayed('b1', S2, 'x', 'y', ['x', 'x']),
      replayed('b2', S2, 'x', 'y', ['y', 'y']),
    ];
    const s = summariseReplay(rs, { k: 2, slice_bar: 0.5 });
    assert.deepEqual(
      s.slices.map((x) => [x.slice, x.pass_rate, x.pass_k]),
      [
        [S1, 0.5, 0],
        [S2, 0.5, 0.5],
      ],
    );
  });
});

describe('wrongLabels', () => {
  it('lists wrong answers most frequent first', () => {
    const r = replayed('ca', S1, 'refund', 'deny', ['deny', 'escalate', 'deny', 'refund', null]);
    assert.equal(wrongLabels(r), '"deny" ×2, "escalate" ×1');
  });
});

describe('replayRequest', () => {
  it('sends recorded JSON as JSON and anything else as text, with the slices and context', () => {
    const slices = { language: 'hi' };
    assert.deepEqual(replayRequest({ decision_type: 'refund', input: '{"order":42}', context: '', slices }), {
      decision_type: 'refund',
      input: { order: 42 },
      context: { slices, data: null },
    });
    assert.deepEqual(
      replayRequest({ decision_type: 'refund', input: 'where is my parcel', context: '{"tier":"gold"}', slices }),
      { decision_type: 'refund', input: 'where is my parcel', context: { slices, data: { tier: 'gold' } } },
    );
    assert.equal(
      replayRequest({ decision_type: 'r', input: 'x', context: 'plain note', slices }).context.data,
      'plain note',
    );
  });

  it('builds what the published request schema describes', () => {
    const built = replayRequest({ decision_type: 'refund', input: '[1,2]', context: 'x', slices: { language: 'de' } });
    assert.deepEqual(ReplayRequest.parse(built), built);
    assert.throws(() => ReplayRequest.parse({ ...built, context: { slices: {} } }), /data/);
  });
});

describe('bankVersion', () => {
  const a = {
    id: 'c0000000000000001',
    decision_type: 'refund',
    input: '{"order":42}',
    context: '',
    expected_label: 'refund_full',
  };
  const b = {
    id: 'c0000000000000002',
    decision_type: 'reship',
    input: 'where is my parcel',
    context: '{"tier":"gold"}',
    expected_label: 'reship',
  };

  it('matches sha256 of the sorted canonical lines computed outside (sha256sum)', () => {
    // printf '%s\n%s\n' '{"context":"","decision_type":"refund","expected_label":"refund_full","id":"c0000000000000001","input":"{\"order\":42}"}' \
    //   '{"context":"{\"tier\":\"gold\"}","decision_type":"reship","expected_label":"reship","id":"c0000000000000002","input":"where is my parcel"}' | sha256sum
    const expected = 'sha256:85ce36c6ff82ac4e812f3222a5d3e6c6bf7c83cd98d63864c4642c76bf16cbac';
    assert.equal(bankVersion([a, b]), expected);
    assert.equal(bankVersion([b, a]), expected, 'order of the cases does not matter');
    // printf '' | sha256sum
    assert.equal(bankVersion([]), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('ignores counts and times, and changes with what is checked', () => {
    const seen = { ...a, times_seen: 9, last_seen: 1 } as typeof a;
    assert.equal(bankVersion([seen, b]), bankVersion([a, b]));
    assert.notEqual(bankVersion([{ ...a, expected_label: 'deny' }, b]), bankVersion([a, b]));
    assert.notEqual(bankVersion([a]), bankVersion([a, b]));
  });
});
