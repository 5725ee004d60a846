// Building blocks for the property-based fuzz tests (test/fuzz/): raw SocketCluster sockets that
// record every frame they receive, forged auth tokens, and fast-check generators of hostile
// command sequences.
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';

export const SOCKET_URL = (port: number): string => `ws://127.0.0.1:${port}/socketcluster/`;

/** A raw `ws` socket speaking (or mis-speaking) the SocketCluster protocol; records all it receives. */
export class RawAttacker {
  readonly frames: string[] = [];
  /** cid -> channel of every #subscribe request sent with a cid. */
  readonly subscribeCids = new Map<number, string>();
  framesSent = 0;
  closedWith: number | undefined;
  private nextCid = 1000;
  private readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('latin1') : data.toString();
      // Answer pings the way both client generations do, so the socket stays up for the run.
      if (text === '#1' || text === '') {
        if (ws.readyState === WebSocket.OPEN) ws.send(text === '#1' ? '#2' : '');
        return;
      }
      this.frames.push(text);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.on('close', (code) => ((this.closedWith = code), resolve())));
  }

  static open(port: number): Promise<RawAttacker> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(SOCKET_URL(port), { maxPayload: 64 * 1024 * 1024 });
      const a = new RawAttacker(ws);
      ws.once('open', () => resolve(a));
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  cid(): number {
    return this.nextCid++;
  }

  send(data: string | Buffer, binary = false): void {
    if (!this.open) return;
    this.framesSent++;
    this.ws.send(data, { binary });
  }

  sendFrame(frame: Record<string, unknown>): void {
    if (frame['event'] === '#subscribe' && typeof frame['cid'] === 'number') {
      const ch = (frame['data'] as { channel?: unknown } | undefined)?.channel;
      if (typeof ch === 'string') this.subscribeCids.set(frame['cid'], ch);
    }
    this.send(JSON.stringify(frame));
  }

  /** The handshake; resolves on its reply (or after timeoutMs, whatever happened). */
  handshake(authToken: string | null = null, timeoutMs = 1000): Promise<void> {
    const cid = this.cid();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const onMsg = (m: WebSocket.RawData): void => {
        if (m.toString().includes(`"rid":${cid}`)) {
          clearTimeout(timer);
          this.ws.off('message', onMsg);
          resolve();
        }
      };
      this.ws.on('message', onMsg);
      void this.closed.then(() => (clearTimeout(timer), resolve()));
      this.sendFrame({ event: '#handshake', data: { authToken }, cid });
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

export type ForgeKind = 'swap-urn' | 'extend-exp' | 'alg-none' | 'alg-none-nosig' | 'wrong-secret' | 'hs512-header' | 'truncated' | 'garbage';
export const FORGE_KINDS: readonly ForgeKind[] = [
  'swap-urn',
  'extend-exp',
  'alg-none',
  'alg-none-nosig',
  'wrong-secret',
  'hs512-header',
  'truncated',
  'garbage',
];

/**
 * A token for `targetUrn` that the gateway must refuse: a legit token (`base`) with its payload
 * altered and its signature kept, an unsigned one, one signed with another secret, etc.
 */
export function forgeToken(kind: ForgeKind, base: string, targetUrn: string): string {
  const [h, p, s] = base.split('.');
  const header = decodePart(h);
  const payload = decodePart(p);
  switch (kind) {
    case 'swap-urn':
      return [h, b64url(JSON.stringify({ ...payload, urn: targetUrn })), s].join('.');
    case 'extend-exp':
      return [h, b64url(JSON.stringify({ ...payload, urn: targetUrn, exp: Math.floor(Date.now() / 1000) + 86_400 * 365 })), s].join('.');
    case 'alg-none':
      return [b64url(JSON.stringify({ alg: 'none', typ: 'JWT' })), b64url(JSON.stringify({ urn: targetUrn })), ''].join('.');
    case 'alg-none-nosig':
      return [b64url(JSON.stringify({ alg: 'none' })), b64url(JSON.stringify({ urn: targetUrn }))].join('.') + '.';
    case 'wrong-secret':
      return jwt.sign({ urn: targetUrn }, 'not-the-gateway-secret', { algorithm: 'HS256' });
    case 'hs512-header':
      return [b64url(JSON.stringify({ ...header, alg: 'HS512' })), b64url(JSON.stringify({ ...payload, urn: targetUrn })), s].join('.');
    case 'truncated':
      return base.slice(0, Math.max(1, base.length - 5));
    case 'garbage':
      return `${b64url('{')}.${b64url(targetUrn)}.x`;
  }
}

/** Does this JWT (as received in #setAuthToken) name one of `urns`? No signature check. */
export function tokenNames(token: unknown, urns: ReadonlySet<string>): boolean {
  if (typeof token !== 'string') return false;
  const urn = decodePart(token.split('.')[1])['urn'];
  return typeof urn === 'string' && urns.has(urn);
}

// ---------------------------------------------------------------------------------------------
// Commands an attacker runs. Targets are indexes into the legit widgets (resolved at run time).

export type Target = { legit: number } | { own: true } | { random: string };

export type AttackCommand =
  | { k: 'garbage'; s: string }
  | { k: 'json'; v: unknown }
  | { k: 'frame'; event: string; data: unknown; cid: boolean }
  | { k: 'register'; id: Target | undefined; extra: Record<string, unknown> }
  | { k: 'send'; userUrn: Target; text: string; cid: boolean }
  | { k: 'subscribe'; channel: Target; since: unknown }
  | { k: 'unsubscribe'; channel: Target }
  | { k: 'publish'; channel: Target; cid: boolean }
  | { k: 'history'; data: unknown }
  | { k: 'handshake'; forged: ForgeKind | undefined; target: number }
  | { k: 'authenticate'; forged: ForgeKind; target: number }
  | { k: 'removeAuth' }
  | { k: 'huge'; size: number; event: string }
  | { k: 'binary'; bytes: Uint8Array }
  | { k: 'nested'; depth: number; kind: 'array' | 'object' | 'inData' }
  | { k: 'pause'; ms: number };

export function commandArb(legitCount: number, maxPayload: number): fc.Arbitrary<AttackCommand> {
  const legit = fc.nat({ max: legitCount - 1 });
  const target: fc.Arbitrary<Target> = fc.oneof(
    { weight: 4, arbitrary: legit.map((i) => ({ legit: i })) },
    { weight: 1, arbitrary: fc.constant({ own: true as const }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((s) => ({ random: s })) },
  );
  const eventName = fc.oneof(
    fc.constantFrom(
      'registerUser',
      'sendMessageToChannel',
      'getHistory',
      'getSuggestions',
      '#subscribe',
      '#publish',
      '#unsubscribe',
      '#handshake',
      '#authenticate',
      '#removeAuthToken',
      '#disconnect',
      '__proto__',
      'constructor',
      'receivedMessageFromChannel',
      '#setAuthToken',
    ),
    fc.string({ maxLength: 30 }),
  );
  const json = fc.jsonValue({ maxDepth: 4 });
  const forge = fc.constantFrom(...FORGE_KINDS);
  return fc.oneof(
    fc.record({ k: fc.constant('garbage' as const), s: fc.string({ maxLength: 200, unit: 'binary' }) }),
    fc.record({ k: fc.constant('garbage' as const), s: fc.string({ maxLength: 200 }) }),
    fc.record({ k: fc.constant('json' as const), v: json }),
    fc.record({ k: fc.constant('frame' as const), event: eventName, data: json, cid: fc.boolean() }),
    fc.record({
      k: fc.constant('register' as const),
      id: fc.option(target, { nil: undefined }),
      extra: fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 3 }),
    }),
    fc.record({ k: fc.constant('send' as const), userUrn: target, text: fc.string({ minLength: 1, maxLength: 50 }), cid: fc.boolean() }),
    fc.record({ k: fc.constant('subscribe' as const), channel: target, since: fc.oneof(fc.constant(undefined), fc.constant(0), fc.integer(), json) }),
    fc.record({ k: fc.constant('unsubscribe' as const), channel: target }),
    fc.record({ k: fc.constant('publish' as const), channel: target, cid: fc.boolean() }),
    fc.record({
      k: fc.constant('history' as const),
      data: fc.oneof(json, fc.record({ since: fc.integer(), before: fc.integer(), limit: fc.integer() }, { requiredKeys: [] })),
    }),
    fc.record({ k: fc.constant('handshake' as const), forged: fc.option(forge, { nil: undefined }), target: legit }),
    fc.record({ k: fc.constant('authenticate' as const), forged: forge, target: legit }),
    fc.constant({ k: 'removeAuth' as const }),
    fc.record({
      k: fc.constant('huge' as const),
      size: fc.oneof(fc.integer({ min: maxPayload - 200, max: maxPayload + 200 }), fc.integer({ min: 1, max: maxPayload * 3 })),
      event: fc.constantFrom('sendMessageToChannel', 'registerUser', 'getHistory', '#publish', 'raw'),
    }),
    fc.record({ k: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 256 }) }),
    fc.record({
      k: fc.constant('nested' as const),
      depth: fc.integer({ min: 1, max: 3000 }),
      kind: fc.constantFrom('array' as const, 'object' as const, 'inData' as const),
    }),
    fc.record({ k: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  );
}

export function nestedJson(depth: number, kind: 'array' | 'object' | 'inData'): string {
  if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  const obj = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  if (kind === 'object') return obj;
  return `{"event":"registerUser","data":{"hostApi":null,"deep":${obj}},"cid":7}`;
}
