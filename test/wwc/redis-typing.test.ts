// Two gateway processes on one Redis store: courier's typing_start posted to one reaches the
// visitor's connection held by the other (the fanout carries it, as it carries messages).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CourierWwcStandIn, courierSend } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { RawWwc } from '../helpers/wwc-clients.js';

describe('typing_start across gateway nodes on Redis', () => {
  let redis: RedisServer;
  let courier: CourierWwcStandIn;
  let a: RunningGateway;
  let b: RunningGateway;
  before(async () => {
    redis = await startRedisServer();
    courier = await new CourierWwcStandIn().start();
    const env = {
      STORE_URL: redis.url,
      REDIS_PREFIX: `wg${randomBytes(3).toString('hex')}:`,
      PLATFORM_URL: courier.url,
      PLATFORM_CHANNEL_TYPE: 'wwc',
      WEBHOOK_TOKEN: TEST_TOKEN,
    };
    a = await startGateway(env);
    b = await startGateway(env);
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await courier.stop();
    await redis.stop();
  });

  it("reaches the visitor's connections on every node, whichever node courier posted to; a bot message after it too", async () => {
    const from = `${Date.now()}@shop.example.test`;
    const callback = `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`;
    const onA = new RawWwc(`ws://127.0.0.1:${a.port}/ws`);
    const onB = new RawWwc(`ws://127.0.0.1:${b.port}/ws`);
    await onA.register(from, callback);
    await onB.register(from, callback);
    const res = await courierSend(`${b.url}/hooks/${TEST_TOKEN}`, { type: 'typing_start', to: from, from: 'ai-assistant', channel_uuid: TEST_CHANNEL });
    assert.equal(res.status, 200);
    const expected = { type: 'typing_start', to: from, from: 'ai-assistant', channel_uuid: TEST_CHANNEL };
    assert.deepEqual(await onA.next('typing_start'), expected, 'on the other node');
    assert.deepEqual(await onB.next('typing_start'), expected, 'on the node that took the post');
    await courierSend(`${b.url}/hooks/${TEST_TOKEN}`, { to: from, channel_uuid: TEST_CHANNEL, message: { type: 'text', timestamp: '1700000000', text: 'hi' } });
    assert.equal((await onA.next('message'))['message'].text, 'hi');
    assert.equal(onA.of('typing_start').length, 1, 'relayed once');
    onA.close();
    onB.close();
  });
});
