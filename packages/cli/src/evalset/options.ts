import type { ParseArgsOptionsConfig } from 'node:util';
import { type Flags, flagText, numberFlag, parseTime } from '../flags.ts';
import { UsageError } from '../usage.ts';

export const EXPORT_USAGE = `usage:
  livegrade evalset export --name <name> --out <dir> [--per-slice 20] [--hard-share 0.4] [--holdout 0.2] [--seed 42]
                           [--from now-30d] [--to now] [--slice-by <dim,dim>]
                           [--rotate-from <previous manifest> --fraction 0.2]
writes <dir>/<name>.jsonl and <dir>/<name>.manifest.json
times: ISO 8601 (2026-11-20T00:00:00Z), "now", or "now-<duration>" (now-30d, now-90m)
--slice-by defaults to the config's sampling.slice_by; a rotation keeps the previous set's
--per-slice, --hard-share, --holdout and --slice-by`;

/** The flags `evalset export` takes. */
export const EXPORT_FLAGS = {
  name: { type: 'string' },
  out: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'per-slice': { type: 'string' },
  'hard-share': { type: 'string' },
  holdout: { type: 'string' },
  seed: { type: 'string' },
  'slice-by': { type: 'string' },
  'rotate-from': { type: 'string' },
  fraction: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export interface ExportOptions {
  name: string;
  out: string;
  /** epoch ms, [from, to) */
  from: number;
  to: number;
  seed: number;
  /** undefined: the previous manifest's (rotation) or the defaults */
  perSlice: number | undefined;
  hardShare: number | undefined;
  holdout: number | undefined;
  /** undefined: the previous manifest's (rotation) or the config's sampling.slice_by */
  sliceBy: string[] | undefined;
  rotate: { manifest: string; fraction: number } | undefined;
}

export const DEFAULTS = { perSlice: 20, hardShare: 0.4, holdout: 0.2, seed: 42, from: 'now-30d', to: 'now' } as const;

/** Same rule as baseline names: the name becomes a file name. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const DIMENSION = /^[A-Za-z0-9_.-]+$/;

/** Checks every flag of `evalset export`; each error names the flag, what it got and what it takes. */
export function parseExportOptions(flags: Flags, now: number): ExportOptions {
  const text = (flag: string) => flagText(flags, flag);
  const name = text('name');
  if (!name) throw new UsageError(`--name is required\n\n${EXPORT_USAGE}`);
  if (!NAME.test(name)) {
    throw new UsageError(
      `--name "${name}" is not valid: use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit (it names the files)`,
    );
  }
  const out = text('out');
  if (!out) throw new UsageError(`--out is required: the directory to write ${name}.jsonl and its manifest in`);
  const from = parseTime(text('from') ?? DEFAULTS.from, '--from', now);
  const to = parseTime(text('to') ?? DEFAULTS.to, '--to', now);
  if (from >= to) {
    throw new UsageError(
      `--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()}): an eval set covers [from, to)`,
    );
  }
  const rotateFrom = text('rotate-from');
  const fractionText = text('fraction');
  if (fractionText !== undefined && rotateFrom === undefined) {
    throw new UsageError('--fraction is the share of dev items a rotation replaces: it needs --rotate-from <manifest>');
  }
  if (rotateFrom !== undefined && fractionText === undefined) {
    throw new UsageError('--rotate-from needs --fraction: the share (0 to 1) of dev items to replace, e.g. 0.2');
  }
  if (rotateFrom === '') throw new UsageError('--rotate-from is empty: give the previous manifest file');
  const sliceByText = text('slice-by');
  return {
    name,
    out,
    from,
    to,
    seed: numberFlag(flags, 'seed', SEED) ?? DEFAULTS.seed,
    perSlice: numberFlag(flags, 'per-slice', PER_SLICE),
    hardShare: numberFlag(flags, 'hard-share', SHARE),
    holdout: numberFlag(flags, 'holdout', SHARE),
    sliceBy: sliceByText === undefined ? undefined : dimensions(sliceByText, '--slice-by'),
    rotate:
      rotateFrom === undefined
        ? undefined
        : { manifest: rotateFrom, fraction: numberFlag(flags, 'fraction', FRACTION)! },
  };
}

const PER_SLICE = {
  min: 1,
  max: 1_000_000,
  integer: true,
  what: 'a whole number of items per slice, 1 or more (e.g. 20)',
};
const SHARE = { min: 0, max: 1, what: 'a share from 0 to 1 (e.g. 0.4)' };
const FRACTION = {
  min: 0,
  max: 1,
  aboveMin: true,
  what: 'the share of dev items to replace, above 0 and at most 1 (e.g. 0.2)',
};
const SEED = { min: 0, max: 0xffff_ffff, integer: true, what: 'a whole number from 0 to 4294967295 (e.g. 42)' };

function dimensions(v: string, flag: string): string[] {
  const dims = v
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const bad = dims.find((d) => !DIMENSION.test(d));
  if (bad !== undefined) {
    throw new UsageError(
      `${flag}: "${bad}" is not a slice dimension (letters, digits, ".", "_", "-"; e.g. language,segment)`,
    );
  }
  return [...new Set(dims.filter((d) => d !== 'decision_type'))];
}
