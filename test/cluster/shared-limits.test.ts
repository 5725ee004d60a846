// Per-address limits behind several nodes: counted in Redis, so a client that spreads its
// connections over three nodes is refused at the configured total, not three times it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { sleep, V9Widget } from '../helpers/clients.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const MAX_CONNECTIONS = 6;
const MAX_REGISTRATIONS = 4;

/** A raw WebSocket upgrade from `localAddress`, claiming `forwardedFor`; open or refused. */
function connect(
  node: GatewayProcess,
  forwardedFor?: string,
  localAddress = '127.0.0.1',
): Promise<{ open: boolean; status?: number | undefined; reason?: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/socketcluster/`, { localAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
    ws.on('open', () => resolve({ open: true, ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ open: false, status: res.statusCode, reason: `${res.statusMessage} ${body}` }));
    });
    ws.on('error', (err) => resolve({ open: false, reason: err.message }));
  });
}

describe('per-address limits across three nodes on one Redis', () => {
  let redis: RedisServer;
  let nodes: GatewayProcess[];
  const sockets: WebSocket[] = [];

  before(async () => {
    redis = await startRedisServer();
    const env = {
      STORE_URL: redis.url,
      REDIS_PREFIX: `wg${randomBytes(3).toString('hex')}:`,
      MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS),
      MAX_REGISTRATIONS_PER_MINUTE: String(MAX_REGISTRATIONS),
      // The test's own address 127.0.0.1 is a trusted proxy by range; 127.0.0.9 is not.
      TRUSTED_PROXIES: '127.0.0.0/30,::1/128',
      HANDSHAKE_TIMEOUT: '60s',
    };
    nodes = await Promise.all([0, 1, 2].map(() => spawnGateway(env)));
  });
  after(async () => {
    sockets.forEach((ws) => ws.terminate());
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
  });

  /** Opens `count` connections round robin over the nodes; returns how many were let in. */
  async function roundRobin(
    count: number,
    forwardedFor: (i: number) => string | undefined,
    localAddress?: string,
  ): Promise<{ opened: number; refusals: string[] }> {
    let opened = 0;
    const refusals: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await connect(nodes[i % 3]!, forwardedFor(i), localAddress);
      if (r.open) {
        opened++;
        sockets.push(r.ws!);
      } else {
        refusals.push(`${r.status} ${r.reason}`);
      }
    }
    return { opened, refusals };
  }

  it('refuses a client spreading connections over the nodes at the configured total', async () => {
    const r = await roundRobin(12, () => '203.0.113.10');
    assert.equal(r.opened, MAX_CONNECTIONS, `${MAX_CONNECTIONS} open across three nodes, not ${3 * MAX_CONNECTIONS}`);
    assert.equal(r.refusals.length, 12 - MAX_CONNECTIONS);
    assert.ok(
      r.refusals.every((x) => x.includes('WG_ERR_TOO_MANY_CONNECTIONS')),
      r.refusals[0],
    );
    // Closing one (on whichever node) frees one place, on any node.
    const last = sockets.pop()!;
    last.close();
    await sleep(300);
    assert.equal((await roundRobin(2, () => '203.0.113.10')).opened, 1);
    console.log(`shared limit: ${MAX_CONNECTIONS} of 12 connections over 3 nodes admitted (MAX_CONNECTIONS_PER_IP=${MAX_CONNECTIONS})`);
  });

  it('counts an IPv6 /64 as one client', async () => {
    const r = await roundRobin(9, (i) => `2001:db8:aa:bb::${(i + 1).toString(16)}`);
    assert.equal(r.opened, MAX_CONNECTIONS, 'nine addresses of one /64 share one limit');
    assert.equal((await roundRobin(1, () => '2001:db8:aa:bc::1')).opened, 1, 'the next /64 is another client');
  });

  it('honours X-Forwarded-For from a trusted range and ignores it from elsewhere', async () => {
    // From 127.0.0.1 (inside 127.0.0.0/30) each forwarded address is its own client.
    const trusted = await roundRobin(9, (i) => `198.51.100.${i + 1}`);
    assert.equal(trusted.opened, 9);
    // From 127.0.0.9 (outside it) the header is ignored: all count as 127.0.0.9.
    const untrusted = await roundRobin(9, (i) => `198.51.100.${100 + i}`, '127.0.0.9');
    assert.equal(untrusted.opened, MAX_CONNECTIONS, 'forged X-Forwarded-For does not get around the limit');
  });

  it('counts registrations per minute across the nodes', async () => {
    // Widgets from 127.0.0.1 without X-Forwarded-For: the peer address counts.
    const widgets = Array.from({ length: MAX_REGISTRATIONS + 2 }, (_, i) => new V9Widget(nodes[i % 3]!.port));
    try {
      const replies = [];
      for (const w of widgets) replies.push(await w.register());
      const ok = replies.filter((r) => r.urn).length;
      assert.equal(ok, MAX_REGISTRATIONS, JSON.stringify(replies));
      assert.ok(replies.filter((r) => !r.urn).every((r) => r.error === 'WG_ERR_RATE_LIMITED'));
    } finally {
      widgets.forEach((w) => w.close());
    }
  });
});
