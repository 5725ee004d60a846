// One at a time per key, within this process: what a check-then-write on one session's data
// needs when two of its events can run at once (two tabs, a resend racing the original).

export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call with the same key has settled; its result or error is the caller's. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    // The map only holds keys with work queued or running.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
