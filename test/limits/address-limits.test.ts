// One contract for both AddressLimits: per process (memory) and shared in Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemoryAddressLimits, type AddressLimits, type AddressLimitsOptions } from '../../src/limits/address-limits.js';
import { RedisAddressLimits } from '../../src/limits/redis-address-limits.js';
import { createLogger } from '../../src/log/logger.js';
import { sleep } from '../helpers/clients.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const OPTIONS: AddressLimitsOptions = { maxConnectionsPerIp: 3, maxRegistrationsPerMinute: 2, ipv6PrefixLength: 64 };
const log = createLogger('silent');

function contract(name: string, make: () => Promise<AddressLimits>): void {
  describe(`${name} address limits`, () => {
    it('admits connections up to the maximum, refuses the next, and admits again after a release', async () => {
      const l = await make();
      try {
        for (let i = 0; i < 3; i++) assert.deepEqual(await l.acquire('198.51.100.1'), { allowed: true, open: i });
        assert.deepEqual(await l.acquire('198.51.100.1'), { allowed: false, open: 3 });
        assert.equal((await l.acquire('198.51.100.2')).allowed, true, 'another address has its own count');
        l.release('198.51.100.1');
        await sleep(50); // releases are not awaited
        assert.deepEqual(await l.acquire('198.51.100.1'), { allowed: true, open: 2 });
      } finally {
        await l.close();
      }
    });

    it('counts every address of an IPv6 /64 as one client', async () => {
      const l = await make();
      try {
        for (let i = 1; i <= 3; i++) assert.equal((await l.acquire(`2001:db8:5:6::${i}`)).allowed, true);
        assert.equal((await l.acquire('2001:db8:5:6:abcd::99')).allowed, false, 'same /64');
        assert.equal((await l.acquire('2001:db8:5:7::1')).allowed, true, 'another /64');
      } finally {
        await l.close();
      }
    });

    it('allows the maximum of registrations per minute per address', async () => {
      const l = await make();
      try {
        assert.equal(await l.registrationAllowed('198.51.100.9'), true);
        assert.equal(await l.registrationAllowed('198.51.100.9'), true);
        assert.equal(await l.registrationAllowed('198.51.100.9'), false);
        assert.equal(await l.registrationAllowed('198.51.100.10'), true);
      } finally {
        await l.close();
      }
    });
  });
}

contract('memory', async () => new MemoryAddressLimits(OPTIONS));

describe('Redis address limits', () => {
  let redis: RedisServer;
  let prefix = '';
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
  });
  const make = async (timing?: { heartbeatInterval: number; nodeTtl: number }) => {
    const l = new RedisAddressLimits(redis.url, prefix, OPTIONS, log, timing);
    await l.start();
    return l;
  };

  contract('redis', () => {
    prefix = `wg${randomBytes(3).toString('hex')}:`;
    return make();
  });

  it('shares the counts between nodes: the maximum holds across them', async () => {
    prefix = `wg${randomBytes(3).toString('hex')}:`;
    const nodes = [await make(), await make(), await make()];
    try {
      const results = [];
      for (let i = 0; i < 6; i++) results.push((await nodes[i % 3]!.acquire('203.0.113.1')).allowed);
      assert.deepEqual(results, [true, true, true, false, false, false]);
      assert.equal(await nodes[0]!.registrationAllowed('203.0.113.1'), true);
      assert.equal(await nodes[1]!.registrationAllowed('203.0.113.1'), true);
      assert.equal(await nodes[2]!.registrationAllowed('203.0.113.1'), false);
      nodes[2]!.release('203.0.113.1');
      await sleep(50);
      assert.equal((await nodes[1]!.acquire('203.0.113.1')).allowed, true, 'a release on one node frees a place on another');
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('stops counting the connections of a node whose heartbeat lapsed (it died)', async () => {
    prefix = `wg${randomBytes(3).toString('hex')}:`;
    const alive = await make({ heartbeatInterval: 100, nodeTtl: 400 });
    // One heartbeat at start, none after: a node that died without releasing anything.
    const dying = await make({ heartbeatInterval: 3_600_000, nodeTtl: 400 });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await dying.acquire('203.0.113.2')).allowed, true);
      assert.equal((await alive.acquire('203.0.113.2')).allowed, false);
      await sleep(600);
      assert.equal((await alive.acquire('203.0.113.2')).allowed, true, 'the dead node no longer counts');
    } finally {
      await Promise.all([alive.close(), dying.close()]);
    }
  });

  it('admits (fails open) while Redis is unreachable, and gives nothing back it did not count', async () => {
    prefix = `wg${randomBytes(3).toString('hex')}:`;
    const l = new RedisAddressLimits('redis://127.0.0.1:1', prefix, OPTIONS, log);
    try {
      assert.equal((await l.acquire('203.0.113.3')).allowed, true);
      assert.equal(await l.registrationAllowed('203.0.113.3'), true);
      l.release('203.0.113.3');
      assert.deepEqual(l.stats(), { counted: 0, failedOpen: 2 });
    } finally {
      await l.close();
    }
  });
});
