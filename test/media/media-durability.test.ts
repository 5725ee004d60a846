// Stored files outlive the process that took them (kill -9, restart on the same SQLite file) and
// are served by every gateway process on one Redis, byte for byte.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../helpers/clients.js';
import { spawnGateway, tempDir, TEST_CHANNEL, TEST_TOKEN, type GatewayProcess } from '../helpers/gateway.js';
import { dataUrl, pdf, png, sha256 } from '../helpers/media-files.js';
import { PlatformStandIn } from '../helpers/platform.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { RawWwc } from '../helpers/wwc-clients.js';

async function upload(node: GatewayProcess, platform: PlatformStandIn, from: string, type: string, kind: string, bytes: Buffer): Promise<string> {
  const c = new RawWwc(`ws://127.0.0.1:${node.port}/ws`);
  const ready = await c.register(from, `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`);
  assert.equal(ready.type, 'ready_for_message');
  c.send({ type: 'message', message: { type: kind, media: dataUrl(type, bytes) } });
  const ack = await c.next('ack', 1, 10_000);
  c.close();
  return new URL(ack.message.media_url).pathname;
}

async function fetched(base: string, path: string): Promise<{ status: number; hash: string; type: string | null }> {
  const res = await fetch(base + path);
  return { status: res.status, hash: sha256(Buffer.from(await res.arrayBuffer())), type: res.headers.get('content-type') };
}

describe('files survive the process and are shared by nodes', () => {
  it('serves a file stored before a kill -9 after restarting on the same SQLite file, and its message still reaches the platform', async () => {
    const db = join(tempDir('wg-media-crash-'), 'g.db');
    const platform = await new PlatformStandIn().start();
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN };
    let gp = await spawnGateway(env);
    try {
      const bytes = png(120, 80, [30, 90, 200]);
      const path = await upload(gp, platform, 'crash-visitor', 'image/png', 'image', bytes);
      await gp.kill9();
      gp = await spawnGateway(env, gp.port);
      assert.deepEqual(await fetched(gp.url, path), { status: 200, hash: sha256(bytes), type: 'image/png' });
      await waitFor(() => platform.received.some((r) => r.from === 'crash-visitor' && r.text.endsWith(path)), 10_000, 'the URL at the platform');
    } finally {
      await gp.stop();
      await platform.stop();
    }
  });

  it('serves a file uploaded on one node from every node on the same Redis', async () => {
    const redis = await startRedisServer();
    const platform = await new PlatformStandIn().start();
    const env = { STORE_URL: redis.url, REDIS_PREFIX: `wg${randomBytes(3).toString('hex')}:`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN };
    const nodes = await Promise.all([0, 1, 2].map(() => spawnGateway(env)));
    try {
      const bytes = pdf('Invoice 7');
      const path = await upload(nodes[1]!, platform, 'redis-visitor', 'application/pdf', 'file', bytes);
      for (const node of nodes) assert.deepEqual(await fetched(node.url, path), { status: 200, hash: sha256(bytes), type: 'application/pdf' });
      const metrics = await (await fetch(`${nodes[2]!.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`^wg_media_bytes ${bytes.length}$`, 'm'));
    } finally {
      await Promise.all(nodes.map((n) => n.stop().catch(() => null)));
      await platform.stop();
      await redis.stop();
    }
  });
});
