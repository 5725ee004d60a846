// Stand-ins for the unit tier: a connection that records what it is sent, and a quiet logger.
// The store is the real in-memory one.
import { mock } from 'node:test';
import type { DeliveryTarget, Deliverer } from '../../src/delivery/deliverer.js';
import { createLogger } from '../../src/log/logger.js';
import { MemoryStore } from '../../src/store/memory/store.js';
import type { StoredMessage } from '../../src/store/store.js';

export const quiet = createLogger('silent');

/** Timers and Date under test control; setImmediate stays real, so `settle()` can run promises. */
export function fakeTime(): void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
}

/** Lets pending promise chains (store calls) finish without moving the fake clock. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** A connection that records the seqs it is sent and numbers its pings like a real front-end. */
export class FakeConnection implements DeliveryTarget {
  readonly sent: number[] = [];
  pings = 0;
  open = true;

  constructor(
    readonly id: string,
    private readonly deliverer: () => Deliverer,
  ) {}

  deliver(message: StoredMessage): void {
    this.sent.push(message.seq);
  }

  ping(): number {
    this.deliverer().onPing(this, ++this.pings);
    return this.pings;
  }

  congested(): boolean {
    return false;
  }

  async drained(): Promise<void> {}
}

export async function storeWithSession(urn: string): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.createSession({ urn, channelUuid: '00000000-0000-4000-8000-000000000001', hostApi: null, createdAt: 1 });
  return store;
}
