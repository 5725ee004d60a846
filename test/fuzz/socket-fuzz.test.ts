// Property-based fuzzing of the SocketCluster side: legit v9 widgets keep chatting while
// fast-check-generated attackers (raw `ws` sockets and real v9 clients) throw garbage, forged
// tokens, oversized and deeply nested frames, and cross-session requests at the gateway.
// Invariants: nothing leaks across sessions, legit widgets get exactly their messages in order,
// no socket leaks, the process stays up with bounded memory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { commandArb, forgeToken, nestedJson, RawAttacker, tokenNames, type AttackCommand, type ForgeKind, type Target } from '../helpers/fuzz.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { postToGateway } from '../helpers/platform.js';

const LEGIT_COUNT = 10;
const MAX_PAYLOAD = 16 * 1024;
const NUM_RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);
const TIME_LIMIT_MS = Number(process.env['FUZZ_TIME_LIMIT_MS'] ?? 55_000);
const SECRET = 'SECRET-';

interface Legit {
  w: V9Widget;
  urn: string;
  token: string;
  /** Every payload seen on the channel (unfiltered) and as receivedMessageFromChannel. */
  published: any[];
  expectedIds: Set<string>;
  sentTexts: string[];
}

describe('socket fuzz: hostile sockets next to legit widgets', () => {
  let gw: RunningGateway;
  const legit: Legit[] = [];
  const legitUrns = new Set<string>();
  const violations: string[] = [];
  const stats = { runs: 0, attackers: 0, framesSent: 0, framesReceived: 0, legitPosts: 0, legitInbound: 0 };
  let msgCounter = 0;
  let heapBefore = 0;
  const trace = new Map<string, string[]>();

  const sockets = () => gw.gateway.socketcluster;
  const connectionCount = (): number => gw.gateway.stats().socketcluster;
  const clients = (): Record<string, any> => sockets().server.clients;
  const violate = (what: string): void => {
    if (violations.length < 50) violations.push(what);
  };

  before(async () => {
    gw = await startGateway({ PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, MAX_PAYLOAD: '16KiB', HANDSHAKE_TIMEOUT: '2s' });
    if (process.env['FUZZ_TRACE']) {
      const server: any = sockets().server;
      const orig = server.emit.bind(server);
      server.emit = (ev: string, data: any) => {
        if (ev === 'connection' || ev === 'closure' || ev === 'connectionAbort' || ev === 'disconnection') {
          const id = data?.socket?.id;
          trace.set(id, [
            ...(trace.get(id) ?? []),
            `${ev}@${Date.now() % 100000} state=${data?.socket?.state} ws=${data?.socket?.socket?.readyState} code=${data?.code ?? ''}`,
          ]);
        }
        return orig(ev, data);
      };
    }
    for (let i = 0; i < LEGIT_COUNT; i++) {
      const w = new V9Widget(gw.port);
      const urn = (await w.register()).urn as string;
      const l: Legit = { w, urn, token: w.jar.token!, published: [], expectedIds: new Set(), sentTexts: [] };
      const channel = w.subscribe(urn);
      channel.watch((d: any) => l.published.push(d));
      await new Promise<void>((resolve, reject) => {
        channel.on('subscribe', () => resolve());
        channel.on('subscribeFail', (e: Error) => reject(e));
      });
      legit.push(l);
      legitUrns.add(urn);
    }
    (globalThis as any).gc?.();
    heapBefore = process.memoryUsage().heapUsed;
  });

  after(async () => {
    for (const l of legit) l.w.close();
    const t = Date.now();
    await gw?.stop();
    if (process.env['FUZZ_TRACE']) console.log(`gateway stop took ${Date.now() - t} ms`);
  });

  function resolveTarget(t: Target, own: string | undefined): string {
    if ('legit' in t) return legit[t.legit]!.urn;
    if ('own' in t) return own ?? 'no-session-yet';
    return t.random;
  }

  function forged(kind: ForgeKind, i: number): string {
    // The base is a real token of another legit widget, so "swap-urn" moves a valid signature.
    const base = legit[(i + 1) % legit.length]!.token;
    return forgeToken(kind, base, legit[i]!.urn);
  }

  /** Every frame an attacker receives is checked against the legit sessions. */
  function inspectFrame(text: string, subscribeCids: Map<number, string>, who: string): void {
    stats.framesReceived++;
    if (text.includes(SECRET)) violate(`${who} received a legit message: ${text.slice(0, 200)}`);
    for (const urn of legitUrns) {
      if (text.includes(urn) && /"#publish"|receivedMessageFromChannel|"#setAuthToken"/.test(text)) {
        violate(`${who} received a frame naming legit ${urn}: ${text.slice(0, 200)}`);
      }
    }
    let f: any;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (f === null || typeof f !== 'object') return;
    if (f.event === '#publish' && (legitUrns.has(f.data?.channel) || legitUrns.has(f.data?.data?.to))) violate(`${who} got #publish for a legit urn`);
    if (f.event === 'receivedMessageFromChannel' && legitUrns.has(f.data?.to)) violate(`${who} got receivedMessageFromChannel for a legit urn`);
    if (f.event === '#setAuthToken' && tokenNames(f.data?.token, legitUrns)) violate(`${who} was given a token for a legit urn`);
    if (typeof f.rid === 'number' && subscribeCids.has(f.rid) && legitUrns.has(subscribeCids.get(f.rid)!) && !f.error) {
      violate(`${who} subscribed to legit ${subscribeCids.get(f.rid)}`);
    }
  }

  function ownUrnOf(frames: string[]): string | undefined {
    for (let i = frames.length - 1; i >= 0; i--) {
      const m = /"#setAuthToken","data":\{"token":"([^"]+)"/.exec(frames[i]!);
      if (m) {
        try {
          return JSON.parse(Buffer.from(m[1]!.split('.')[1]!, 'base64url').toString()).urn;
        } catch {}
      }
    }
    return undefined;
  }

  function hugeFrame(size: number, event: string, urn: string): string {
    if (event === 'raw') return 'x'.repeat(size);
    const make = (pad: string): string =>
      event === '#publish'
        ? JSON.stringify({ event, data: { channel: urn, data: { to: urn, text: pad } }, cid: 5 })
        : JSON.stringify({ event, data: { text: pad, userUrn: urn, id: urn, hostApi: pad }, cid: 5 });
    return make('y'.repeat(Math.max(0, size - make('').length)));
  }

  async function runRaw(cmds: AttackCommand[], handshakeFirst: ForgeKind | 'none' | 'skip', idx: number): Promise<RawAttacker> {
    const a = await RawAttacker.open(gw.port);
    if (handshakeFirst !== 'skip') await a.handshake(handshakeFirst === 'none' ? null : forged(handshakeFirst, idx % LEGIT_COUNT), 500);
    for (const c of cmds) {
      if (!a.open) break;
      const own = ownUrnOf(a.frames);
      const maybeCid = (yes: boolean): { cid?: number } => (yes ? { cid: a.cid() } : {});
      switch (c.k) {
        case 'garbage':
          a.send(c.s);
          break;
        case 'json':
          a.send(JSON.stringify(c.v) ?? 'null');
          break;
        case 'frame':
          a.sendFrame({ event: c.event, data: c.data, ...maybeCid(c.cid) });
          break;
        case 'register':
          a.sendFrame({ event: 'registerUser', data: { ...c.extra, ...(c.id ? { id: resolveTarget(c.id, own) } : {}) }, cid: a.cid() });
          break;
        case 'send':
          a.sendFrame({ event: 'sendMessageToChannel', data: { text: c.text, userUrn: resolveTarget(c.userUrn, own) }, ...maybeCid(c.cid) });
          break;
        case 'subscribe':
          a.sendFrame({
            event: '#subscribe',
            data: { channel: resolveTarget(c.channel, own), ...(c.since !== undefined ? { data: { since: c.since } } : {}) },
            cid: a.cid(),
          });
          break;
        case 'unsubscribe':
          a.sendFrame({ event: '#unsubscribe', data: resolveTarget(c.channel, own), cid: a.cid() });
          break;
        case 'publish': {
          const ch = resolveTarget(c.channel, own);
          a.sendFrame({ event: '#publish', data: { channel: ch, data: { id: 'forged', to: ch, text: 'forged publish', seq: 1 } }, ...maybeCid(c.cid) });
          break;
        }
        case 'history':
          a.sendFrame({ event: 'getHistory', data: c.data, cid: a.cid() });
          break;
        case 'handshake':
          a.sendFrame({ event: '#handshake', data: { authToken: c.forged ? forged(c.forged, c.target) : null }, cid: a.cid() });
          break;
        case 'authenticate':
          a.sendFrame({ event: '#authenticate', data: forged(c.forged, c.target), cid: a.cid() });
          break;
        case 'removeAuth':
          a.sendFrame({ event: '#removeAuthToken' });
          break;
        case 'huge':
          a.send(hugeFrame(c.size, c.event, legit[c.size % LEGIT_COUNT]!.urn));
          break;
        case 'binary':
          a.send(Buffer.from(c.bytes), true);
          break;
        case 'nested':
          a.send(nestedJson(c.depth, c.kind));
          break;
        case 'pause':
          await sleep(c.ms);
          break;
      }
      await new Promise((r) => setImmediate(r));
    }
    return a;
  }

  /** A real v9 client used as an attacker: the same commands through the client API where it has one. */
  /**
   * socketcluster-client 9 keeps its channels in a plain object: for a name like "toString" it
   * finds Object.prototype's function, sends nothing and breaks on it. The raw attacker sends such
   * names on the wire, so the v9 attacker skips them.
   */
  function clientCannotName(channel: string): boolean {
    return Object.prototype.hasOwnProperty.call(Object.prototype, channel);
  }

  async function runV9(cmds: AttackCommand[], frames: string[], who: string): Promise<V9Widget> {
    const w = new V9Widget(gw.port);
    const subscribeCids = new Map<number, string>();
    const hook = (): void => {
      w.socket.transport?.socket?.on?.('message', (d: any) => {
        const t = d.toString();
        if (t !== '#1' && t !== '') {
          frames.push(t);
          inspectFrame(t, subscribeCids, who);
        }
      });
    };
    w.socket.on('connect', hook);
    w.socket.on('receivedMessageFromChannel', (d: any) => legitUrns.has(d?.to) && violate(`${who} (v9) got receivedMessageFromChannel for a legit urn`));
    await waitFor(() => w.state === 'open' || w.closes.length > 0, 5000, 'v9 attacker connects').catch(() => {});
    const raw = (s: string | Buffer): void => {
      stats.framesSent++;
      try {
        w.socket.transport?.socket?.send(s);
      } catch {}
    };
    for (const c of cmds) {
      if (w.state !== 'open') break;
      stats.framesSent++;
      switch (c.k) {
        case 'register':
          w.socket.emit('registerUser', { ...c.extra, ...(c.id ? { id: resolveTarget(c.id, w.urn) } : {}) }, () => {});
          break;
        case 'send':
          w.socket.emit('sendMessageToChannel', { text: c.text, userUrn: resolveTarget(c.userUrn, w.urn) });
          break;
        case 'subscribe': {
          const ch = resolveTarget(c.channel, w.urn);
          if (clientCannotName(ch)) break;
          const channel = w.socket.subscribe(ch, c.since !== undefined ? { data: { since: c.since } } : undefined);
          channel.on('subscribe', () => legitUrns.has(ch) && violate(`${who} (v9) subscribed to legit ${ch}`));
          channel.watch((d: any) => (legitUrns.has(ch) || legitUrns.has(d?.to)) && violate(`${who} (v9) watched data of a legit urn`));
          break;
        }
        case 'unsubscribe': {
          const ch = resolveTarget(c.channel, w.urn);
          if (!clientCannotName(ch)) w.socket.unsubscribe(ch);
          break;
        }
        case 'publish': {
          const ch = resolveTarget(c.channel, w.urn);
          w.socket.publish(ch, { id: 'forged', to: ch, text: 'forged publish' }, () => {});
          break;
        }
        case 'history':
          w.socket.emit('getHistory', c.data, () => {});
          break;
        case 'authenticate':
          w.socket.authenticate(forged(c.forged, c.target), () => {});
          break;
        case 'removeAuth':
          w.socket.deauthenticate(() => {});
          break;
        case 'frame':
          w.socket.emit(c.event, c.data, c.cid ? () => {} : undefined);
          break;
        case 'garbage':
          raw(c.s);
          break;
        case 'json':
          raw(JSON.stringify(c.v) ?? 'null');
          break;
        case 'handshake':
          raw(JSON.stringify({ event: '#handshake', data: { authToken: c.forged ? forged(c.forged, c.target) : null }, cid: 99_999 }));
          break;
        case 'huge':
          raw(hugeFrame(c.size, c.event, legit[c.size % LEGIT_COUNT]!.urn));
          break;
        case 'binary':
          raw(Buffer.from(c.bytes));
          break;
        case 'nested':
          raw(nestedJson(c.depth, c.kind));
          break;
        case 'pause':
          await sleep(c.ms);
          break;
      }
      await new Promise((r) => setImmediate(r));
    }
    return w;
  }

  /** Legit platform traffic (and legit user messages) interleaved with the attack. */
  async function legitTraffic(plan: Array<{ to: number; pause: number; inbound: boolean }>): Promise<void> {
    await Promise.all(
      plan.map(async (p) => {
        await sleep(p.pause);
        const l = legit[p.to]!;
        const n = ++msgCounter;
        if (p.inbound) {
          const text = `legit-in-${n}`;
          l.sentTexts.push(text);
          stats.legitInbound++;
          l.w.send(text);
          return;
        }
        const id = `${SECRET}${n}`;
        l.expectedIds.add(id);
        stats.legitPosts++;
        const r = await postToGateway(gw.url, { id, text: `${SECRET}${n} for ${l.urn}`, to: l.urn }, { token: TEST_TOKEN });
        if (r.status !== 200) violate(`legit post ${id} answered ${r.status} ${JSON.stringify(r.body)}`);
      }),
    );
  }

  async function checkLegit(): Promise<void> {
    for (const l of legit) {
      await waitFor(() => l.w.received.length >= l.expectedIds.size, 8000, `${l.urn} receives its messages`).catch(() => {});
      if (l.w.state !== 'open') violate(`legit ${l.urn} is ${l.w.state} (closes ${l.w.closes.join(',')})`);
      const ids = l.w.received.map((m) => m.id);
      if (new Set(ids).size !== ids.length) violate(`legit ${l.urn} received duplicates`);
      if (ids.length !== l.expectedIds.size || ids.some((id) => !l.expectedIds.has(id)))
        violate(`legit ${l.urn} received ${ids.length} of ${l.expectedIds.size} / foreign ids`);
      for (let i = 1; i < l.w.received.length; i++) {
        if (!(l.w.received[i]!.seq > l.w.received[i - 1]!.seq)) violate(`legit ${l.urn} out of seq order at ${i}`);
      }
      for (const d of [...l.published, ...l.w.rawEvents]) {
        if (d?.to !== l.urn || !l.expectedIds.has(d?.id)) violate(`legit ${l.urn} got a foreign or forged payload ${JSON.stringify(d).slice(0, 200)}`);
      }
      const stored = await gw.gateway.store.readMessages(l.urn, { limit: 1000, direction: 'in' });
      const texts = stored.map((m) => m.text);
      for (const t of texts) if (!l.sentTexts.includes(t)) violate(`legit ${l.urn} has a stored inbound message it did not send: ${t.slice(0, 80)}`);
    }
  }

  function checkServerState(attackerIds: Set<string>): void {
    const legitIds = new Set(legit.map((l) => l.w.socket.id as string));
    for (const urn of legitUrns) {
      for (const id of gw.gateway.subscriberIds(urn)) if (!legitIds.has(id)) violate(`deliverer has a non-legit subscription to ${urn}`);
    }
    for (const [id, s] of Object.entries<any>(clients())) {
      if (legitIds.has(id)) continue;
      attackerIds.add(id);
      for (const ch of s.subscriptions?.() ?? []) if (legitUrns.has(ch)) violate(`attacker socket ${id} is subscribed to legit ${ch}`);
      const urn = s.authToken?.urn;
      if (typeof urn === 'string' && legitUrns.has(urn)) violate(`attacker socket ${id} is authenticated as legit ${urn}`);
    }
  }

  // Found by the property below; deterministic form. Two frames before the handshake: the first
  // closes the socket with 4009, the second still reaches the inbound middleware, whose
  // connectionFor() registers a Connection after onClosure() already ran, so it is never removed.
  it('leaves no Connection behind for a socket closed before its handshake', async () => {
    const before = connectionCount();
    const a = await RawAttacker.open(gw.port);
    a.sendFrame({ event: 'registerUser', data: {}, cid: 1 });
    a.sendFrame({ event: 'registerUser', data: {}, cid: 2 });
    await waitFor(() => a.closedWith !== undefined, 5000, 'the socket is closed');
    assert.equal(a.closedWith, 4009);
    await sleep(100);
    const leaked = connectionCount() - before;
    assert.equal(leaked, 0, `${leaked} Connection(s) of a closed socket stay in SocketServer.connections`);
  });

  it('keeps sessions isolated and the server healthy under random hostile traffic', { timeout: 180_000 }, async () => {
    const cmd = commandArb(LEGIT_COUNT, MAX_PAYLOAD);
    const attacker = fc.record({
      kind: fc.oneof({ weight: 4, arbitrary: fc.constant('raw' as const) }, { weight: 1, arbitrary: fc.constant('v9' as const) }),
      handshake: fc.oneof(
        { weight: 6, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constant('skip' as const) },
        { weight: 2, arbitrary: fc.constantFrom<ForgeKind>('swap-urn', 'extend-exp', 'alg-none', 'wrong-secret', 'hs512-header') },
      ),
      cmds: fc.array(cmd, { minLength: 1, maxLength: 14 }),
    });
    const traffic = fc.array(fc.record({ to: fc.nat({ max: LEGIT_COUNT - 1 }), pause: fc.integer({ min: 0, max: 150 }), inbound: fc.boolean() }), {
      minLength: 2,
      maxLength: 12,
    });
    const started = Date.now();

    await fc.assert(
      fc.asyncProperty(fc.array(attacker, { minLength: 1, maxLength: 6 }), traffic, async (attackers, plan) => {
        stats.runs++;
        stats.attackers += attackers.length;
        const raws: RawAttacker[] = [];
        const rawPlans = new Map<RawAttacker, unknown>();
        const v9s: V9Widget[] = [];
        const before = violations.length;
        try {
          await Promise.all([
            legitTraffic(plan),
            ...attackers.map(async (a, i) => {
              if (a.kind === 'raw') {
                const r = await runRaw(a.cmds, a.handshake, i).catch(() => undefined);
                if (r) {
                  raws.push(r);
                  rawPlans.set(r, a);
                }
              } else {
                v9s.push(await runV9(a.cmds, [], `v9-attacker-${i}`));
              }
            }),
          ]);
          await sleep(50);
          checkServerState(new Set());
          await checkLegit();
        } finally {
          for (const r of raws) {
            await r.close();
            stats.framesSent += r.framesSent;
            for (const f of r.frames) inspectFrame(f, r.subscribeCids, 'raw-attacker');
          }
          for (const w of v9s) w.close();
        }
        // FUZZ_TOLERATE_CLOSED_LEAK=1 counts Connections of already-closed sockets left in the map
        // (see the report on connectionFor) instead of failing, to look for other violations.
        const liveCount = (): number =>
          process.env['FUZZ_TOLERATE_CLOSED_LEAK']
            ? sockets()
                .connectionIds()
                .filter((id) => id in clients()).length
            : connectionCount();
        await waitFor(() => liveCount() === LEGIT_COUNT, 8000, 'attacker connections are gone').catch(() => {
          const legitIds = new Set(legit.map((l) => l.w.socket.id as string));
          const extra = sockets()
            .connectionIds()
            .filter((id) => !legitIds.has(id))
            .map((id) => `${id} trace=${JSON.stringify(trace.get(id))} inClients=${id in clients()} token=${JSON.stringify(clients()[id]?.authToken)}`);
          const owners = sockets()
            .connectionIds()
            .filter((id) => !legitIds.has(id))
            .map((id) => {
              const r = raws.find((x) => x.frames.some((f) => f.includes(`"id":"${id}"`)));
              return r
                ? `raw attacker closed ${r.closedWith}: ${JSON.stringify(rawPlans.get(r))} frames ${JSON.stringify(r.frames).slice(0, 1500)}`
                : 'owner unknown (v9 attacker?)';
            });
          violate(`connectionCount ${connectionCount()} after the run, want ${LEGIT_COUNT}: ${extra.join('; ')} ${owners.join(' | ')}`);
        });
        const health = await fetch(gw.url + '/healthz');
        if (health.status !== 200) violate(`/healthz answered ${health.status}`);
        // Fail this run (so fast-check shrinks it) when it produced a violation.
        if (violations.length !== before) throw new Error('violations:\n' + violations.slice(before).join('\n'));
      }),
      {
        numRuns: NUM_RUNS,
        ...(process.env['FUZZ_SEED'] ? { seed: Number(process.env['FUZZ_SEED']) } : {}),
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        timeout: 60_000,
        endOnFailure: true,
      },
    );

    // After the property: the legit widgets still work, in order.
    await legitTraffic(legit.map((_, i) => ({ to: i, pause: 0, inbound: false })));
    await checkLegit();
    // Every legit inbound message arrived in the store (the v9 widget emits without a callback).
    for (const l of legit) {
      let stored = await gw.gateway.store.readMessages(l.urn, { limit: 1000, direction: 'in' });
      for (let i = 0; i < 100 && stored.length < l.sentTexts.length; i++) {
        await sleep(50);
        stored = await gw.gateway.store.readMessages(l.urn, { limit: 1000, direction: 'in' });
      }
      assert.deepEqual(stored.map((m) => m.text).sort(), [...l.sentTexts].sort(), `stored inbound of ${l.urn} is exactly what it sent`);
    }
    const leakedClosed = connectionCount() - LEGIT_COUNT;
    if (process.env['FUZZ_TOLERATE_CLOSED_LEAK']) console.log(`socket fuzz: tolerated ${leakedClosed} Connection(s) of closed sockets`);
    else assert.equal(connectionCount(), LEGIT_COUNT);
    assert.equal((await fetch(gw.url + '/healthz')).status, 200);
    (globalThis as any).gc?.();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    const bound = (globalThis as any).gc ? 100 * 1024 * 1024 : 300 * 1024 * 1024;
    console.log(
      `socket fuzz: runs=${stats.runs} attackers=${stats.attackers} framesSent=${stats.framesSent} attackerFramesReceived=${stats.framesReceived} ` +
        `legitPosts=${stats.legitPosts} legitInbound=${stats.legitInbound} heapGrowthMB=${(growth / 1048576).toFixed(1)} ` +
        `elapsed=${((Date.now() - started) / 1000).toFixed(1)}s violations=${violations.length}`,
    );
    assert.deepEqual(violations, []);
    assert.ok(growth < bound, `heap grew by ${(growth / 1048576).toFixed(1)} MB`);
  });
});
