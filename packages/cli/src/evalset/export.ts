import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { EvalPayload } from '@livegrade/core';
import {
  buildManifest,
  contentHash,
  type EvalCandidates,
  type EvalItem,
  type EvalsetManifest,
  type EvalsetParams,
  evalsetJsonl,
  type PreviousManifest,
  parseEvalsetJsonl,
  parseManifest,
  type RotatedFrom,
  rotateEvalset,
  type Selection,
  selectEvalset,
} from '@livegrade/core';
import type { Operations } from '@livegrade/ops';
import { UsageError } from '../usage.ts';
import { DEFAULTS, type ExportOptions } from './options.ts';

/** What stops an export besides its flags (files, an empty window): exit 1 with the message. */
export class EvalsetExportError extends Error {
  override name = 'EvalsetExportError';
}

export interface ExportResult {
  manifest: EvalsetManifest;
  jsonlPath: string;
  manifestPath: string;
}

interface Previous {
  manifest: PreviousManifest;
  items: EvalItem[];
}

/** An export checked against the files before any store is opened: a mistake there costs nothing. */
export interface ExportPlan {
  opts: ExportOptions;
  previous: Previous | undefined;
  wanted: Omit<EvalsetParams, 'slice_by'> & { slice_by: string[] | undefined };
  file: string;
  jsonlPath: string;
  manifestPath: string;
}

/**
 * Reads the previous set of a rotation (its JSONL must still match its
 * manifest) and refuses to overwrite an eval set: a name is a version, and
 * a manifest's hash must keep describing its file.
 */
export async function planExport(opts: ExportOptions): Promise<ExportPlan> {
  const previous = opts.rotate ? await readPrevious(opts.rotate.manifest) : undefined;
  const wanted = paramsOf(opts, previous?.manifest);
  const file = `${opts.name}.jsonl`;
  const jsonlPath = join(opts.out, file);
  const manifestPath = join(opts.out, `${opts.name}.manifest.json`);
  for (const p of [jsonlPath, manifestPath]) {
    if (await exists(p)) {
      throw new EvalsetExportError(`${p} exists: an eval set is never overwritten, pick another --name or --out`);
    }
  }
  return { opts, previous, wanted, file, jsonlPath, manifestPath };
}

/**
 * Exports a planned eval set: candidates from the source, chosen (or
 * rotated from the previous set) in core, payloads read for the chosen
 * ones, then the JSONL and its manifest written beside each other.
 */
export async function exportEvalset(
  ops: Pick<Operations, 'evalsetCandidates' | 'evalsetPayloads'>,
  plan: ExportPlan,
  now = Date.now(),
): Promise<ExportResult> {
  const { opts, previous, wanted, file, jsonlPath, manifestPath } = plan;
  const candidates = await ops.evalsetCandidates({
    from: opts.from,
    to: opts.to,
    ...(wanted.slice_by === undefined ? {} : { slice_by: [...wanted.slice_by] }),
  });
  const params: EvalsetParams = { ...wanted, slice_by: candidates.slice_by };
  let selection: Selection;
  let rotatedFrom: RotatedFrom | null = null;
  if (previous && opts.rotate) {
    const rotated = rotateEvalset(previous.items, candidates.rows, {
      fraction: opts.rotate.fraction,
      seed: params.seed,
      holdout: params.holdout,
    });
    selection = rotated;
    rotatedFrom = {
      name: previous.manifest.name,
      manifest: opts.rotate.manifest,
      content_hash: previous.manifest.content_hash,
      fraction: opts.rotate.fraction,
      replaced: rotated.chosen.length,
      kept: rotated.kept.length,
      new_slices: rotated.new_slices,
    };
  } else {
    selection = selectEvalset(candidates.rows, params);
  }

  const payloads = await payloadsOf(
    ops,
    selection.chosen.map((c) => ({ decision_id: c.decision_id, trace_id: c.trace_id })),
  );
  const items: EvalItem[] = [...selection.kept];
  for (const c of selection.chosen) {
    const p = payloads.get(c.decision_id);
    // the candidates query required a kept decision span with an input; only a concurrent deletion gets here
    if (!p)
      throw new Error(
        `decision ${c.decision_id} (trace ${c.trace_id}) lost its kept spans during the export; run it again`,
      );
    items.push({ ...c, ...p });
  }
  if (items.length === 0) throw new EvalsetExportError(nothingToExport(candidates));
  const jsonl = evalsetJsonl(items);
  const manifest = buildManifest({
    name: opts.name,
    createdAt: now,
    file,
    contentHash: contentHash(jsonl),
    items,
    candidates,
    params,
    slices: selection.slices,
    rotatedFrom,
  });
  await mkdir(opts.out, { recursive: true });
  await writeFile(jsonlPath, jsonl, { flag: 'wx' });
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return { manifest, jsonlPath, manifestPath };
}

/**
 * A rotation keeps the previous set's shape: its quotas, holdout and
 * slicing. A flag that asks for another is refused rather than ignored.
 */
function paramsOf(
  opts: ExportOptions,
  previous: PreviousManifest | undefined,
): Omit<EvalsetParams, 'slice_by'> & { slice_by: string[] | undefined } {
  if (!previous) {
    return {
      per_slice: opts.perSlice ?? DEFAULTS.perSlice,
      hard_share: opts.hardShare ?? DEFAULTS.hardShare,
      holdout: opts.holdout ?? DEFAULTS.holdout,
      seed: opts.seed,
      slice_by: opts.sliceBy,
    };
  }
  const p = previous.params;
  const clash = (flag: string, given: unknown, was: unknown) => {
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(was)) {
      throw new UsageError(
        `${flag} ${String(given)} differs from the previous set's ${String(was) || '(none)'}: a rotation keeps the set's ${flag.slice(2)}; drop the flag`,
      );
    }
  };
  clash('--per-slice', opts.perSlice, p.per_slice);
  clash('--hard-share', opts.hardShare, p.hard_share);
  clash('--holdout', opts.holdout, p.holdout);
  clash('--slice-by', opts.sliceBy, p.slice_by);
  return {
    per_slice: p.per_slice,
    hard_share: p.hard_share,
    holdout: p.holdout,
    seed: opts.seed,
    slice_by: p.slice_by,
  };
}

/** The previous manifest and its JSONL, which must still hash to what the manifest recorded. */
async function readPrevious(manifestPath: string): Promise<Previous> {
  const text = await readFile(manifestPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--rotate-from ${manifestPath}: cannot read it (${err.code ?? err.message})`);
  });
  let manifest: PreviousManifest;
  try {
    manifest = parseManifest(JSON.parse(text));
  } catch (err) {
    throw new UsageError(`--rotate-from ${manifestPath}: ${(err as Error).message}`);
  }
  if (basename(manifest.file) !== manifest.file) {
    throw new UsageError(`--rotate-from ${manifestPath}: its file "${manifest.file}" must be a file name beside it`);
  }
  const jsonlPath = resolve(dirname(manifestPath), manifest.file);
  const bytes = await readFile(jsonlPath).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `--rotate-from ${manifestPath}: its eval set ${relative(process.cwd(), jsonlPath)} cannot be read (${err.code ?? err.message})`,
    );
  });
  const actual = contentHash(bytes);
  if (actual !== manifest.content_hash) {
    throw new EvalsetExportError(
      `${relative(process.cwd(), jsonlPath)} does not match its manifest: its content hash is ${actual}, the manifest records ${manifest.content_hash}; the file changed after export, so it cannot be rotated`,
    );
  }
  try {
    return { manifest, items: parseEvalsetJsonl(bytes.toString('utf8')) };
  } catch (err) {
    throw new EvalsetExportError(`${relative(process.cwd(), jsonlPath)}: ${(err as Error).message}`);
  }
}

function nothingToExport(c: EvalCandidates): string {
  const sampled = c.excluded.reduce((n, e) => n + e.sampled, 0);
  const unlabelled = c.excluded.reduce((n, e) => n + e.no_human_label, 0);
  const noInput = c.excluded.reduce((n, e) => n + e.no_input, 0);
  const window = `between ${new Date(c.from).toISOString()} and ${new Date(c.to).toISOString()}`;
  return sampled === 0
    ? `no sampled decisions ${window}: nothing to export (widen --from/--to)`
    : `none of the ${sampled} sampled decisions ${window} can be an item: ${unlabelled} have no human label, ${noInput} no recorded input (livegrade.input)`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The API refuses bodies over 1 MiB; a ref is under 200 bytes. */
const REFS_PER_REQUEST = 2_000;

async function payloadsOf(
  ops: Pick<Operations, 'evalsetPayloads'>,
  refs: Array<{ decision_id: string; trace_id: string }>,
): Promise<Map<string, EvalPayload>> {
  const out = new Map<string, EvalPayload>();
  for (let i = 0; i < refs.length; i += REFS_PER_REQUEST) {
    const { payloads } = await ops.evalsetPayloads({ refs: refs.slice(i, i + REFS_PER_REQUEST) });
    for (const [id, p] of Object.entries(payloads)) out.set(id, p);
  }
  return out;
}
