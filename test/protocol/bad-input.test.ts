import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { postToGateway } from '../helpers/platform.js';

function rawSocket(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socketcluster/`);
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

function handshake(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('message', () => resolve());
    ws.send(JSON.stringify({ event: '#handshake', data: { authToken: null }, cid: 1 }));
  });
}

describe('bad input leaves the server and other sessions working', () => {
  let gw: RunningGateway;
  let bystander: V9Widget;
  let urn: string;
  before(async () => {
    gw = await startGateway({ PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, MAX_PAYLOAD: '8KiB', MAX_WEBHOOK_BODY: '1MiB' });
    bystander = new V9Widget(gw.port);
    urn = (await bystander.register()).urn;
    await bystander.subscribeAndWait(urn);
  });
  after(async () => {
    bystander.close();
    await gw.stop();
  });

  async function bystanderStillServed(id: string): Promise<void> {
    const r = await postToGateway(gw.url, { id, text: id, to: urn }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
    await waitFor(() => bystander.received.some((m) => m.id === id), 5000, `bystander receives ${id}`);
    assert.equal(bystander.state, 'open');
  }

  it('survives garbage frames after the handshake', async () => {
    const ws = await rawSocket(gw.port);
    await handshake(ws);
    const garbage = [
      '{not json',
      '[]',
      '[1,2,3]',
      'null',
      '12',
      '"#1"',
      '{"event":5}',
      '{"event":"registerUser","data":{"id":{"$ne":1}},"cid":2}',
      '{"event":"sendMessageToChannel","data":"str"}',
      '{"event":"#subscribe","data":{"channel":{}},"cid":3}',
      '{"rid":99}',
      '{"event":"#publish","data":{"channel":"x","data":1},"cid":4}',
      '{"event":"__proto__","data":{},"cid":5}',
      '{"event":"getHistory","data":{"limit":-1},"cid":6}',
      '{"event":"#unsubscribe","data":7,"cid":8}',
    ];
    const replies: string[] = [];
    ws.on('message', (m) => replies.push(m.toString()));
    for (const g of garbage) ws.send(g);
    ws.send(Buffer.from([0, 1, 2, 3, 255]));
    await new Promise((r) => setTimeout(r, 300));
    // Every frame with a cid got an error reply; none crashed anything.
    for (const cid of [2, 4, 5, 6]) {
      const reply = replies
        .map((r) => {
          try {
            return JSON.parse(r);
          } catch {
            return null;
          }
        })
        .find((r) => r?.rid === cid);
      assert.ok(reply?.error, `frame with cid ${cid} got an error reply`);
    }
    ws.close();
    await bystanderStillServed('after-garbage');
  });

  it('survives garbage before the handshake (the socket is closed, nothing else)', async () => {
    const ws = await rawSocket(gw.port);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send('{"event":"registerUser","data":{},"cid":1}');
    const code = await closed;
    assert.ok(code >= 4000, `closed with a protocol code (${code})`);
    await bystanderStillServed('after-prehandshake');
  });

  it('closes a socket that sends a frame larger than MAX_PAYLOAD, and only that socket', async () => {
    const ws = await rawSocket(gw.port);
    await handshake(ws);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ event: 'sendMessageToChannel', data: { text: 'x'.repeat(20_000), userUrn: 'x' } }));
    assert.equal(await closed, 1009);
    await bystanderStillServed('after-huge-frame');
  });

  it('closes a socket that stops reading before its buffer grows past the bound', async () => {
    const slow = new V9Widget(gw.port);
    const slowUrn = (await slow.register()).urn;
    await slow.subscribeAndWait(slowUrn);
    const connections = gw.gateway.stats().socketcluster;
    slow.socket.transport.socket._socket.pause(); // the client stops reading
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 80 && gw.gateway.stats().socketcluster === connections; i++) {
      const r = await postToGateway(gw.url, { id: `big-${i}`, text: big, to: slowUrn }, { token: TEST_TOKEN });
      assert.equal(r.status, 200);
    }
    await waitFor(() => gw.gateway.stats().socketcluster === connections - 1, 10_000, 'the slow socket is closed');
    // Nothing was proven delivered, so everything waits for its return.
    assert.equal(await gw.gateway.store.getDeliveredSeq(slowUrn), 0);
    slow.close();
    await bystanderStillServed('after-backpressure');
  });

  it('refuses unknown events with an error instead of leaving the caller waiting', async () => {
    const w = new V9Widget(gw.port);
    const r = await w.emitAck('doSomethingElse', { a: 1 });
    assert.equal(r.err?.name, 'WG_ERR_UNKNOWN_EVENT');
    w.close();
  });

  it('keeps a flood of bad events from one socket away from another session', async () => {
    const w = new V9Widget(gw.port);
    await w.register();
    for (let i = 0; i < 500; i++) w.socket.emit('sendMessageToChannel', { text: i % 2 ? '' : 7, userUrn: urn });
    await bystanderStillServed('after-flood');
    const stored = await gw.gateway.store.readMessages(urn, { limit: 1000, direction: 'in' });
    assert.equal(stored.length, 0, "nothing was stored in the bystander's session");
    w.close();
  });
});
