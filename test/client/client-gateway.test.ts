// The client library (packages/client) in Node against a real gateway: the outbox survives a
// gateway that is down and a "reload" (a new client over the same storage), and what it sent
// reaches the platform exactly once, in order; a restarted client resumes from the last seq it
// holds and shows everything once.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { WebchatClient, type ClientOptions } from '../../packages/client/src/index.js';
import { MemoryStorage } from '../../packages/client/src/storage.js';
import { waitFor } from '../helpers/clients.js';
import { startGateway, tempDir, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('client library against a real gateway', { timeout: 60_000 }, () => {
  let platform: PlatformStandIn;
  const clients: WebchatClient[] = [];
  const gateways: RunningGateway[] = [];
  before(async () => {
    platform = await new PlatformStandIn().start();
  });
  after(async () => {
    for (const c of clients) c.stop();
    for (const g of gateways) await g.stop().catch(() => {});
    await platform.stop();
  });

  const client = (port: number, storage: MemoryStorage, extra: Partial<ClientOptions> = {}) => {
    const c = new WebchatClient({
      url: `http://127.0.0.1:${port}`,
      storage,
      WebSocket: WebSocket as never,
      backoff: { base: 50, max: 200 },
      ackTimeout: 3_000,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const gateway = async (port: number, db: string) => {
    const g = await startGateway({ PORT: String(port), STORE_URL: `sqlite:${db}`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN });
    gateways.push(g);
    return g;
  };

  it('messages typed while the gateway is down wait in the outbox, survive a reload, and arrive once, in order', async () => {
    const port = await freePort();
    const db = join(tempDir('wg-client-'), 'g.db');
    // First start: register, so the session exists; then the gateway goes away.
    const gw = await gateway(port, db);
    const storage = new MemoryStorage();
    const first = client(port, storage);
    first.start();
    await waitFor(() => first.status === 'online', 5_000, 'online');
    const urn = first.urn!;
    await gw.stop();
    await waitFor(() => first.status !== 'online', 5_000, 'offline');

    for (const text of ['one', 'two', 'three']) first.send(text);
    assert.deepEqual(
      first.messages().map((m) => [m.text, m.status]),
      [
        ['one', 'sending'],
        ['two', 'sending'],
        ['three', 'sending'],
      ],
    );
    assert.equal(first.outbox.pending().length, 3);
    first.stop(); // the page is reloaded while they wait
    const reloaded = client(port, storage);
    assert.deepEqual(
      reloaded.messages().map((m) => [m.text, m.status]),
      [
        ['one', 'sending'],
        ['two', 'sending'],
        ['three', 'sending'],
      ],
    );
    reloaded.start();

    await gateway(port, db); // stopped by the suite's after()
    await waitFor(() => reloaded.outbox.pending().length === 0, 10_000, 'outbox empty');
    await waitFor(() => platform.textsFrom(urn).length >= 3, 10_000, 'three at the platform');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(platform.textsFrom(urn), ['one', 'two', 'three']);
    assert.deepEqual(
      reloaded.messages().map((m) => [m.text, m.status, m.seq]),
      [
        ['one', 'sent', 1],
        ['two', 'sent', 2],
        ['three', 'sent', 3],
      ],
    );
    assert.equal(reloaded.urn, urn, 'the same session after the reload');
  });

  it('a restarted client resumes after the last seq it holds and shows each platform message once, in order', async () => {
    const port = await freePort();
    const db = join(tempDir('wg-client-'), 'g.db');
    const gw = await gateway(port, db);
    const storage = new MemoryStorage();
    const a = client(port, storage);
    a.start();
    await waitFor(() => a.status === 'online', 5_000, 'online');
    const urn = a.urn!;
    for (let i = 0; i < 10; i++) await gw.gateway.ingestPlatformMessage({ id: `p${i}`, to: urn, text: `reply ${i}`, quick_replies: [] });
    await waitFor(() => a.messages().length === 10, 5_000, 'ten delivered');
    a.stop();
    for (let i = 10; i < 25; i++)
      await gw.gateway.ingestPlatformMessage({ id: `p${i}`, to: urn, text: `reply ${i}`, quick_replies: i === 24 ? ['Yes', 'No'] : [] });
    const b = client(port, storage);
    b.start();
    await waitFor(() => b.messages().length === 25, 5_000, 'all 25');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      b.messages().map((m) => m.text),
      Array.from({ length: 25 }, (_, i) => `reply ${i}`),
    );
    assert.deepEqual(
      b.messages().map((m) => m.seq),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    assert.deepEqual(b.messages()[24]!.quickReplies, ['Yes', 'No']);
  });

  it('a client that holds no conversation reads the newest page, and loadOlder() the ones before it', async () => {
    const gw = await startGateway({});
    gateways.push(gw);
    const storage = new MemoryStorage();
    const a = client(gw.port, storage);
    a.start();
    await waitFor(() => a.status === 'online', 5_000, 'online');
    const urn = a.urn!;
    a.stop();
    for (let i = 1; i <= 130; i++) await gw.gateway.ingestPlatformMessage({ id: `h${i}`, to: urn, text: `history ${i}`, quick_replies: [] });
    await gw.gateway.store.advanceDeliveredSeq(urn, 130); // received before, so the subscription replays none
    storage.removeItem(`wg:127.0.0.1:${gw.port}:default:conversation`);
    const b = client(gw.port, storage);
    assert.equal(b.messages().length, 0, 'nothing held locally');
    b.start();
    await waitFor(() => b.messages().length === 100, 5_000, 'the newest page');
    assert.deepEqual([b.messages()[0]!.seq, b.messages()[99]!.seq], [31, 130]);
    assert.equal(await b.loadOlder(50), 30);
    assert.deepEqual(
      b.messages().map((m) => m.seq),
      Array.from({ length: 130 }, (_, i) => i + 1),
    );
    assert.equal(await b.loadOlder(50), 0, 'nothing before the first');
  });

  it('shows the demo bot typing before its answer', async () => {
    const gw = await startGateway({ DEMO_BOT_DELAY: '300ms' });
    gateways.push(gw);
    const c = client(gw.port, new MemoryStorage());
    const seen: string[] = [];
    c.on('typing', (on) => seen.push(on ? 'typing' : 'stopped'));
    c.on('message', (m) => seen.push(`message: ${m.text}`));
    c.start();
    await waitFor(() => c.status === 'online', 5_000, 'online');
    c.send('hello');
    await waitFor(() => seen.some((s) => s.startsWith('message')), 5_000, 'the answer');
    assert.deepEqual(seen, ['typing', 'stopped', 'message: You said: hello']);
  });
});
