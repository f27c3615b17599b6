/**
 * xorshift32: a seeded sequence in [0, 1), the same on every platform, so a
 * seeded scenario (the demo, tests, benchmarks) replays the same traffic.
 * Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
