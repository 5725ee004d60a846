import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CurrentWidget, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

describe('registerUser', () => {
  let gw: RunningGateway;
  let platform: PlatformStandIn;
  let other: PlatformStandIn;
  before(async () => {
    platform = await new PlatformStandIn().start();
    other = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, PLATFORM_HOSTS: other.url, WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
    await other.stop();
  });

  it('answers {} with a new urn of at least 120 random bits, in both the error and the data slot', async () => {
    const w = new V9Widget(gw.port);
    const slots = await new Promise<[unknown, unknown]>((resolve) => w.socket.emit('registerUser', {}, (a: unknown, b: unknown) => resolve([a, b])));
    assert.equal(typeof slots[0], 'string', 'first argument is a JSON string');
    assert.equal(slots[0], slots[1]);
    const { urn } = JSON.parse(slots[0] as string);
    assert.match(urn, /^[A-Za-z0-9_-]{21,}$/);
    const urns = new Set<string>();
    for (let i = 0; i < 20; i++) urns.add((await w.register()).urn);
    assert.equal(urns.size, 20, 'every registration gets a fresh urn');
    w.close();
  });

  it('sets a signed auth token naming the urn', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    await waitFor(() => w.jar.token !== null, 3000, 'token saved');
    const payload = JSON.parse(Buffer.from(w.jar.token!.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.urn, urn);
    assert.ok(payload.exp > Date.now() / 1000 + 29 * 86400, 'token lives TOKEN_TTL (30 days)');
    w.close();
  });

  it('creates a page-chosen id, resumes it for its owner, and refuses it to anyone else', async () => {
    const id = `page.user-${Date.now()}@example_org`;
    const owner = new V9Widget(gw.port);
    assert.deepEqual(await owner.register({ id }), { urn: id });
    await waitFor(() => owner.jar.token !== null, 3000, 'token');
    // Same token (a reload): resumed.
    const reload = new V9Widget(gw.port, { jar: owner.jar });
    assert.deepEqual(await reload.register({ id }), { urn: id });
    // Another browser: refused, with a code it can show.
    const stranger = new V9Widget(gw.port);
    const refusal = await stranger.register({ id });
    assert.equal(refusal.error, 'WG_ERR_SESSION_TAKEN');
    assert.equal(typeof refusal.message, 'string');
    assert.equal(refusal.urn, undefined);
    for (const w of [owner, reload, stranger]) w.close();
  });

  it('refuses malformed ids, channels and payloads with a JSON error the widget can parse', async () => {
    const w = new V9Widget(gw.port);
    assert.equal((await w.register({ id: 'has space' })).error, 'WG_ERR_INVALID_SESSION_ID');
    assert.equal((await w.register({ id: 'x'.repeat(129) })).error, 'WG_ERR_INVALID_SESSION_ID');
    assert.equal((await w.register({ id: 42 })).error, 'WG_ERR_INVALID_SESSION_ID');
    assert.equal((await w.register({ channelUUID: 'not-a-uuid' })).error, 'WG_ERR_INVALID_CHANNEL');
    const r = await new Promise<string>((resolve) => w.socket.emit('registerUser', 'a string', (first: string) => resolve(first)));
    assert.equal(JSON.parse(r).error, 'WG_ERR_INVALID_PAYLOAD');
    // The socket is still usable.
    assert.ok((await w.register()).urn);
    w.close();
  });

  it('refuses a hostApi that is not an allowed platform (no open proxy)', async () => {
    const w = new V9Widget(gw.port, { query: { hostApi: 'http://127.0.0.1:9' } });
    const r = await w.register();
    assert.equal(r.error, 'WG_ERR_HOST_NOT_ALLOWED');
    const viaPayload = await w.register({ hostApi: 'https://evil.example.com' });
    assert.equal(viaPayload.error, 'WG_ERR_HOST_NOT_ALLOWED');
    w.close();
    assert.equal(platform.attempts + other.attempts, 0, 'no platform was called');
  });

  it('takes channelUUID and hostApi from the raw (unencoded) v9 query and routes the messages there', async () => {
    const channel = '11111111-2222-4333-8444-555555555555';
    const w = new V9Widget(gw.port, { query: { channelUUID: channel, hostApi: other.url } });
    const { urn } = await w.register();
    const session = await gw.gateway.store.getSession(urn);
    assert.equal(session?.channelUuid, channel);
    assert.equal(session?.hostApi, other.url);
    w.send('to the other platform');
    await waitFor(() => other.received.length === 1, 5000, 'other platform receives');
    assert.equal(other.received[0]!.channel, channel);
    assert.equal(platform.textsFrom(urn).length, 0);
    w.close();
  });

  it('uses the configured channel when the widget names none', async () => {
    const w = new CurrentWidget(gw.port);
    const { urn } = await w.register();
    assert.equal((await gw.gateway.store.getSession(urn))?.channelUuid, TEST_CHANNEL);
    w.close();
  });
});

describe('session tokens across reloads', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({});
  });
  after(() => gw.stop());

  it('lets a reloaded widget subscribe straight to its urn with the stored token', async () => {
    const jar = new TokenJar();
    const first = new V9Widget(gw.port, { jar });
    const { urn } = await first.register();
    await waitFor(() => jar.token !== null, 3000, 'token');
    first.close();
    const reloaded = new V9Widget(gw.port, { jar });
    await reloaded.subscribeAndWait(urn);
    reloaded.close();
  });

  it('refuses the subscription of a socket without that token (subscribeFail with a code)', async () => {
    const owner = new V9Widget(gw.port);
    const { urn } = await owner.register();
    const intruder = new V9Widget(gw.port);
    await intruder.register();
    await assert.rejects(intruder.subscribeAndWait(urn), (err: Error) => err.name === 'WG_ERR_NOT_SESSION_OWNER');
    const anonymous = new V9Widget(gw.port);
    await assert.rejects(anonymous.subscribeAndWait(urn), (err: Error) => err.name === 'WG_ERR_NOT_SESSION_OWNER');
    for (const w of [owner, intruder, anonymous]) w.close();
  });

  it('does not accept a token signed with another key', async () => {
    const jar = new TokenJar();
    const w = new V9Widget(gw.port, { jar });
    const { urn } = await w.register();
    await waitFor(() => jar.token !== null, 3000, 'token');
    const [h, , s] = jar.token!.split('.');
    const forged = Buffer.from(JSON.stringify({ urn: 'someone-else', exp: 9999999999 })).toString('base64url');
    jar.token = `${h}.${forged}.${s}`;
    const again = new V9Widget(gw.port, { jar });
    await assert.rejects(again.subscribeAndWait('someone-else'), (err: Error) => err.name === 'WG_ERR_NOT_SESSION_OWNER');
    void urn;
    w.close();
    again.close();
  });
});
