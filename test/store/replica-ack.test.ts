// REDIS_MIN_REPLICAS_ACK: writes that answer someone wait for a replica (WAIT), and a write no
// replica confirmed in time is an error, never a success. Real primary and replica.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ACKED_MEDIA_WRITES, ACKED_WRITES, ReplicaAck, withReplicaAck } from '../../src/store/redis/replica-ack.js';
import { RedisMediaStore } from '../../src/store/redis/media.js';
import type { MediaRecord } from '../../src/store/media-role.js';
import { png } from '../helpers/media-files.js';
import { openStore } from '../../src/store/open-store.js';
import { RedisStore } from '../../src/store/redis/store.js';
import { V9Widget } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway.js';
import { postToGateway } from '../helpers/platform.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { runStoreContract } from './store-contract.js';

let primary: RedisServer;

function mediaRecord(bytes: Buffer): MediaRecord {
  return {
    id: randomBytes(18).toString('base64url'),
    urn: 'u1',
    messageId: `m${randomBytes(4).toString('hex')}`,
    kind: 'image',
    contentType: 'image/png',
    filename: 'photo.png',
    size: bytes.length,
    createdAt: Date.now(),
  };
}
let replica: RedisServer;

async function replicaInSync(of: RedisServer = primary): Promise<void> {
  const c = new Redis(of.url);
  try {
    for (let i = 0; i < 300; i++) {
      if (/^slave0:.*state=online/m.test(await c.info('replication'))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('replica did not come online');
  } finally {
    c.disconnect();
  }
}

before(async () => {
  primary = await startRedisServer();
  replica = await startRedisServer({ replicaOf: primary.port });
  await replicaInSync();
});
after(async () => {
  await replica.stop();
  await primary.stop();
});

runStoreContract('redis with REDIS_MIN_REPLICAS_ACK=1', async () => {
  const redisPrefix = `ra${randomBytes(3).toString('hex')}:`;
  const open = () => openStore(primary.url, { redisPrefix, redisMinReplicasAck: 1 });
  const store = await open();
  return { store, cleanup: () => store.close(), reopen: open };
});

describe('replica acknowledgement', () => {
  it('wraps every acknowledged write the Redis store has (a renamed method would escape it)', () => {
    for (const name of ACKED_WRITES) assert.equal(typeof RedisStore.prototype[name], 'function', name);
    for (const name of ACKED_MEDIA_WRITES) assert.equal(typeof RedisMediaStore.prototype[name], 'function', name);
  });

  it('has an uploaded file on the replica when the media put resolves', async () => {
    const redisPrefix = `ra${randomBytes(3).toString('hex')}:`;
    const store = await openStore(primary.url, { redisPrefix, redisMinReplicasAck: 1 });
    const r = new Redis(replica.url);
    try {
      const bytes = png(32, 32);
      const record = mediaRecord(bytes);
      await store.media.put(record, bytes);
      assert.deepEqual(await r.hgetBuffer(`${redisPrefix}media:${record.id}`, 'bytes'), bytes);
    } finally {
      r.disconnect();
      await store.close();
    }
  });

  it('shares one WAIT among writes that finish while another WAIT is in flight', async () => {
    const store = new RedisStore(primary.url, { prefix: `ra${randomBytes(3).toString('hex')}:` });
    await store.init();
    const ack = new ReplicaAck((n, t) => store.waitForReplicas(n, t), 1, 1000);
    const acked = withReplicaAck(store, store, ack);
    try {
      await acked.createSession({ urn: 'u1', channelUuid: 'c', hostApi: null, createdAt: 1 });
      await Promise.all(Array.from({ length: 200 }, (_, i) => acked.appendInbound('u1', { id: `m${i}`, text: 't', createdAt: 2 })));
      const s = ack.stats();
      assert.equal(s.writes, 201);
      assert.equal(s.timeouts, 0);
      assert.ok(s.waits < s.writes / 4, `${s.waits} WAITs for ${s.writes} writes`);
      // What was acknowledged is on the replica.
      const r = new Redis(replica.url);
      const keys = await r.keys('*msgs:u1');
      assert.equal(await r.zcard(keys[0]!), 200);
      r.disconnect();
    } finally {
      await store.close();
    }
  });
});

describe('a write no replica confirms', () => {
  it('is WG_ERR_NOT_REPLICATED for the platform (503) and for the widget, not a success', async () => {
    const lonely = await startRedisServer(); // a primary whose replica is gone
    const gw = await startGateway({
      STORE_URL: lonely.url,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT: '200ms',
      WEBHOOK_TOKEN: TEST_TOKEN,
      REDIS_PREFIX: 'lonely:',
      AUTH_SECRET: 'test-secret',
    });
    try {
      const w = new V9Widget(gw.port);
      const reg = await w.register();
      assert.equal(reg.error, 'WG_ERR_NOT_REPLICATED', JSON.stringify(reg));
      const r = await postToGateway(gw.url, { id: 'x1', text: 'hi', to: 'nobody' }, { token: TEST_TOKEN });
      // Nothing was written, so nothing waited for a replica: an unknown session is accepted and
      // dropped (200, dropped: true), as without REDIS_MIN_REPLICAS_ACK.
      assert.equal(r.status, 200);
      assert.equal((r.body as { dropped?: boolean }).dropped, true);
      w.close();
    } finally {
      await gw.stop();
      await lonely.stop();
    }
  });

  it('refuses to store a file no replica confirmed (WG_ERR_NOT_REPLICATED), so no message names a file a failover loses', async () => {
    const lonely = await startRedisServer();
    const store = await openStore(lonely.url, { redisPrefix: 'lonely:', redisMinReplicasAck: 1, redisReplicaAckTimeout: 200 });
    try {
      const bytes = png(16, 16);
      await assert.rejects(store.media.put(mediaRecord(bytes), bytes), { code: 'WG_ERR_NOT_REPLICATED' });
    } finally {
      await store.close();
      await lonely.stop();
    }
  });

  // A bound: if a write were left unanswered the test fails instead of holding the run.
  it('answers the webhook 503 WG_ERR_NOT_REPLICATED and the widget WG_ERR_NOT_REPLICATED once the replica is gone', { timeout: 60_000 }, async () => {
    const p = await startRedisServer();
    const rep = await startRedisServer({ replicaOf: p.port });
    // The gateway's first write (its signing key) waits for the replica: it must be in sync first.
    await replicaInSync(p).catch(async (err: unknown) => {
      await Promise.all([rep.stop(), p.stop()]); // else the servers keep the test process alive
      throw err;
    });
    const gw = await startGateway({
      STORE_URL: p.url,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT: '2s', // generous while the replica is up, so a slow ack on a loaded machine is no failure
      WEBHOOK_TOKEN: TEST_TOKEN,
      REDIS_PREFIX: 'gone:',
    }).catch(async (err: unknown) => {
      await Promise.all([rep.stop(), p.stop()]); // else the servers keep the test process alive
      throw err;
    });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      assert.ok(urn);
      await w.subscribeAndWait();
      assert.equal((await postToGateway(gw.url, { id: 'ok1', text: 'kept', to: urn }, { token: TEST_TOKEN })).status, 200);
      await rep.stop();
      const r = await postToGateway(gw.url, { id: 'x2', text: 'not kept', to: urn }, { token: TEST_TOKEN });
      assert.equal(r.status, 503);
      assert.equal(r.body.error, 'WG_ERR_NOT_REPLICATED');
      const sent = await w.sendAck({ text: 'hello', userUrn: urn });
      assert.equal(sent.err?.name, 'WG_ERR_NOT_REPLICATED');
      w.close();
    } finally {
      await gw.stop();
      await rep.stop();
      await p.stop();
    }
  });
});
