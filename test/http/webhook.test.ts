import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { postToGateway } from '../helpers/platform.js';

describe('the platform webhook (POST /send)', () => {
  let gw: RunningGateway;
  let w: V9Widget;
  let urn: string;
  before(async () => {
    gw = await startGateway({ PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, MAX_WEBHOOK_BODY: '4KiB' });
    w = new V9Widget(gw.port);
    urn = (await w.register()).urn;
    await w.subscribeAndWait(urn);
  });
  after(async () => {
    w.close();
    await gw.stop();
  });

  it('accepts the token verbatim, as Bearer and as Token, and answers with "success" and the id', async () => {
    for (const [i, token] of [TEST_TOKEN, `Bearer ${TEST_TOKEN}`, `Token ${TEST_TOKEN}`].entries()) {
      const r = await postToGateway(gw.url, { id: `auth-${i}`, text: 'x', to: urn }, { token });
      assert.equal(r.status, 200);
      assert.match(JSON.stringify(r.body), /success/);
      assert.equal(r.body.id, `auth-${i}`);
    }
  });

  it('answers 401 to a missing or wrong token, and publishes nothing', async () => {
    const before = w.received.length;
    for (const token of [undefined, 'wrong', `Bearer wrong`, `${TEST_TOKEN}x`, '']) {
      const r = await postToGateway(gw.url, { id: 'nope', text: 'forged', to: urn }, { token });
      assert.equal(r.status, 401, String(token));
      assert.equal(r.body.error, 'WG_ERR_UNAUTHORIZED');
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.received.length, before);
  });

  it("takes courier's default form body, with repeated quick_reply fields", async () => {
    const r = await postToGateway(
      gw.url,
      { id: 'form-1', text: 'Pick one', to: urn, from: 'push-web', channel: 'c', quick_replies: ['Yes', 'No'] },
      { token: TEST_TOKEN, format: 'form' },
    );
    assert.equal(r.status, 200);
    await waitFor(() => w.received.some((m) => m.id === 'form-1'), 5000, 'form message');
    const m = w.received.find((x) => x.id === 'form-1')!;
    assert.deepEqual(m.quick_replies, ['Yes', 'No']);
    assert.equal(m['from'], 'push-web');
  });

  it('normalises quick_replies from a JSON-encoded string and from absence', async () => {
    const res = await fetch(gw.url + '/send', {
      method: 'POST',
      headers: { authorization: TEST_TOKEN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id: 'qr-str', text: 't', to: urn, quick_replies: '["A","B"]' }).toString(),
    });
    assert.equal(res.status, 200);
    await postToGateway(gw.url, { id: 'qr-none', text: 't', to: urn }, { token: TEST_TOKEN });
    await waitFor(() => w.received.some((m) => m.id === 'qr-none') && w.received.some((m) => m.id === 'qr-str'), 5000, 'both');
    assert.deepEqual(w.received.find((m) => m.id === 'qr-str')!.quick_replies, ['A', 'B']);
    assert.deepEqual(w.received.find((m) => m.id === 'qr-none')!.quick_replies, []);
  });

  it('decodes quick replies that courier posts still JSON-escaped, and leaves plain ones alone', async () => {
    // What courier 1.64 posts for the quick replies ['Say "no"', 'Terms & conditions', 'a\\b'] as
    // mailroom stores them (JSON with & as \u0026): each one's JSON escapes, not decoded.
    const escaped = ['Say \\"no\\"', 'Terms \\u0026 conditions', 'a\\\\b', 'plain', 'say "hi" \\n'];
    const r = await postToGateway(gw.url, { id: 'qr-esc', text: 't', to: urn, quick_replies: escaped }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
    await waitFor(() => w.received.some((m) => m.id === 'qr-esc'), 5000, 'escaped quick replies');
    // The last one has a bare quote: not what such a courier sends, so it is kept as it came.
    assert.deepEqual(w.received.find((m) => m.id === 'qr-esc')!.quick_replies, ['Say "no"', 'Terms & conditions', 'a\\b', 'plain', 'say "hi" \\n']);
  });

  it('accepts POST / like /send, for send URLs that point at the root', async () => {
    const r = await postToGateway(gw.url, { id: 'root-1', text: 'via root', to: urn }, { token: TEST_TOKEN, path: '/' });
    assert.equal(r.status, 200);
    await waitFor(() => w.received.some((m) => m.id === 'root-1'), 5000, 'root message');
  });

  it('accepts courier\'s ext: URN form of "to"', async () => {
    const r = await postToGateway(gw.url, { id: 'ext-1', text: 'ext', to: `ext:${urn}` }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
    await waitFor(() => w.received.some((m) => m.id === 'ext-1' && m.to === urn), 5000, 'ext message');
  });

  it('answers a duplicate id with 200 and shows it once', async () => {
    const a = await postToGateway(gw.url, { id: 'dup-1', text: 'once', to: urn }, { token: TEST_TOKEN });
    const b = await postToGateway(gw.url, { id: 'dup-1', text: 'once', to: urn }, { token: TEST_TOKEN });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.body.duplicate, true);
    assert.equal(a.body.seq, b.body.seq);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(w.received.filter((m) => m.id === 'dup-1').length, 1);
  });

  it('shows every part of a long message courier posted in parts with one id, buttons with the last', async () => {
    // Courier's External sender splits a text longer than the channel's max_length and posts
    // each part with the same id; only the last part carries the quick replies.
    const parts = ['Olá! Esta é a primeira parte de uma resposta longa', 'a segunda parte', 'e a última, com botões.'];
    const answers = [];
    for (const [i, text] of parts.entries()) {
      const qr = i === parts.length - 1 ? ['Sim', 'Não'] : [];
      answers.push(await postToGateway(gw.url, { id: '9001', text, to: `ext:${urn}`, quick_replies: qr }, { token: TEST_TOKEN }));
    }
    assert.deepEqual(
      answers.map((a) => [a.status, a.body.duplicate, a.body.id]),
      [
        [200, false, '9001'],
        [200, false, '9001.2'],
        [200, false, '9001.3'],
      ],
    );
    // A retry of a part is still a duplicate.
    const retry = await postToGateway(gw.url, { id: '9001', text: parts[1]!, to: urn }, { token: TEST_TOKEN });
    assert.deepEqual([retry.status, retry.body.duplicate, retry.body.id], [200, true, '9001.2']);
    await waitFor(() => w.received.filter((m) => String(m.id).startsWith('9001')).length >= 3, 5000, 'three parts');
    await new Promise((r) => setTimeout(r, 100));
    const shown = w.received.filter((m) => String(m.id).startsWith('9001'));
    assert.deepEqual(
      shown.map((m) => [m.id, m.text, m.quick_replies, m['part']]),
      [
        ['9001', parts[0], [], undefined],
        ['9001.2', parts[1], [], 2],
        ['9001.3', parts[2], ['Sim', 'Não'], 3],
      ],
    );
    const h = await w.emitAck('getHistory', { limit: 50 });
    assert.deepEqual(
      h.data.messages.filter((m: any) => String(m.id).startsWith('9001')).map((m: any) => m.text),
      parts,
    );
  });

  it('answers malformed, incomplete, unknown and oversized bodies with a JSON error', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(gw.url + '/send', { method: 'POST', headers: { authorization: TEST_TOKEN, 'content-type': type }, body }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    const cases: Array<[string, string, number, string]> = [
      ['{not json', 'application/json', 400, 'WG_ERR_MALFORMED_BODY'],
      ['[1,2]', 'application/json', 400, 'WG_ERR_MALFORMED_BODY'],
      [JSON.stringify({ text: 'no to' }), 'application/json', 400, 'WG_ERR_MISSING_FIELD'],
      [JSON.stringify({ to: urn }), 'application/json', 400, 'WG_ERR_MISSING_FIELD'],
      [JSON.stringify({ to: urn, text: 5 }), 'application/json', 400, 'WG_ERR_MISSING_FIELD'],
      [JSON.stringify({ to: urn, text: 'x'.repeat(5000) }), 'application/json', 413, 'WG_ERR_BODY_TOO_LARGE'],
      ['<xml/>', 'application/xml', 415, 'WG_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [body, type, status, code] of cases) {
      const r = await post(body, type);
      assert.equal(r.status, status, body.slice(0, 40));
      assert.equal(r.body.error, code);
      assert.equal(typeof r.body.message, 'string');
    }
    // The session still works.
    const ok = await postToGateway(gw.url, { id: 'after-errors', text: 'fine', to: urn }, { token: TEST_TOKEN });
    assert.equal(ok.status, 200);
  });

  it('accepts a message for a urn without a session (200, dropped), counts it, and stores nothing', async () => {
    // A refusal would cost courier/mailroom 15 minutes of retries for a visitor nobody can reach.
    const r = await postToGateway(gw.url, { id: 'ghost-1', text: 'x', to: 'ext:nobody-has-this' }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'success', id: 'ghost-1', dropped: true, reason: 'WG_ERR_UNKNOWN_SESSION' });
    assert.equal(await gw.gateway.store.getSession('nobody-has-this'), null);
    const metrics = await (await fetch(gw.url + '/metrics')).text();
    assert.match(metrics, /wg_webhook_dropped_total\{reason="unknown_session"\} 1/);
  });

  it('stops reading a chunked body (no Content-Length) once it passes MAX_WEBHOOK_BODY and answers 413', async () => {
    const { request } = await import('node:http');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(gw.url + '/send', { method: 'POST', headers: { authorization: TEST_TOKEN, 'content-type': 'application/json' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.on('error', reject);
      // 2 KiB chunks, up to 64 KiB: the gateway answers after the third and closes; writes
      // after that may fail, which is fine.
      let sent = 0;
      const more = (): void => {
        if (sent >= 32 || req.destroyed) {
          req.end();
          return;
        }
        sent++;
        req.write('x'.repeat(2048), () => setTimeout(more, 5));
      };
      more();
    });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error, 'WG_ERR_BODY_TOO_LARGE');
    const ok = await postToGateway(gw.url, { id: 'after-chunked', text: 'fine', to: urn }, { token: TEST_TOKEN });
    assert.equal(ok.status, 200);
  });

  it('serves /healthz, and 404/405 with JSON errors elsewhere', async () => {
    assert.equal((await fetch(gw.url + '/healthz')).status, 200);
    const nf = await fetch(gw.url + '/nope');
    assert.equal(nf.status, 404);
    assert.equal((await nf.json()).error, 'WG_ERR_NOT_FOUND');
    const na = await fetch(gw.url + '/healthz', { method: 'DELETE' });
    assert.equal(na.status, 405);
  });
});

describe('the webhook without WEBHOOK_TOKEN (demo mode)', () => {
  it('is disabled rather than open', async () => {
    const gw = await startGateway({});
    try {
      const r = await postToGateway(gw.url, { id: '1', text: 'x', to: 'y' }, { token: 'anything' });
      assert.equal(r.status, 503);
      assert.equal(r.body.error, 'WG_ERR_WEBHOOK_DISABLED');
    } finally {
      await gw.stop();
    }
  });
});
