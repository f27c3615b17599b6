import { parseTime } from '../commands/baseline.ts';
import { UsageError } from '../usage.ts';

export const EXPORT_USAGE = `usage:
  livegrade evalset export --name <name> --out <dir> [--per-slice 20] [--hard-share 0.4] [--holdout 0.2] [--seed 42]
                           [--from now-30d] [--to now] [--slice-by <dim,dim>]
                           [--rotate-from <previous manifest> --fraction 0.2]
writes <dir>/<name>.jsonl and <dir>/<name>.manifest.json
times: ISO 8601 (2026-11-20T00:00:00Z), "now", or "now-<duration>" (now-30d, now-90m)
--slice-by defaults to the config's sampling.slice_by; a rotation keeps the previous set's
--per-slice, --hard-share, --holdout and --slice-by`;

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

/** The flags `evalset export` reads; main.ts parses every command's flags, so others are refused here. */
const FLAGS = new Set([
  'name',
  'out',
  'per-slice',
  'hard-share',
  'holdout',
  'seed',
  'from',
  'to',
  'slice-by',
  'rotate-from',
  'fraction',
]);

/** Same rule as baseline names: the name becomes a file name. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const DIMENSION = /^[A-Za-z0-9_.-]+$/;

type Flags = Record<string, string | boolean | undefined>;

/** Checks every flag of `evalset export`; each error names the flag, what it got and what it takes. */
export function parseExportOptions(flags: Flags, now: number): ExportOptions {
  for (const [flag, value] of Object.entries(flags)) {
    if (value !== undefined && !FLAGS.has(flag)) {
      throw new UsageError(`--${flag} is not an option of evalset export\n\n${EXPORT_USAGE}`);
    }
  }
  const text = (flag: string): string | undefined => {
    const v = flags[flag];
    if (typeof v === 'boolean') throw new UsageError(`--${flag} takes a value`);
    return v;
  };
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
  return {
    name,
    out,
    from,
    to,
    seed: optional(text('seed'), '--seed', seedOf) ?? DEFAULTS.seed,
    perSlice: optional(text('per-slice'), '--per-slice', positiveInteger),
    hardShare: optional(text('hard-share'), '--hard-share', share),
    holdout: optional(text('holdout'), '--holdout', share),
    sliceBy: optional(text('slice-by'), '--slice-by', dimensions),
    rotate:
      rotateFrom === undefined ? undefined : { manifest: rotateFrom, fraction: fraction(fractionText!, '--fraction') },
  };
}

function optional<T>(value: string | undefined, flag: string, parse: (v: string, flag: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value, flag);
}

function number(v: string, flag: string, what: string): number {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} "${v}" is not a number: it takes ${what}`);
  return n;
}

function positiveInteger(v: string, flag: string): number {
  const what = 'a whole number of items per slice, 1 or more (e.g. 20)';
  const n = number(v, flag, what);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new UsageError(`${flag} ${v}: it takes ${what}`);
  return n;
}

function share(v: string, flag: string): number {
  const what = 'a share from 0 to 1 (e.g. 0.4)';
  const n = number(v, flag, what);
  if (n < 0 || n > 1) throw new UsageError(`${flag} ${v} is outside [0, 1]: it takes ${what}`);
  return n;
}

function fraction(v: string, flag: string): number {
  const what = 'the share of dev items to replace, above 0 and at most 1 (e.g. 0.2)';
  const n = number(v, flag, what);
  if (n <= 0 || n > 1) throw new UsageError(`${flag} ${v} is outside (0, 1]: it takes ${what}`);
  return n;
}

function seedOf(v: string, flag: string): number {
  const what = 'a whole number from 0 to 4294967295 (e.g. 42)';
  const n = number(v, flag, what);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new UsageError(`${flag} ${v}: it takes ${what}`);
  return n;
}

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
