/**
 * A trace's uniform draw in [0, 1), derived from its id so that a replayed
 * Kafka batch is decided exactly as the first delivery was. Two FNV-1a lanes
 * (different bases and multipliers) each finished with murmur3's fmix32:
 * FNV alone leaves sequential ids ('…01', '…02') close together in the high
 * bits, and the finaliser spreads them. 32 + 21 bits fill a double's mantissa.
 * No crypto: this is on the sampler's hot path.
 */
export function traceUniform(traceId: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < traceId.length; i++) {
    const c = traceId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (fmix32(a) >>> 0) * 2 ** -32 + (fmix32(b) >>> 11) * 2 ** -53;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
