import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Backoff } from '../src/backoff.js';
import { WebchatClient } from '../src/client.js';
import { MemoryStorage } from '../src/storage.js';

describe('Backoff', () => {
  it('doubles from base up to max, each delay jittered within [step/2, step]', () => {
    const low = new Backoff({ base: 100, max: 1_000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 7 }, () => low.next()),
      [50, 100, 200, 400, 500, 500, 500],
    );
    const high = new Backoff({ base: 100, max: 1_000, random: () => 0.999999 });
    assert.deepEqual(
      Array.from({ length: 7 }, () => high.next()),
      [100, 200, 400, 800, 1_000, 1_000, 1_000],
    );
  });

  it('spreads clients apart: random delays differ, all within bounds', () => {
    const b = new Backoff({ base: 1_000, max: 8_000 });
    const delays = Array.from({ length: 200 }, () => {
      b.reset();
      b.next();
      b.next();
      return b.next(); // third attempt: step 4 000
    });
    assert.ok(
      delays.every((d) => d >= 2_000 && d <= 4_000),
      String(delays),
    );
    assert.ok(new Set(delays).size > 50, 'jittered');
  });

  it('reset starts again from the base delay and counts attempts', () => {
    const b = new Backoff({ base: 10, max: 100, random: () => 1 });
    b.next();
    b.next();
    assert.equal(b.attempts, 2);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 10);
  });

  it('refuses nonsense bounds', () => {
    assert.throws(() => new Backoff({ base: 0 }), RangeError);
    assert.throws(() => new Backoff({ base: 100, max: 50 }), RangeError);
  });
});

/** A WebSocket whose connection always fails, as when the gateway is down. Counts attempts. */
function unreachable(attempts: number[]) {
  return class {
    readyState = 0;
    onopen: ((e: unknown) => void) | null = null;
    onmessage: ((e: { data: unknown }) => void) | null = null;
    onclose: ((e: { code: number }) => void) | null = null;
    onerror: ((e: unknown) => void) | null = null;
    constructor(_url: string) {
      attempts.push(Date.now());
      queueMicrotask(() => {
        this.readyState = 3;
        this.onerror?.({});
        this.onclose?.({ code: 1006 });
      });
    }
    send(): void {
      throw new Error('not open');
    }
    close(): void {}
  };
}

describe('WebchatClient reconnects with capped exponential backoff (mock timers)', () => {
  it('tries again after 100, 200, 400, 800, 800 ms while the gateway is unreachable', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const attempts: number[] = [];
      const client = new WebchatClient({
        url: 'http://gateway.test',
        storage: new MemoryStorage(),
        WebSocket: unreachable(attempts),
        backoff: { base: 100, max: 800, random: () => 0.999999 },
      });
      const statuses: string[] = [];
      client.on('status', (s) => statuses.push(s));
      client.start();
      const settle = async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve();
      };
      await settle(); // the first attempt fails at t=0
      for (let t = 0; t < 2_400; t += 10) {
        mock.timers.tick(10);
        await settle();
      }
      client.stop();
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      assert.deepEqual(gaps, [100, 200, 400, 800, 800]);
      assert.ok(statuses.includes('connecting') && statuses.includes('offline'));
    } finally {
      mock.timers.reset();
    }
  });
});
