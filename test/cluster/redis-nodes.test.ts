// Several gateway processes on one Redis: one population of widgets, no sticky sessions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sleep, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { spawnGateway, tempDir, TEST_TOKEN, type GatewayProcess } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

function nodeEnv(redis: RedisServer, platform: PlatformStandIn, prefix: string): Record<string, string> {
  return {
    STORE_URL: redis.url,
    REDIS_PREFIX: prefix,
    PLATFORM_URL: platform.url,
    WEBHOOK_TOKEN: TEST_TOKEN,
    PLATFORM_TIMEOUT: '1s',
    LOG_LEVEL: 'info',
  };
}

async function readyz(node: GatewayProcess): Promise<number> {
  try {
    return (await fetch(node.url + '/readyz', { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}

function assertInOrder(w: V9Widget, ids: string[], label: string): void {
  const seen = new Set<string>();
  const unique = w.received.filter((m) => (seen.has(m.id) ? false : (seen.add(m.id), true)));
  assert.deepEqual(
    unique.map((m) => m.id),
    ids,
    label,
  );
  const seqs = unique.map((m) => m.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    `${label}: seq order`,
  );
}

describe('three gateway processes on one Redis', () => {
  let redis: RedisServer;
  let platform: PlatformStandIn;
  let nodes: GatewayProcess[];
  const prefix = `wg${randomBytes(3).toString('hex')}:`;

  before(async () => {
    redis = await startRedisServer();
    platform = await new PlatformStandIn().start();
    nodes = await Promise.all([0, 1, 2].map(() => spawnGateway(nodeEnv(redis, platform, prefix))));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => null)));
    await platform.stop();
    await redis.stop();
  });

  it('delivers every message posted to any node to 100 widgets spread across the nodes, in order', async () => {
    const widgets = Array.from({ length: 100 }, (_, i) => new V9Widget(nodes[i % 3]!.port));
    await Promise.all(
      widgets.map(async (w) => {
        await w.register();
        await w.subscribeAndWait();
      }),
    );
    const expected = new Map<V9Widget, string[]>();
    let k = 0;
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        widgets.map(async (w, i) => {
          const id = `m-${i}-${round}`;
          const node = nodes[k++ % 3]!;
          const r = await postToGateway(node.url, { id, text: id, to: w.urn! }, { token: TEST_TOKEN });
          assert.equal(r.status, 200);
          expected.set(w, [...(expected.get(w) ?? []), id]);
        }),
      );
    }
    await waitFor(() => widgets.every((w) => new Set(w.received.map((m) => m.id)).size === 5), 20_000, 'all 500 messages');
    widgets.forEach((w, i) => assertInOrder(w, expected.get(w)!, `widget ${i}`));
    widgets.forEach((w) => w.close());
  });

  it('lets a widget move to another node with its token and get what was sent meanwhile', async () => {
    const jar = new TokenJar();
    const w1 = new V9Widget(nodes[0]!.port, { jar });
    const { urn } = await w1.register();
    await w1.subscribeAndWait(urn);
    await postToGateway(nodes[1]!.url, { id: 'before', text: 'before', to: urn }, { token: TEST_TOKEN });
    await waitFor(() => w1.received.length === 1, 5000, 'first message on node 1');
    await sleep(200); // let the receipt ping prove it
    w1.close();
    for (let i = 0; i < 5; i++) await postToGateway(nodes[2]!.url, { id: `away-${i}`, text: 'x', to: urn }, { token: TEST_TOKEN });
    const w2 = new V9Widget(nodes[1]!.port, { jar });
    await w2.subscribeAndWait(urn);
    await waitFor(() => w2.received.length >= 5, 5000, 'replay on node 2');
    assertInOrder(w2, ['away-0', 'away-1', 'away-2', 'away-3', 'away-4'], 'moved widget');
    // And speaking through the new node still reaches the platform.
    w2.send('from node 2', urn);
    await waitFor(() => platform.textsFrom(urn).includes('from node 2'), 5000, 'forwarded');
    w2.close();
  });

  it('forwards user messages from all nodes in order per session (one shared outbox)', async () => {
    const jar = new TokenJar();
    const a = new V9Widget(nodes[0]!.port, { jar });
    const { urn } = await a.register();
    await waitFor(() => jar.token !== null, 3000, 'token');
    const b = new V9Widget(nodes[2]!.port, { jar });
    for (let i = 0; i < 20; i++) {
      const r = await (i % 2 ? b : a).sendAck({ text: `u${i}`, userUrn: urn });
      assert.equal(r.err, null);
    }
    await waitFor(() => platform.textsFrom(urn).length === 20, 10_000, '20 forwarded');
    assert.deepEqual(
      platform.textsFrom(urn),
      Array.from({ length: 20 }, (_, i) => `u${i}`),
    );
    a.close();
    b.close();
  });
});

describe('a node dies (kill -9)', () => {
  it('loses nothing: its widgets resume on another node and its outbox work is taken over', async () => {
    const redis = await startRedisServer();
    // The platform is slow for the first node's calls, so its outbox holds leased work when it dies.
    const platform = await new PlatformStandIn().start();
    const prefix = `wg${randomBytes(3).toString('hex')}:`;
    const env = nodeEnv(redis, platform, prefix);
    const [n1, n2] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
    try {
      const widgets = Array.from({ length: 10 }, () => new V9Widget(n1.port, { jar: new TokenJar() }));
      for (const w of widgets) {
        await w.register();
        await w.subscribeAndWait();
      }
      platform.responder = () => ({ status: 503 }); // nothing is accepted while n1 lives
      const acked = new Map<string, string[]>();
      for (const [i, w] of widgets.entries()) {
        for (let j = 0; j < 5; j++) {
          const r = await w.sendAck({ text: `w${i}-${j}`, userUrn: w.urn });
          if (r.err === null) acked.set(w.urn!, [...(acked.get(w.urn!) ?? []), `w${i}-${j}`]);
        }
      }
      const sent = new Map<string, string[]>();
      const posting = (async () => {
        for (let j = 0; j < 20; j++) {
          for (const [i, w] of widgets.entries()) {
            const id = `p${i}-${j}`;
            const node = j % 2 ? n2 : n1;
            const r = await postToGateway(node.url, { id, text: id, to: w.urn! }, { token: TEST_TOKEN }).catch(() => ({ status: 0 }));
            if (r.status === 200) sent.set(w.urn!, [...(sent.get(w.urn!) ?? []), id]);
          }
        }
      })();
      await sleep(300);
      await n1.kill9();
      await posting;
      platform.responder = () => undefined; // the platform recovers
      // A load balancer sends them to the surviving node; they come back with their tokens.
      const moved = widgets.map((w) => new V9Widget(n2.port, { jar: w.jar }));
      await Promise.all(moved.map((m, i) => m.subscribeAndWait(widgets[i]!.urn)));
      for (const [i, m] of moved.entries()) {
        const urn = widgets[i]!.urn!;
        const want = sent.get(urn) ?? [];
        await waitFor(
          () => want.every((id) => m.received.some((x) => x.id === id) || widgets[i]!.received.some((x) => x.id === id)),
          20_000,
          `platform messages of widget ${i}`,
        );
      }
      // User messages the dead node had accepted reach the platform, in order (lease expiry, then n2).
      for (const [urn, texts] of acked) {
        await waitFor(() => texts.every((t) => platform.textsFrom(urn).includes(t)), 30_000, `user messages of ${urn}`);
        const firstSeen = [...new Set(platform.textsFrom(urn))];
        assert.deepEqual(
          firstSeen.filter((t) => texts.includes(t)),
          texts,
          'in order per session',
        );
      }
      const total = [...sent.values()].reduce((n, l) => n + l.length, 0);
      console.log(
        `kill -9 one node: ${total} platform messages acknowledged, all delivered; ${[...acked.values()].flat().length} user messages acknowledged, all forwarded`,
      );
      moved.forEach((m) => m.close());
      widgets.forEach((w) => w.close());
    } finally {
      await n2.stop();
      await platform.stop();
      await redis.stop();
    }
  });
});

describe('Redis trouble', () => {
  it('reports not ready while Redis is paused, then recovers by itself and loses nothing acknowledged', async () => {
    const redis = await startRedisServer();
    const platform = await new PlatformStandIn().start();
    const env = nodeEnv(redis, platform, `wg${randomBytes(3).toString('hex')}:`);
    const [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
    try {
      const w = new V9Widget(a.port, { autoReconnect: true });
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      assert.equal(await readyz(a), 200);
      const pause = redis.pause(5000);
      await sleep(300);
      const acked: string[] = [];
      const during = (async () => {
        for (let i = 0; i < 5; i++) {
          const r = await postToGateway(b.url, { id: `d${i}`, text: 'during', to: urn }, { token: TEST_TOKEN }).catch(() => ({ status: 0 }));
          if (r.status === 200) acked.push(`d${i}`);
          else assert.ok([0, 503].includes(r.status), `refused clearly (${r.status})`);
        }
      })();
      let sawNotReady = false;
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !sawNotReady) {
        if ((await readyz(a)) === 503) sawNotReady = true;
        await sleep(200);
      }
      assert.ok(sawNotReady, '/readyz answered 503 while Redis was paused');
      await pause;
      await during;
      let ready = false;
      for (let i = 0; i < 50 && !ready; i++) {
        ready = (await readyz(a)) === 200 && (await readyz(b)) === 200;
        if (!ready) await sleep(200);
      }
      assert.ok(ready, 'both nodes ready again without a restart');
      const r = await postToGateway(b.url, { id: 'after', text: 'after', to: urn }, { token: TEST_TOKEN });
      assert.equal(r.status, 200);
      await waitFor(() => [...acked, 'after'].every((id) => w.received.some((m) => m.id === id)), 15_000, 'acknowledged messages delivered');
      assert.equal(w.state, 'open', 'the socket stayed open');
      w.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await platform.stop();
      await redis.stop();
    }
  });

  it('answers 503 while Redis is unreachable, keeps sockets open, and resumes by itself', async () => {
    const redis = await startRedisServer();
    const proxy = await new TcpProxy(redis.port).start();
    const platform = await new PlatformStandIn().start();
    const env = { ...nodeEnv(redis, platform, `wg${randomBytes(3).toString('hex')}:`), STORE_URL: `redis://127.0.0.1:${proxy.port}` };
    const node = await spawnGateway(env);
    try {
      const w = new V9Widget(node.port, { autoReconnect: true });
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      proxy.block();
      const started = Date.now();
      const r = await postToGateway(node.url, { id: 'cut-1', text: 'while cut', to: urn }, { token: TEST_TOKEN });
      assert.equal(r.status, 503, 'the platform is told to retry');
      assert.equal(r.body.error, 'WG_ERR_STORE_UNAVAILABLE');
      assert.ok(Date.now() - started < 10_000, 'answered, not hung');
      let notReady = false;
      for (let i = 0; i < 30 && !notReady; i++) {
        notReady = (await readyz(node)) === 503;
        if (!notReady) await sleep(200);
      }
      assert.ok(notReady, '/readyz is 503 while Redis is unreachable');
      const refused = await w.sendAck({ text: 'cannot be stored', userUrn: urn });
      assert.equal(refused.err?.name, 'WG_ERR_STORE_UNAVAILABLE', 'the widget gets a clear error');
      assert.equal(w.state, 'open', 'the socket stays open');
      proxy.unblock();
      let ready = false;
      for (let i = 0; i < 50 && !ready; i++) {
        ready = (await readyz(node)) === 200;
        if (!ready) await sleep(200);
      }
      assert.ok(ready, 'ready again by itself');
      assert.equal((await postToGateway(node.url, { id: 'cut-2', text: 'after', to: urn }, { token: TEST_TOKEN })).status, 200);
      await waitFor(() => w.received.some((m) => m.id === 'cut-2'), 10_000, 'delivered after recovery');
      w.close();
    } finally {
      await node.stop();
      await proxy.stop();
      await platform.stop();
      await redis.stop();
    }
  });

  it('carries on after Redis restarts from its own persistence', async () => {
    const dir = tempDir('wg-redis-aof-');
    let redis = await startRedisServer({ appendonly: true, dir });
    const port = redis.port;
    const platform = await new PlatformStandIn().start();
    const env = nodeEnv(redis, platform, `wg${randomBytes(3).toString('hex')}:`);
    const node = await spawnGateway(env);
    try {
      const w = new V9Widget(node.port, { autoReconnect: true, jar: new TokenJar() });
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      assert.equal((await postToGateway(node.url, { id: 'r1', text: 'before restart', to: urn }, { token: TEST_TOKEN })).status, 200);
      await waitFor(() => w.received.length === 1, 5000, 'first');
      await redis.stop();
      redis = await startRedisServer({ appendonly: true, dir, port });
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await postToGateway(node.url, { id: 'r2', text: 'after restart', to: urn }, { token: TEST_TOKEN }).catch(() => ({ status: 0 }))).status;
        if (status !== 200) await sleep(200);
      }
      assert.equal(status, 200, 'the session survived in Redis and the node reconnected');
      await waitFor(() => w.received.some((m) => m.id === 'r2'), 10_000, 'delivered after the restart');
      assert.deepEqual(
        w.received.map((m) => m.id).filter((id, i, all) => all.indexOf(id) === i),
        ['r1', 'r2'],
      );
      w.close();
    } finally {
      await node.stop();
      await platform.stop();
      await redis.stop();
    }
  });
});
