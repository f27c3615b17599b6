import { createHash } from 'node:crypto';

/**
 * Two independent uniform draws in [0, 1) from a decision id: sha256 is the
 * same everywhere and owes nothing to the seed, so a decision's split is a
 * property of the decision. `split` decides holdout membership; `order`
 * ranks held-out candidates (from another part of the digest: ranking by
 * `split` would favour ids just under the threshold in every export).
 */
export function idDraws(decisionId: string): { split: number; order: number } {
  const digest = createHash('sha256').update(decisionId, 'utf8').digest();
  return { split: unit(digest, 0), order: unit(digest, 8) };
}

/** Held out iff the id's split draw is below the holdout fraction: stable across seeds, exports and rotations. */
export function isHeldOut(decisionId: string, holdout: number): boolean {
  return idDraws(decisionId).split < holdout;
}

/** A uniform stream for one stratum: the seed and the stratum's name pick it, so strata do not share draws. */
export function streamSeed(seed: number, ...parts: string[]): number {
  return createHash('sha256')
    .update([String(seed), ...parts].join('\n'), 'utf8')
    .digest()
    .readUInt32BE(0);
}

/** 53 bits of the digest from `offset`, as a double in [0, 1). */
function unit(digest: Buffer, offset: number): number {
  return Number(digest.readBigUInt64BE(offset) >> 11n) / 2 ** 53;
}

/** `sha256:` and the hex digest, how content hashes are written in manifests. */
export function sha256Text(bytes: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
