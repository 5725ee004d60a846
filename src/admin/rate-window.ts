/** Counts events over the last minute in one-second buckets (messages per minute on /admin/). */
export class RateWindow {
  private readonly buckets = new Float64Array(60);
  private readonly stamps = new Float64Array(60);

  constructor(private readonly now: () => number = Date.now) {}

  add(n = 1): void {
    const second = Math.floor(this.now() / 1000);
    const i = second % 60;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += n;
  }

  /** Events in the 60 seconds up to now. */
  perMinute(): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (second - this.stamps[i]! < 60) sum += this.buckets[i]!;
    return sum;
  }
}
