// Files through the real courier (weni-ai/courier 1.64), both channel types, both directions. One
// courier serves two gateways: its External channel (EX) posts to a SocketCluster gateway, its
// Weni Web Chat channel (WWC) to a WWC gateway. A small HTTP server of the test plays the
// platform's file storage for bot attachments (mailroom's `<content type>:<url>` form).
//   visitor -> courier: EX stores the file's URL in the text (its receive reads no attachment);
//     WWC downloads the file from the gateway at once and keeps its own copy as the attachment.
//   courier -> visitor: EX appends the URL to the text; WWC posts message{type, media_url, caption}.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { eventually, EX_CHANNEL, freePort, RealCourier, WWC_CHANNEL, type MsgRow } from '../helpers/courier.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { dataUrl, pdf, png, sha256 } from '../helpers/media-files.js';
import { RawWwc } from '../helpers/wwc-clients.js';
import { newVisitor } from '../helpers/wwc-gateway.js';

const BOT_PNG = png(32, 32, [30, 90, 200]);
const BOT_PDF = pdf();

describe('files through the real courier (EX and WWC channels)', () => {
  let courier: RealCourier;
  let ex: RunningGateway;
  let wwc: RunningGateway;
  let files: Server;
  let filesUrl = '';
  const widgets: V9Widget[] = [];
  const raws: RawWwc[] = [];

  const rowsOf = (urn: string, n: number, what: string): Promise<MsgRow[]> =>
    eventually(
      () => courier.messages(urn),
      (rows) => rows.length >= n,
      10_000,
      (rows) => `${what}: ${JSON.stringify(rows)}`,
    );
  const statusOf = (id: number, want: string): Promise<string> =>
    eventually(
      async () => (await courier.statuses([id])).get(id) ?? '',
      (s) => s === want,
      10_000,
      (s) => `status ${s}; ${courier.logTail()}`,
    );

  before(async () => {
    files = createServer((req, res) => {
      const file = req.url === '/bot.png' ? BOT_PNG : req.url === '/bill.pdf' ? BOT_PDF : undefined;
      if (file) {
        res.writeHead(200, { 'content-type': req.url!.endsWith('.pdf') ? 'application/pdf' : 'image/png', 'content-length': file.length });
        res.end(file);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
    const port = await freePort();
    ex = await startGateway({
      PLATFORM_URL: `http://127.0.0.1:${port}`,
      CHANNEL_UUID: EX_CHANNEL,
      WEBHOOK_TOKEN: TEST_TOKEN,
      STATUS_CALLBACKS: 'true',
      MAX_PAYLOAD: '256KiB',
    });
    ex.gateway.config.publicUrl = ex.url;
    wwc = await startGateway({
      PLATFORM_URL: `http://127.0.0.1:${port}`,
      PLATFORM_CHANNEL_TYPE: 'wwc',
      CHANNEL_UUID: WWC_CHANNEL,
      WEBHOOK_TOKEN: TEST_TOKEN,
    });
    wwc.gateway.config.publicUrl = wwc.url;
    courier = await RealCourier.start({ gatewayUrl: ex.url, webhookToken: TEST_TOKEN, port, wwcBaseUrl: `${wwc.url}/hooks/${TEST_TOKEN}` });
  });

  after(async () => {
    for (const w of widgets) w.close();
    for (const r of raws) r.close();
    await ex?.stop();
    await wwc?.stop();
    await courier?.stop();
    await new Promise((r) => files?.close(r));
  });

  const widget = async (): Promise<{ w: V9Widget; urn: string }> => {
    const w = new V9Widget(ex.port);
    widgets.push(w);
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    return { w, urn };
  };
  const visitor = async (): Promise<{ c: RawWwc; from: string }> => {
    const c = new RawWwc(`ws://127.0.0.1:${wwc.port}/ws`);
    raws.push(c);
    const from = newVisitor();
    const ready = await c.register(from, `${courier.url}/c/wwc/${WWC_CHANNEL}/receive`);
    assert.equal(ready.type, 'ready_for_message');
    return { c, from };
  };

  it("EX: a SocketCluster visitor's image becomes courier's incoming message whose text is the caption and the file's URL, which serves the same bytes", async () => {
    const { w, urn } = await widget();
    const bytes = png(60, 40);
    const { err, data } = await w.sendAck({ userUrn: urn, media: dataUrl('image/png', bytes), text: 'broken lid' });
    assert.equal(err, null);
    const [row] = await rowsOf(urn, 1, 'the file at courier');
    assert.deepEqual([row!.direction, row!.text, row!.attachments], ['I', `broken lid\n${data.media_url}`, null]);
    const res = await fetch(row!.text.split('\n')[1]!);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
  });

  it('EX: a bot message with an image attachment reaches the SocketCluster widget with the URL in its text and as attachments, and ends D', async () => {
    const { w, urn } = await widget();
    const url = `${filesUrl}/bot.png`;
    const [id] = await courier.queueSends(urn, [{ text: 'here it is', attachments: [`image/png:${url}`] }]);
    await waitFor(() => w.received.length >= 1, 10_000, 'the bot file');
    await sleep(300);
    assert.equal(w.received.length, 1, JSON.stringify(w.received));
    const got = w.received[0]!;
    assert.equal(got.id, String(id));
    assert.equal(got.text, `here it is\n${url}`, 'courier appends the URL to the text');
    assert.deepEqual(got['attachments'], [{ type: 'image', url }]);
    const history = await w.emitAck('getHistory', { limit: 10 });
    assert.deepEqual(history.data.messages.find((m: any) => m.direction === 'out')?.attachments, [{ type: 'image', url }]);
    assert.equal(await statusOf(id!, 'D'), 'D');
  });

  it('WWC: a visitor image is answered with an ack; courier downloads it from the gateway and keeps the same bytes as the attachment, caption as text', async () => {
    const { c, from } = await visitor();
    const bytes = png(50, 30, [10, 200, 10]);
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', bytes), caption: 'my photo' } });
    const ack = await c.next('ack');
    const url: string = ack.message.media_url;
    assert.ok(url.startsWith(`${wwc.url}/media/`), url);
    const [row] = await rowsOf(from, 1, 'the file at courier');
    assert.equal(row!.direction, 'I');
    assert.equal(row!.text, 'my photo');
    assert.equal(row!.attachments?.length, 1);
    const att = row!.attachments?.[0] ?? '';
    const [type, where] = [att.slice(0, att.indexOf(':')), att.slice(att.indexOf(':') + 1)];
    assert.equal(type, 'image/png');
    // Courier's own copy: with no S3 configured (as here) a path under its run folder; with S3, an S3 URL.
    assert.match(where, /^_storage\/media\/\d+\/.+\.png$/);
    const held = readFileSync(`${courier.runDir}/${where}`);
    assert.equal(sha256(held), sha256(bytes));
  });

  it('WWC: a bot message with an image attachment reaches the WWC client as message{type:image, media_url, caption} and ends S', async () => {
    const { c, from } = await visitor();
    c.send({ type: 'message', message: { type: 'text', text: 'send me the picture' } });
    await rowsOf(from, 1, 'the text at courier');
    const url = `${filesUrl}/bot.png`;
    const [id] = await courier.queueSends(from, [{ text: 'the picture', attachments: [`image/png:${url}`] }], 10, WWC_CHANNEL);
    const frame = await c.next('message', 1, 10_000);
    assert.equal(frame.message.type, 'image');
    assert.equal(frame.message.media_url, url);
    assert.equal(frame.message.caption, 'the picture');
    assert.equal(await statusOf(id!, 'S'), 'S');
  });

  it('EX: a bot message with an image and a PDF is one post, both URLs after the caption; the widget gets both as attachments with the quick replies, and it ends D', async () => {
    const { w, urn } = await widget();
    const [a, b] = [`${filesUrl}/bot.png`, `${filesUrl}/bill.pdf`];
    const [id] = await courier.queueSends(urn, [{ text: 'both files', attachments: [`image/png:${a}`, `application/pdf:${b}`], quickReplies: ['ok'] }]);
    await waitFor(() => w.received.length >= 1, 10_000, 'the bot files');
    await sleep(300);
    assert.deepEqual(
      w.received.map((m) => [m.id, m.text, m['attachments'], m.quick_replies]),
      [
        [
          String(id),
          `both files\n${a}\n${b}`,
          [
            { type: 'image', url: a },
            { type: 'file', url: b },
          ],
          ['ok'],
        ],
      ],
    );
    assert.equal(await statusOf(id!, 'D'), 'D');
  });

  it("EX: with courier's default max_length (160 bytes) a caption and URL over 160 bytes are cut inside the URL, so that file reaches the widget as two pieces of text", async () => {
    const { w, urn } = await widget();
    const url = `${filesUrl}/bill.pdf`;
    const caption = 'Segue a sua fatura do mês, com todos os detalhes do pedido, os impostos e a data de vencimento. Qualquer dúvida é só responder aqui';
    assert.ok(Buffer.byteLength(caption) < 160 && Buffer.byteLength(`${caption}\n${url}`) > 160);
    const [id] = await courier.queueSends(urn, [{ text: caption, attachments: [`application/pdf:${url}`] }]);
    await waitFor(() => w.received.length >= 2, 10_000, 'two parts');
    await sleep(300);
    const parts = w.received;
    assert.equal(parts.length, 2, JSON.stringify(parts));
    assert.equal(parts[0]!.text + parts[1]!.text, `${caption}\n${url}`, 'split inside the URL, nothing trimmed');
    assert.equal(Buffer.byteLength(parts[0]!.text), 160);
    assert.deepEqual(
      parts.map((p) => [p.id, p['attachments']]),
      [
        [String(id), undefined],
        [`${id}.2`, undefined],
      ],
      'neither piece is a whole URL',
    );
    assert.equal(await statusOf(id!, 'D'), 'D');
  });

  it('WWC: a bot message with two attachments is two posts, the caption on the first and the quick replies on the last; the client gets both; it ends S', async () => {
    const { c, from } = await visitor();
    c.send({ type: 'message', message: { type: 'text', text: 'hello' } });
    await rowsOf(from, 1, 'the text at courier');
    const [a, b] = [`${filesUrl}/bot.png`, `${filesUrl}/bill.pdf`];
    const [id] = await courier.queueSends(
      from,
      [{ text: 'both files', attachments: [`image/png:${a}`, `application/pdf:${b}`], quickReplies: ['ok'] }],
      10,
      WWC_CHANNEL,
    );
    await c.next('message', 2, 10_000);
    await sleep(300);
    assert.deepEqual(
      c.of('message').map((f) => [f.message.type, f.message.media_url, f.message.caption, f.message.quick_replies]),
      [
        ['image', a, 'both files', undefined],
        ['file', b, undefined, ['ok']],
      ],
    );
    assert.equal(await statusOf(id!, 'S'), 'S');
  });

  it('WWC: courier sends no attachment whose type is not image/, audio/, video/ or application/: a text/plain file ends F and nothing reaches the client', async () => {
    const { c, from } = await visitor();
    c.send({ type: 'message', message: { type: 'text', text: 'hello' } });
    await rowsOf(from, 1, 'the text at courier');
    const [id] = await courier.queueSends(from, [{ text: 'notes', attachments: [`text/plain:${filesUrl}/notes.txt`] }], 10, WWC_CHANNEL);
    assert.equal(await statusOf(id!, 'F'), 'F');
    await sleep(500);
    assert.deepEqual(c.of('message'), []);
    assert.match(await courier.sql(`SELECT description FROM channels_channellog WHERE msg_id = ${id}`), /Error sending message/);
  });

  it("WWC: courier answers 400 when it cannot fetch a visitor's file; the gateway retries, and once the file URL is reachable courier stores it", async () => {
    const { c, from } = await visitor();
    const bytes = png(12, 12, [90, 90, 90]);
    wwc.gateway.config.publicUrl = 'http://127.0.0.1:9'; // nothing listens there
    try {
      c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', bytes) } });
      await c.next('ack');
      await eventually(
        () =>
          courier.sql(`SELECT count(*) FROM channels_channellog WHERE response_status = 400 AND url LIKE '%/c/wwc/%' AND request LIKE '%127.0.0.1:9/media/%'`),
        (n) => Number(n) >= 2,
        10_000,
        (n) => `${n} refusals`,
      );
      assert.deepEqual(await courier.messages(from), []);
    } finally {
      wwc.gateway.config.publicUrl = wwc.url;
    }
    const [row] = await rowsOf(from, 1, 'the file at courier after the retry');
    const where = row!.attachments![0]!.slice('image/png:'.length);
    assert.equal(sha256(readFileSync(`${courier.runDir}/${where}`)), sha256(bytes));
    assert.deepEqual(await wwc.gateway.store.outboxStats(), { pending: 0, failed: 0 });
  });
});
