import type { EvalsetManifest } from '@livegrade/core';
import { renderRows } from '../table.ts';
import type { ExportResult } from './export.ts';

/** What `evalset export` prints: the totals, a row per slice, what fell short or was left out, the files. */
export function renderExport({ manifest: m, jsonlPath, manifestPath }: ExportResult): string {
  const lines: string[] = [];
  const split = (s: { hard: number; easy: number }) => `${s.hard + s.easy} (${s.hard} hard, ${s.easy} easy)`;
  lines.push(
    `exported eval set "${m.name}": ${m.items} items in ${m.counts.slices.length} slices, dev ${split(m.counts.dev)}, holdout ${split(m.counts.holdout)}`,
  );
  lines.push(`candidates from ${m.filters.from} to ${m.filters.to}, seed ${m.seed}, slices by ${sliceBy(m)}`);
  if (m.rotated_from) {
    const r = m.rotated_from;
    lines.push(
      `rotated from "${r.name}" (${r.content_hash}): ${r.replaced} dev items replaced with fresh ones, ${r.kept} kept, every held-out item kept`,
    );
    if (r.new_slices.length > 0) {
      lines.push(`not added (new since "${r.name}", a rotation keeps its slices): ${r.new_slices.join(', ')}`);
    }
  }
  const rows = m.counts.slices.map((s) => ({
    slice: s.slice,
    dev_hard: s.items.dev.hard,
    dev_easy: s.items.dev.easy,
    holdout_hard: s.items.holdout.hard,
    holdout_easy: s.items.holdout.easy,
    ...(m.rotated_from ? { replaced: (s.rotation?.replaced.hard ?? 0) + (s.rotation?.replaced.easy ?? 0) } : {}),
    note: s.too_small ? `too small: ${s.short.join('; ')}` : '',
  }));
  const numeric = ['dev_hard', 'dev_easy', 'holdout_hard', 'holdout_easy', 'replaced'];
  lines.push(renderRows(rows, numeric).trimEnd());
  if (m.too_small.length > 0) {
    lines.push(
      `${m.too_small.length} slice${m.too_small.length === 1 ? ' is' : 's are'} too small: the shortfall is left empty, not filled from other strata`,
    );
  }
  if (m.excluded.no_human_label + m.excluded.no_input > 0) {
    lines.push(
      `excluded: ${m.excluded.no_human_label} sampled decisions without a human label, ${m.excluded.no_input} labelled without a recorded input (livegrade.input)`,
    );
  }
  lines.push(`wrote ${jsonlPath} (${m.content_hash})`, `      ${manifestPath}`);
  return `${lines.join('\n')}\n`;
}

function sliceBy(m: EvalsetManifest): string {
  return ['decision_type', ...m.params.slice_by].join(', ');
}
