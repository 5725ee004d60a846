// Reconnect delays: capped exponential backoff with full jitter (a random delay between half the
// exponential step and the step), so clients that lost the same gateway do not return in step.

export interface BackoffOptions {
  /** First delay, ms (default 500). */
  base?: number;
  /** Largest delay, ms (default 15 000). */
  max?: number;
  /** Source of randomness in [0, 1) (tests pass their own). */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly base: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.base = options.base ?? 500;
    this.max = options.max ?? 15_000;
    this.random = options.random ?? Math.random;
    if (!(this.base > 0) || !(this.max >= this.base)) throw new RangeError(`backoff needs 0 < base <= max, got base ${this.base}, max ${this.max}`);
  }

  /** The delay before the next attempt; each call counts an attempt. */
  next(): number {
    const step = Math.min(this.max, this.base * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(step / 2 + this.random() * (step / 2));
  }

  /** Attempts made since the last success. */
  get attempts(): number {
    return this.attempt;
  }

  /** A connection succeeded: start again from the base delay. */
  reset(): void {
    this.attempt = 0;
  }
}
