// High availability on Redis: one primary, one replica, three sentinels (real processes), three
// gateway processes on `redis+sentinel://`, 100 widgets, traffic both ways, and the primary is
// killed with SIGKILL. Counts are printed; the bound on recovery is READY_BOUND.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { spawnGateway, TEST_TOKEN, type GatewayProcess } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis-sentinel.js';

/**
 * Every node answers /readyz 200 within this long after the sentinels name the new primary.
 * (The promotion itself is Sentinel's: down-after 3 s plus an election, a few seconds; a failed
 * election is retried after 2 x failover-timeout. It must happen within PROMOTION_BOUND.)
 */
export const READY_BOUND = 10_000;
const PROMOTION_BOUND = 30_000;
const WIDGETS = 100;
/** Pause of each of the 8 traffic loops between messages (bounded load on a shared 2-core machine). */
const TRAFFIC_PAUSE = 40;
const GW_USER = 'gw';
const GW_PASS = 'gw-secret';

async function readyz(node: GatewayProcess): Promise<{ status: number; body: any }> {
  try {
    const r = await fetch(node.url + '/readyz', { signal: AbortSignal.timeout(3000) });
    return { status: r.status, body: await r.json() };
  } catch {
    return { status: 0, body: null };
  }
}

async function allReady(nodes: GatewayProcess[]): Promise<boolean> {
  const r = await Promise.all(nodes.map(readyz));
  return r.every((x) => x.status === 200);
}

/** The gateways' own Redis user (ACLs are per server, so on every server). */
async function addGatewayUser(port: number): Promise<void> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  await c.connect();
  await c.call('ACL', 'SETUSER', GW_USER, 'on', `>${GW_PASS}`, '~*', '&*', '+@all');
  c.disconnect();
}

interface Cluster {
  group: SentinelGroup;
  platform: PlatformStandIn;
  nodes: GatewayProcess[];
  widgets: V9Widget[];
  stop(): Promise<void>;
}

async function startCluster(minReplicasAck: number): Promise<Cluster> {
  const group = await startSentinelGroup({ replicas: 1, sentinels: 3 });
  for (const s of group.servers) await addGatewayUser(s.port);
  const platform = await new PlatformStandIn().start();
  const url = group.url.replace('://', `://${GW_USER}:${GW_PASS}@`);
  const env = {
    STORE_URL: url,
    REDIS_PREFIX: `wg${randomBytes(3).toString('hex')}:`,
    REDIS_MIN_REPLICAS_ACK: String(minReplicasAck),
    REDIS_REPLICA_ACK_TIMEOUT: '1s',
    PLATFORM_URL: platform.url,
    WEBHOOK_TOKEN: TEST_TOKEN,
    PLATFORM_TIMEOUT: '1s',
    LOG_LEVEL: 'info',
  };
  const nodes = await Promise.all([0, 1, 2].map(() => spawnGateway(env)));
  const widgets = Array.from({ length: WIDGETS }, (_, i) => new V9Widget(nodes[i % 3]!.port));
  await Promise.all(
    widgets.map(async (w) => {
      const r = await w.register();
      assert.ok(r.urn, `registered: ${JSON.stringify(r)}`);
      await w.subscribeAndWait();
    }),
  );
  return {
    group,
    platform,
    nodes,
    widgets,
    async stop() {
      widgets.forEach((w) => w.close());
      await Promise.all(nodes.map((n) => n.stop().catch(() => null)));
      await platform.stop();
      await group.stop();
    },
  };
}

/** Traffic in both directions, through every node, counting what was acknowledged. */
class Traffic {
  readonly ackedOut = new Map<V9Widget, { id: string; at: number }[]>();
  readonly ackedIn = new Map<V9Widget, { text: string; at: number }[]>();
  refusedOut = 0;
  refusedIn = 0;
  private running = true;
  private n = 0;
  private loops: Promise<void>[] = [];

  constructor(private readonly c: Cluster) {
    for (let k = 0; k < 4; k++) this.loops.push(this.outLoop(), this.inLoop());
  }

  private async outLoop(): Promise<void> {
    while (this.running) {
      const i = this.n++;
      const w = this.c.widgets[i % WIDGETS]!;
      const id = `o${i}`;
      const r = await postToGateway(this.c.nodes[i % 3]!.url, { id, text: id, to: w.urn! }, { token: TEST_TOKEN }).catch(() => ({ status: 0 }));
      if (r.status === 200) this.ackedOut.set(w, [...(this.ackedOut.get(w) ?? []), { id, at: Date.now() }]);
      else this.refusedOut++;
      await sleep(TRAFFIC_PAUSE);
    }
  }

  private async inLoop(): Promise<void> {
    while (this.running) {
      const i = this.n++;
      const w = this.c.widgets[i % WIDGETS]!;
      const text = `u${i}`;
      const r = await w.sendAck({ text, userUrn: w.urn });
      if (r.err === null) this.ackedIn.set(w, [...(this.ackedIn.get(w) ?? []), { text, at: Date.now() }]);
      else this.refusedIn++;
      await sleep(TRAFFIC_PAUSE);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

interface Outcome {
  outAcked: number;
  outDelivered: number;
  outDuplicateFrames: number;
  inAcked: number;
  inForwarded: number;
  inRepeated: number;
  /** Acknowledged before recovery and never delivered / forwarded. */
  lost: string[];
  /** /readyz checks of the nodes when recovery was last looked at. */
  lastStates: unknown[];
  /** SIGKILL -> sentinels name the new primary; SIGKILL -> every node ready. */
  failoverMs: number;
  readyMs: number;
}

/** Kills the primary under traffic; returns what arrived. */
async function failoverUnderTraffic(c: Cluster, waitForAll: number): Promise<Outcome> {
  const traffic = new Traffic(c);
  await sleep(2_000);
  const old = await c.group.primary();
  const killedAt = Date.now();
  await old.kill9();
  const failoverMs = await c.group.waitForFailover(old.port, PROMOTION_BOUND);
  // The old machine comes back (empty) as a replica of the new primary, as a supervisor would
  // restart it; with REDIS_MIN_REPLICAS_ACK=1 writes are acknowledged again once it is in sync.
  const newPort = await c.group.primaryPort();
  const back = await startRedisServer({ port: old.port, replicaOf: newPort });
  c.group.servers.push(back);
  await addGatewayUser(back.port);
  let readyMs = -1;
  let lastStates: unknown[] = [];
  while (Date.now() - killedAt < failoverMs + READY_BOUND + 10_000) {
    lastStates = (await Promise.all(c.nodes.map(readyz))).map((r) => r.body?.checks ?? r.status);
    if ((await allReady(c.nodes)) && (await sleep(300), await allReady(c.nodes))) {
      readyMs = Date.now() - killedAt;
      break;
    }
    await sleep(100);
  }
  await sleep(2_000); // traffic after the recovery too
  await traffic.stop();
  await c.group.waitForReplicas(1); // the restarted machine holds a copy again

  const seenOut = (w: V9Widget) => new Set(w.received.map((m) => m.id));
  const forwarded = (w: V9Widget) => new Set(c.platform.textsFrom(w.urn!));
  const allArrived = () =>
    c.widgets.every(
      (w) => (traffic.ackedOut.get(w) ?? []).every((m) => seenOut(w).has(m.id)) && (traffic.ackedIn.get(w) ?? []).every((m) => forwarded(w).has(m.text)),
    );
  await waitFor(allArrived, waitForAll, 'every acknowledged message').catch(() => undefined);

  const o: Outcome = {
    outAcked: 0,
    outDelivered: 0,
    outDuplicateFrames: 0,
    inAcked: 0,
    inForwarded: 0,
    inRepeated: 0,
    lost: [],
    lastStates,
    failoverMs,
    readyMs,
  };
  for (const w of c.widgets) {
    const ids = w.received.map((m) => m.id);
    const seqOf = new Map<string, number>();
    for (const m of w.received) {
      // Stored once: every copy of an id carries the same seq.
      assert.equal(seqOf.get(m.id) ?? m.seq, m.seq, `${m.id} stored twice (seq ${seqOf.get(m.id)} and ${m.seq})`);
      seqOf.set(m.id, m.seq);
    }
    o.outDuplicateFrames += ids.length - new Set(ids).size;
    for (const m of traffic.ackedOut.get(w) ?? []) {
      o.outAcked++;
      if (seqOf.has(m.id)) o.outDelivered++;
      else o.lost.push(`platform message ${m.id} (acknowledged ${m.at - killedAt} ms after the kill)`);
    }
    const texts = c.platform.textsFrom(w.urn!);
    o.inRepeated += texts.length - new Set(texts).size;
    for (const m of traffic.ackedIn.get(w) ?? []) {
      o.inAcked++;
      if (texts.includes(m.text)) o.inForwarded++;
      else o.lost.push(`user message ${m.text} (acknowledged ${m.at - killedAt} ms after the kill)`);
    }
  }
  console.log(
    `failover: sentinels promoted the replica ${failoverMs} ms after SIGKILL; all 3 nodes ready ${readyMs} ms after the SIGKILL, ${readyMs - failoverMs} ms after the promotion (bound ${READY_BOUND} ms)\n` +
      `  platform -> widget: ${o.outAcked} acknowledged, ${o.outDelivered} delivered, ${o.outDuplicateFrames} repeated frames (same id and seq), ${traffic.refusedOut} refused with 503\n` +
      `  widget -> platform: ${o.inAcked} acknowledged, ${o.inForwarded} forwarded, ${o.inRepeated} forwarded again (outbox at-least-once), ${traffic.refusedIn} refused with an error\n` +
      `  lost: ${o.lost.length}${o.lost.length ? ': ' + o.lost.slice(0, 10).join('; ') : ''}`,
  );
  return o;
}

describe('Sentinel failover with REDIS_MIN_REPLICAS_ACK=1', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(1);
  });
  after(async () => {
    await c?.stop();
  });

  it('delivers every acknowledged message in both directions once after the primary is killed, and every node is ready again within the bound', async () => {
    const o = await failoverUnderTraffic(c, 45_000);
    assert.ok(
      o.readyMs > 0 && o.readyMs - o.failoverMs <= READY_BOUND,
      `all nodes ready within ${READY_BOUND} ms (took ${o.readyMs}; last /readyz: ${JSON.stringify(o.lastStates)})`,
    );
    assert.ok(o.outAcked > 0 && o.inAcked > 0, 'traffic was acknowledged in both directions');
    assert.deepEqual(o.lost, [], 'nothing acknowledged is lost');
    assert.equal(o.outDelivered, o.outAcked);
    assert.equal(o.inForwarded, o.inAcked);
  });

  it('reports not ready while a node cannot re-establish its subscriber, and recovers by itself', async () => {
    const primary = await c.group.primary();
    const admin = new Redis({ host: '127.0.0.1', port: primary.port, lazyConnect: true });
    await admin.connect();
    try {
      const w = c.widgets[1]!; // on node 1
      // The gateways' user may no longer use channels: its subscribers are cut and cannot
      // subscribe again; the store (no channels) keeps working.
      await admin.call('ACL', 'SETUSER', GW_USER, 'resetchannels');
      await admin.call('CLIENT', 'KILL', 'USER', GW_USER, 'TYPE', 'pubsub').catch(() => 0);
      const deafSince = Date.now();
      let states: { status: number; body: any }[] = [];
      while (Date.now() - deafSince < 15_000) {
        states = await Promise.all(c.nodes.map(readyz));
        if (states.every((s) => s.status === 503)) break;
        await sleep(200);
      }
      assert.ok(
        states.every((s) => s.status === 503),
        `every node not ready: ${JSON.stringify(states.map((s) => s.body))}`,
      );
      assert.ok(
        states.every((s) => s.body.checks.store === 'ok'),
        'the store still answers; the subscriber is what fails',
      );
      // A platform message is accepted (stored) meanwhile; pub/sub cannot carry it.
      const r = await postToGateway(c.nodes[0]!.url, { id: 'while-deaf', text: 'while deaf', to: w.urn! }, { token: TEST_TOKEN });
      assert.equal(r.status, 200);
      // It stays not ready as long as the subscriber cannot come back.
      for (let i = 0; i < 10; i++) {
        await sleep(300);
        assert.ok(
          (await Promise.all(c.nodes.map(readyz))).every((s) => s.status === 503),
          'still not ready',
        );
      }
      await admin.call('ACL', 'SETUSER', GW_USER, 'allchannels');
      const restoredAt = Date.now();
      let ready = false;
      while (!ready && Date.now() - restoredAt < 20_000) {
        ready = await allReady(c.nodes);
        if (!ready) await sleep(200);
      }
      assert.ok(ready, `every node ready again by itself: ${JSON.stringify((await Promise.all(c.nodes.map(readyz))).map((x) => x.body))}`);
      // The resync after resubscribing delivers what was stored while the node was deaf.
      await waitFor(() => w.received.some((m) => m.id === 'while-deaf'), 10_000, 'delivered after the subscriber recovered');
      console.log(
        `subscriber cut: not ready throughout; ready ${Date.now() - restoredAt} ms after channels were allowed again, and the message stored meanwhile delivered`,
      );
    } finally {
      await admin.call('ACL', 'SETUSER', GW_USER, 'allchannels').catch(() => null);
      admin.disconnect();
    }
  });
});

describe('Sentinel failover with REDIS_MIN_REPLICAS_ACK=0 (asynchronous replication)', () => {
  it('recovers by itself and reports what an acknowledged write lost with the old primary', async () => {
    const c = await startCluster(0);
    try {
      const o = await failoverUnderTraffic(c, 20_000);
      assert.ok(
        o.readyMs > 0 && o.readyMs - o.failoverMs <= READY_BOUND,
        `all nodes ready within ${READY_BOUND} ms (took ${o.readyMs}; last /readyz: ${JSON.stringify(o.lastStates)})`,
      );
      // Losing writes acknowledged just before the kill is allowed here (README); what was
      // acknowledged after the recovery must all arrive.
      assert.ok(
        o.lost.every((l) => Number(/acknowledged (-?\d+) ms/.exec(l)![1]) < o.readyMs),
        `only writes from before the recovery may be lost: ${o.lost.join('; ')}`,
      );
      console.log(`REDIS_MIN_REPLICAS_ACK=0: ${o.lost.length} acknowledged messages lost of ${o.outAcked + o.inAcked}`);
    } finally {
      await c.stop();
    }
  });
});
