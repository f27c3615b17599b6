export const HOUR_MS = 3_600_000;
export const DEFAULT_RATE_WINDOW_MS = 10 * 60_000;

/**
 * Exponentially decayed event rate, O(1) state. The first event only marks
 * the start of observation: the window begins at it, so counting it as well
 * would hold one event more than the window did (a 2× over-read at the second
 * event). Later events are counted and the decayed count is divided by the
 * effective window τ(1 − e^{−(t − first)/τ}), so a young estimator neither
 * under-reads (as count/τ would) nor over-reads.
 * For evenly spaced events the estimate is exact from the second event on,
 * up to a factor 1 + Δ/2τ. Time is always passed in, in ms.
 */
export class DecayedRate {
  private s = 0;
  private last = Number.NaN;
  private first = Number.NaN;

  constructor(private readonly tauMs: number = DEFAULT_RATE_WINDOW_MS) {
    if (!(tauMs > 0)) throw new RangeError(`rate window must be > 0 ms, got ${tauMs}`);
  }

  add(t: number): void {
    if (Number.isNaN(this.first)) {
      this.first = t;
      this.last = t;
      return;
    }
    // Out-of-order times (skewed producers) count as "now" instead of rewinding the clock.
    if (t > this.last) {
      this.s *= Math.exp((this.last - t) / this.tauMs);
      this.last = t;
    }
    this.s += 1;
  }

  /** Events per hour at time t; 0 until there is a window to measure over. */
  perHour(t: number): number {
    return this.perHourAtLeast(t, 0);
  }

  /**
   * A rate the true one very likely exceeds: the decayed count less `sds`
   * times its Poisson spread √count (conservative: a decayed count varies less
   * than a plain one), per effective window. Reads low while there are few
   * events, so a young or rare stream is not mistaken for a large one.
   */
  perHourAtLeast(t: number, sds: number): number {
    const elapsed = t - this.first;
    if (!(elapsed > 0)) return 0;
    const count = t > this.last ? this.s * Math.exp((this.last - t) / this.tauMs) : this.s;
    const sure = count - sds * Math.sqrt(count);
    if (!(sure > 0)) return 0;
    const window = -this.tauMs * Math.expm1(-elapsed / this.tauMs);
    return (sure / window) * HOUR_MS;
  }
}
