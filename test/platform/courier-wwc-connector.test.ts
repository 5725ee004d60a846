// Courier's WWC receive answers 400 both for an invalid body and when it cannot download a
// visitor's file (measured in test/courier/courier-media.test.ts). The gateway builds valid bodies,
// so a 400 for a file is retried (the file URL may become reachable); a 400 for text is final.
// Against a platform stand-in that answers every request 400, as courier does in those cases.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CourierWwcConnector } from '../../src/platform/courier-wwc.js';
import type { ForwardEntry } from '../../src/platform/connector.js';

describe("courier WWC connector: courier's 400", () => {
  let server: Server;
  let base = '';
  const bodies: unknown[] = [];
  const connector = new CourierWwcConnector({ timeout: 5000 });
  const session = { urn: 'v1', channelUuid: 'f1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b', hostApi: null, createdAt: 0 };
  const entry: ForwardEntry = { ref: 'r', urn: 'v1', seq: 1, messageId: 'm1', text: '', createdAt: Date.now(), attempts: 0 };

  before(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"Error","data":[{"type":"error","error":"connection refused"}]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await connector.close();
    await new Promise((r) => server.close(r));
  });

  it('retries a file that courier answered 400 (it could not fetch it), naming the URL', async () => {
    const media = { kind: 'image' as const, contentType: 'image/png', url: 'http://127.0.0.1:9/media/abc/image.png' };
    const result = await connector.forward({ ...entry, media }, session, base);
    assert.equal(result.outcome, 'retry');
    assert.match(result.outcome === 'retry' ? result.reason : '', /HTTP 400.*127\.0\.0\.1:9\/media\/abc\/image\.png.*PUBLIC_URL/);
    assert.equal((bodies.at(-1) as { message: { media_url: string } }).message.media_url, media.url);
  });

  it('gives up on a text that courier answered 400', async () => {
    assert.deepEqual(await connector.forward({ ...entry, text: 'hello' }, session, base), { outcome: 'rejected', reason: 'HTTP 400' });
  });
});
