// The admin API over real HTTP, on a real gateway with a platform stand-in and real v9 widgets:
// off without ADMIN_TOKEN, 401 without the token, bounded pages, a conversation with delivery
// states, the failed outbox and its retry (and the refusal to retry what has not failed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { dataUrl, png, sha256 } from '../helpers/media-files.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

const ADMIN = 'admin-secret-for-tests';

async function call(url: string, options: { method?: string; token?: string | null } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? ADMIN : options.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(url, { method: options.method ?? 'GET', headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

describe('admin API', () => {
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  const widgets: V9Widget[] = [];
  let down = false;

  before(async () => {
    platform = await new PlatformStandIn().start();
    platform.responder = (_req, form) => (down || form.get('text') === 'refuse me' ? { status: down ? 503 : 400, body: 'no' } : undefined);
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ADMIN_TOKEN: ADMIN });
  });
  after(async () => {
    for (const w of widgets) w.close();
    await gw.stop();
    await platform.stop();
  });

  async function widget(id?: string): Promise<V9Widget & { urn: string }> {
    const w = new V9Widget(gw.port);
    widgets.push(w);
    const r = await w.register(id ? { id } : {});
    assert.ok(r.urn, JSON.stringify(r));
    await w.subscribeAndWait();
    return w as V9Widget & { urn: string };
  }

  it('answers 404 everywhere under /admin/ when ADMIN_TOKEN is not set', async () => {
    const plain = await startGateway();
    try {
      for (const path of ['/admin/', '/admin/api/overview', '/admin/api/sessions', '/admin/admin.js']) {
        assert.equal((await call(plain.url + path)).status, 404, path);
      }
    } finally {
      await plain.stop();
    }
  });

  it('answers 401 without the token, with a wrong one, or with it bare instead of Bearer', async () => {
    assert.equal((await call(gw.url + '/admin/api/overview', { token: null })).status, 401);
    assert.equal((await call(gw.url + '/admin/api/overview', { token: 'wrong' })).status, 401);
    const bare = await fetch(gw.url + '/admin/api/sessions', { headers: { authorization: ADMIN } });
    assert.equal(bare.status, 401);
    const r = await call(gw.url + '/admin/api/outbox/1/retry', { method: 'POST', token: null });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'WG_ERR_UNAUTHORIZED');
    // The page itself is static and carries no data: it loads, then asks for the token. It may
    // load only its own files and talk only to its own origin, and not be framed.
    const page = await fetch(gw.url + '/admin/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });

  it('overview tells version, node, connections by protocol, rates each way, outbox and store', async () => {
    const w = await widget();
    w.send('counted');
    await waitFor(() => platform.textsFrom(w.urn).includes('counted'), 10_000, 'platform got it');
    const o = (await call(gw.url + '/admin/api/overview')).body;
    assert.match(o.version, /^\d+\.\d+\.\d+/);
    assert.match(o.node, /:\d+$/);
    assert.equal(typeof o.uptimeSeconds, 'number');
    assert.ok(o.connections.socketcluster >= 1, JSON.stringify(o.connections));
    assert.ok(o.messagesPerMinute.in >= 1);
    assert.equal(typeof o.messagesPerMinute.out, 'number');
    assert.deepEqual(Object.keys(o.outbox).sort(), ['failed', 'oldestPendingAgeSeconds', 'pending']);
    assert.ok(o.sessions >= 1);
    assert.deepEqual(o.store, { kind: 'memory', state: 'ok', bytes: null });
    assert.equal(o.ready, true);
  });

  it('pages sessions with a cursor, bounded by limit, and finds one by its id', async () => {
    for (let i = 0; i < 7; i++) await widget(`pager-${i}`);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await call(
        `${gw.url}/admin/api/sessions?q=pager-&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(r.status, 200);
      assert.ok(r.body.sessions.length <= 3);
      for (const s of r.body.sessions) seen.add(s.urn);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(
      [...seen].sort(),
      Array.from({ length: 7 }, (_, i) => `pager-${i}`),
    );
    const one = (await call(`${gw.url}/admin/api/sessions?q=pager-4`)).body.sessions;
    assert.equal(one.length, 1);
    assert.equal(one[0].urn, 'pager-4');
    assert.equal(one[0].liveConnections, 1);
    assert.equal(one[0].outboxState, 'ok');
    assert.equal((await call(`${gw.url}/admin/api/sessions?limit=5000`)).body.sessions.length <= 100, true);
    assert.equal((await call(`${gw.url}/admin/api/sessions?cursor=garbage`)).status, 400);
    assert.equal((await call(`${gw.url}/admin/api/sessions?limit=-1`)).status, 400);
  });

  it('shows a conversation with the delivery state of each message', async () => {
    const w = await widget();
    w.send('refuse me');
    await waitFor(() => platform.attempts > 0 && platform.textsFrom(w.urn).length === 0, 10_000);
    const sent = await postToGateway(gw.url, { id: 'reply-1', text: 'hello from the bot', to: w.urn, quick_replies: ['yes', 'no'] }, { token: TEST_TOKEN });
    assert.equal(sent.status, 200);
    await waitFor(() => w.received.some((m) => m.id === 'reply-1'), 10_000, 'widget got the reply');
    let page: any;
    for (let i = 0; i < 50; i++) {
      page = (await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages`)).body;
      if (page.messages.length === 2 && page.messages.every((m: any) => m.state === 'failed' || m.state === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(
      page.messages.map((m: any) => [m.direction, m.text, m.state]),
      [
        ['in', 'refuse me', 'failed'],
        ['out', 'hello from the bot', 'delivered'],
      ],
    );
    assert.deepEqual(page.messages[1].quickReplies, ['yes', 'no']);
    assert.equal(page.messages[0].lastError, 'HTTP 400');
    assert.equal(typeof page.messages[0].outboxId, 'string');
    assert.equal(page.session.outboxState, 'failed');
    assert.equal(page.nextBefore, null);
    assert.equal((await call(`${gw.url}/admin/api/sessions/nobody/messages`)).status, 404);
    assert.equal((await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages?before=abc`)).status, 400);
  });

  it("shows a conversation's files: the visitor's upload with its URL, the platform's attachments", async () => {
    const w = await widget();
    const bytes = png(12, 12, [10, 120, 200]);
    const up = await w.sendAck({ userUrn: w.urn, media: dataUrl('image/png', bytes), text: 'the broken lid' });
    assert.equal(up.err, null);
    const bot = { id: 'file-1', text: 'Our manual', to: w.urn, attachments: [{ type: 'file', url: 'https://cdn.example.org/manual.pdf' }] };
    assert.equal((await postToGateway(gw.url, bot, { token: TEST_TOKEN })).status, 200);
    const page = (await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages`)).body;
    assert.deepEqual(
      page.messages.map((m: any) => [m.direction, m.text, m.attachments]),
      [
        ['in', 'the broken lid', [{ type: 'image', url: up.data.media_url }]],
        ['out', 'Our manual', [{ type: 'file', url: 'https://cdn.example.org/manual.pdf' }]],
      ],
    );
    const served = await fetch(page.messages[0].attachments[0].url);
    assert.equal(sha256(Buffer.from(await served.arrayBuffer())), sha256(bytes));
  });

  it('pages back through a long conversation with before=', async () => {
    const w = await widget();
    for (let i = 0; i < 60; i++) await postToGateway(gw.url, { id: `long-${i}`, text: `m${i}`, to: w.urn }, { token: TEST_TOKEN });
    const first = (await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages`)).body;
    assert.equal(first.messages.length, 50);
    assert.equal(first.messages.at(-1).text, 'm59');
    const older = (await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages?before=${first.nextBefore}`)).body;
    assert.deepEqual(
      older.messages.map((m: any) => m.text),
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    assert.equal(older.nextBefore, null);
  });

  it('lists failed entries, refuses to retry a pending or unknown one, and retries a failed one once the platform is back', async () => {
    const w = await widget();
    down = true;
    w.send('stuck while down');
    await waitFor(() => platform.attempts > 0, 10_000);
    // Pending (the platform answers 503, so it is retried, not failed): a retry is refused.
    const conv = (await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages`)).body;
    const pending = conv.messages.find((m: any) => m.text === 'stuck while down');
    assert.equal(pending.state, 'queued');
    const refused = await call(`${gw.url}/admin/api/outbox/${pending.outboxId}/retry`, { method: 'POST' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'WG_ERR_OUTBOX_NOT_FAILED');
    assert.equal((await call(`${gw.url}/admin/api/outbox/424242/retry`, { method: 'POST' })).status, 404);
    assert.equal((await call(`${gw.url}/admin/api/outbox/424242/retry`)).status, 405);
    down = false;
    await waitFor(() => platform.textsFrom(w.urn).includes('stuck while down'), 10_000, 'delivered after the outage');

    // A failed one (the platform refused it with 400) is listed and can be retried.
    w.send('refuse me');
    let entry: any;
    for (let i = 0; i < 100 && !entry; i++) {
      const list = (await call(`${gw.url}/admin/api/outbox?state=failed`)).body;
      entry = list.entries.find((e: any) => e.urn === w.urn);
      if (!entry) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(entry, 'the refused message is listed as failed');
    assert.equal(entry.text, 'refuse me');
    assert.equal(entry.lastError, 'HTTP 400');
    assert.equal((await call(`${gw.url}/admin/api/outbox?state=pending`)).status, 400);
    platform.responder = () => undefined; // the platform now accepts it
    const r = await call(`${gw.url}/admin/api/outbox/${entry.id}/retry`, { method: 'POST' });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'requeued');
    await waitFor(() => platform.textsFrom(w.urn).includes('refuse me'), 10_000, 'retried message reached the platform');
    const after = (await call(`${gw.url}/admin/api/outbox?state=failed`)).body;
    assert.equal(
      after.entries.some((e: any) => e.urn === w.urn),
      false,
    );
  });

  it('still ends a session with DELETE /admin/sessions/{urn}', async () => {
    const w = await widget();
    const r = await call(`${gw.url}/admin/sessions/${encodeURIComponent(w.urn)}`, { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ended');
    assert.equal((await call(`${gw.url}/admin/api/sessions/${encodeURIComponent(w.urn)}/messages`)).status, 404);
  });
});
