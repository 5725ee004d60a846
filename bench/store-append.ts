// Store cost in isolation: µs per appendOutbound, 1,000 sessions round-robin, with 1, 10 or 50
// appends in flight (the group commit takes what arrives in one turn of the event loop).
//   npm run build && node dist/bench/store-append.js [--store=sqlite|memory] [--total=30000]
// Not part of `npm run bench`; the number moves with the disk and whatever else runs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.js';

const arg = (k: string, d: string): string => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const kind = arg('store', 'sqlite');
const total = Number(arg('total', '30000'));
const SESSIONS = 1000;

const dir = mkdtempSync(join(os.tmpdir(), 'wg-store-append-'));
const store = await openStore(kind === 'memory' ? 'memory:' : `sqlite:${join(dir, 'append.db')}`);
try {
  for (let i = 0; i < SESSIONS; i++)
    await store.createSession({ urn: `u${i}`, channelUuid: '00000000-0000-4000-8000-000000000001', hostApi: null, createdAt: Date.now() });
  let id = 0;
  for (const inFlight of [1, 10, 50]) {
    const start = performance.now();
    for (let k = 0; k < total / inFlight; k++) {
      const batch = [];
      for (let i = 0; i < inFlight; i++) {
        const urn = `u${id % SESSIONS}`;
        const payload = { id: `m${id}`, to: urn, text: 'hello there', quick_replies: [], sent_at: 1_795_000_000_000.5 };
        batch.push(store.appendOutbound(urn, { id: `m${id++}`, text: 'hello there', payload, createdAt: Date.now() }));
      }
      await Promise.all(batch);
    }
    console.log(`${kind} appendOutbound, ${inFlight} in flight: ${(((performance.now() - start) * 1000) / total).toFixed(1)} µs each`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
