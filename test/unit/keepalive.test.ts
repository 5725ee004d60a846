// Keep-alive of both front-ends with fake sockets and mock timers: SocketCluster's own pings
// (src/protocol/socketcluster/keepalive.ts, both client generations) and WWC's WebSocket-level
// ones (src/protocol/wwc/connection.ts), both counted by src/core/ping-clock.ts.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { WebSocket } from 'ws';
import { CLOSE_PONG_TIMEOUT, KeepAlive, PING_V1, PING_V2, PONG_V1, type PingableSocket } from '../../src/protocol/socketcluster/keepalive.js';
import { WwcConnection } from '../../src/protocol/wwc/connection.js';
import { fakeTime } from './fakes.js';

const OPTIONS = { pingInterval: 1_000, pingTimeout: 2_500 };

class FakeScSocket implements PingableSocket {
  readonly emitter = new EventEmitter();
  readonly socket = this.emitter as unknown as WebSocket;
  readonly sent: string[] = [];
  closedWith: number | undefined;
  state = 'open';
  send(data: string): void {
    this.sent.push(data);
  }
  disconnect(code?: number): void {
    this.closedWith = code;
    this.state = 'closed';
  }
  /** The client answers with its generation's pong. */
  answer(pong: string): void {
    this.emitter.emit('message', Buffer.from(pong), false);
  }
}

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

describe('keep-alive (unit)', () => {
  beforeEach(() => fakeTime());
  afterEach(() => mock.timers.reset());

  it('SocketCluster: pings both generations until the first pong, then only the one that answered', () => {
    const s = new FakeScSocket();
    const k = new KeepAlive(s, OPTIONS);
    const pongs: number[] = [];
    k.onPong = (n) => pongs.push(n);
    k.start();
    mock.timers.tick(OPTIONS.pingInterval);
    assert.deepEqual(s.sent, [PING_V1, PING_V2]);
    s.answer(PONG_V1);
    assert.deepEqual(pongs, [1]);
    mock.timers.tick(OPTIONS.pingInterval);
    assert.deepEqual(s.sent.slice(2), [PING_V1]);
    assert.deepEqual(k.stats(), { generation: 1, pingsSent: 2, pongsReceived: 1 });
    k.stop();
  });

  it('SocketCluster: a pong nobody asked for proves nothing', () => {
    const s = new FakeScSocket();
    const k = new KeepAlive(s, OPTIONS);
    const pongs: number[] = [];
    k.onPong = (n) => pongs.push(n);
    k.start();
    s.answer(PONG_V1);
    assert.deepEqual(pongs, []);
    k.stop();
  });

  it('SocketCluster: keeps a socket that answers over many timeouts, closes one that falls silent with 4001', () => {
    const s = new FakeScSocket();
    const k = new KeepAlive(s, OPTIONS);
    k.start();
    for (let i = 0; i < 10; i++) {
      mock.timers.tick(OPTIONS.pingInterval);
      s.answer(PONG_V1);
    }
    assert.equal(s.closedWith, undefined);
    mock.timers.tick(OPTIONS.pingTimeout - 1);
    assert.equal(s.closedWith, undefined, 'not before PING_TIMEOUT');
    mock.timers.tick(1);
    assert.equal(s.closedWith, CLOSE_PONG_TIMEOUT);
  });

  it('WWC: pings every interval, numbers the pongs, and cuts a silent connection after PING_TIMEOUT', () => {
    const ws = new FakeWs();
    const conn = new WwcConnection(ws as unknown as WebSocket, '127.0.0.1', { ...OPTIONS, clientRate: 10, clientBurst: 30 });
    const pongs: number[] = [];
    conn.clock.onPong = (n) => pongs.push(n);
    conn.startKeepAlive();
    mock.timers.tick(OPTIONS.pingInterval);
    ws.emit('pong');
    mock.timers.tick(OPTIONS.pingInterval);
    ws.emit('pong');
    assert.equal(ws.pings, 2);
    assert.deepEqual(pongs, [1, 2]);
    mock.timers.tick(OPTIONS.pingTimeout - 1);
    assert.equal(ws.terminated, false);
    mock.timers.tick(1);
    assert.equal(ws.terminated, true);
    assert.deepEqual(conn.clock.stats(), { pingsSent: 4, pongsReceived: 2 });
  });
});
