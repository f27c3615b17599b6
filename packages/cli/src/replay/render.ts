import { type CaseResult, type EvalRun, formatDuration, round, type SliceSummary, wrongLabels } from '@livegrade/core';
import type { EvalRecord } from '@livegrade/store';
import { iso, renderRows } from '../table.ts';

/**
 * How a replay's record reads: in the terminal after `bank replay`, and as
 * Markdown from `runs show` (meant to be read whole in five minutes: the
 * verdict and why first, then slices, the repeated failures, transport and
 * sign-offs). Both come from the record alone, so a record read back later
 * renders exactly as it did at the end of the replay.
 */

/** How many reasons and errors are listed before "and N more" (the JSON export has them all). */
const LISTED = 20;

export function renderReplay(record: EvalRecord): string {
  const { run, results } = record;
  const out: string[] = [];
  out.push(`replay ${run.id} against ${run.target}: ${run.verdict.toUpperCase()}`);
  out.push(
    `bank ${run.bank_version} (${plural(run.cases, 'active case')}), model version ${run.model_version || '(not declared)'}, ${params(run)}`,
  );
  out.push(run.cases === 0 ? 'the bank has no active cases: nothing was checked' : `overall: ${overall(record)}`);
  if (run.slices.length > 0) {
    out.push(
      '',
      renderRows(
        run.slices.map((s) => sliceRow(record, s)),
        ['cases', 'pass@1', `pass^${run.params.k}`, 'repeated'],
      ).trimEnd(),
    );
  }
  const repeated = results.filter((r) => r.repeated);
  if (repeated.length > 0) {
    out.push('', `past failures the candidate repeats (${repeated.length}):`);
    out.push(renderRows(repeated.map(repeatedRow), ['times_seen']).trimEnd());
  }
  const worst = run.slices[0];
  if (worst) out.push('', `worst slice: ${worst.slice} (${sliceFigures(record, worst)})`);
  out.push(`transport: ${transport(record)}`);
  out.push('', `verdict: ${run.verdict.toUpperCase()}`);
  for (const r of listed(run.reasons)) out.push(`  - ${r}`);
  out.push(`record: livegrade runs show ${run.id}`);
  return `${out.join('\n')}\n`;
}

export function renderRunMarkdown(record: EvalRecord): string {
  const { run, results } = record;
  const { k, slice_bar: bar } = run.params;
  const out: string[] = [];
  out.push(`# Replay ${run.id}: ${run.verdict.toUpperCase()}`, '');
  const signoffs = run.signoffs.map((s) => `${s.reviewer} (${iso(s.at)})`).join(', ');
  out.push(
    table(
      ['', ''],
      [
        ['verdict', `**${run.verdict.toUpperCase()}**${verdictWhy(run)}`],
        ['target', code(run.target)],
        ['model version', run.model_version || '(not declared)'],
        ['bank version', `${code(run.bank_version)} (${plural(run.cases, 'active case')})`],
        ['when', `${iso(run.started_at)} to ${iso(run.finished_at)} (${seconds(run.finished_at - run.started_at)})`],
        ['params', params(run)],
        ['overall', run.cases === 0 ? 'no cases' : overall(record)],
        ['sign-offs', signoffs || 'none'],
      ],
    ),
  );

  out.push('', '## Why', '');
  if (run.reasons.length === 0) {
    out.push(
      run.cases === 0
        ? '- the bank has no active cases: nothing was checked'
        : '- no past failure repeats and every slice is at or above the bar',
    );
  }
  for (const r of listed(run.reasons)) out.push(`- ${r}`);

  if (run.slices.length > 0) {
    out.push('', '## Slices, worst first', '');
    const rows = run.slices.map((s) => Object.values(sliceRow(record, s)).map(String));
    out.push(table(['slice', 'cases', 'pass@1', `pass^${k}`, 'repeated', `bar ${bar}`], rows));
  }

  const repeated = results.filter((r) => r.repeated);
  out.push('', '## Repeated past failures', '');
  if (repeated.length === 0) {
    out.push('None: the candidate answered every past failure it was asked right, or not at all.');
  } else {
    out.push(
      table(
        ['case', 'slice', 'expected', 'answered', 'same mistake as captured', 'times seen'],
        repeated.map((r) => Object.values(repeatedRow(r)).map(String)),
      ),
    );
  }

  const worst = run.slices[0];
  if (worst) {
    const cases = results.filter((r) => r.slice === worst.slice);
    const failing = cases.filter((r) => r.repeated || r.errors > 0 || r.runs.length < k).length;
    const belowBar = worst.below_bar ? `; below the bar of ${bar}` : '';
    out.push(
      '',
      '## Worst slice',
      '',
      `${code(worst.slice)}: ${sliceFigures(record, worst)}; ${failing} of ${plural(cases.length, 'case')} repeated, erred or were not run${belowBar}.`,
    );
  }

  out.push('', '## Transport', '', `${transport(record)}.`);
  const errors = results.flatMap((r) => r.runs.filter((x) => x.error !== null).map((x) => ({ r, x })));
  if (errors.length > 0) {
    const rows = errors.map(({ r, x }) => [r.case_id, String(x.attempt), String(x.tries), x.error!]);
    out.push('', table(['case', 'attempt', 'tries', 'error'], listedRows(rows)));
  }

  out.push('', '## Sign-offs', '');
  if (run.signoffs.length === 0) {
    out.push(`Not signed off. \`livegrade runs signoff ${run.id} --reviewer <name> --note <text>\``);
  }
  for (const s of run.signoffs) out.push(`- **${s.reviewer}**, ${iso(s.at)}: ${s.note}`);
  return `${out.join('\n')}\n`;
}

/** pass@1 is over the runs that answered: with none there is no rate to show (the record keeps 0). */
function passRate(record: EvalRecord, slice: string | null, rate: number): number | string {
  const answered = record.results.some(
    (r) => (slice === null || r.slice === slice) && r.runs.some((x) => x.label !== null),
  );
  return answered ? round(rate) : 'n/a';
}

function overall(record: EvalRecord): string {
  const { run } = record;
  const passK = `pass^${run.params.k} ${round(run.overall.pass_k)}`;
  return `pass@1 ${passRate(record, null, run.overall.pass_rate)}, ${passK}, repeated ${run.overall.repeated} of ${run.cases}`;
}

function sliceFigures(record: EvalRecord, s: SliceSummary): string {
  return `pass@1 ${passRate(record, s.slice, s.pass_rate)}, pass^${record.run.params.k} ${round(s.pass_k)}`;
}

function sliceRow(record: EvalRecord, s: SliceSummary) {
  const { k, slice_bar: bar } = record.run.params;
  return {
    slice: s.slice,
    cases: s.cases,
    'pass@1': passRate(record, s.slice, s.pass_rate),
    [`pass^${k}`]: round(s.pass_k),
    repeated: s.repeated,
    [`bar ${bar}`]: s.below_bar ? 'BELOW' : 'ok',
  };
}

function repeatedRow(r: CaseResult) {
  return {
    case: r.case_id,
    slice: r.slice,
    expected: r.expected_label,
    answered: wrongLabels(r),
    same_mistake: r.same_wrong_label ? 'yes' : 'no',
    times_seen: r.times_seen,
  };
}

function verdictWhy(run: EvalRun): string {
  const parts: string[] = [];
  if (run.reasons.some((r) => r.startsWith('replay aborted') || r.startsWith('target error')))
    parts.push('target errors');
  if (run.overall.repeated > 0) parts.push(`${plural(run.overall.repeated, 'past failure')} repeated`);
  const below = run.slices.filter((s) => s.below_bar).length;
  if (below > 0) parts.push(`${plural(below, 'slice')} below the bar`);
  return parts.length ? `: ${parts.join(', ')}` : '';
}

function params(run: EvalRun): string {
  const p = run.params;
  return `k=${p.k}, concurrency ${p.concurrency}, slice bar ${p.slice_bar}, timeout ${formatDuration(p.timeout_ms)}, retries ${p.retries}`;
}

function transport(record: EvalRecord): string {
  const t = record.run.transport;
  const planned = record.run.cases * record.run.params.k;
  const made = record.results.reduce((n, r) => n + r.runs.length, 0);
  const stopped = made < planned ? `, ${made} of ${planned} runs made before the replay stopped` : '';
  return `${plural(t.requests, 'request')}, ${plural(t.retries, 'retry', 'retries')}, ${plural(t.timeouts, 'timeout')}, ${plural(t.errors, 'run')} ended in error${stopped}`;
}

function listed(lines: readonly string[]): string[] {
  if (lines.length <= LISTED) return [...lines];
  return [...lines.slice(0, LISTED), `... and ${lines.length - LISTED} more (--format json has them all)`];
}

function listedRows(rows: string[][]): string[][] {
  if (rows.length <= LISTED) return rows;
  return [...rows.slice(0, LISTED), ['...', '', '', `and ${rows.length - LISTED} more (--format json has them all)`]];
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function code(text: string): string {
  return `\`${text}\``;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
