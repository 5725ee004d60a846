// GET /widget.js: one file, small, cacheable; GET / embeds it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { WIDGET_CACHE_CONTROL } from '../../src/http/widget-asset.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const WIDGET_FILE = new URL('../../widget/widget.js', import.meta.url);
const MAX_GZIPPED = 40 * 1024;

describe('GET /widget.js', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.stop();
  });

  it('is one self-contained file under 40 KB gzipped, client library included', () => {
    const body = readFileSync(WIDGET_FILE);
    const gz = gzipSync(body, { level: 9 }).length;
    assert.ok(gz < MAX_GZIPPED, `widget.js is ${gz} bytes gzipped; the budget is ${MAX_GZIPPED}`);
    const text = body.toString();
    assert.doesNotMatch(text, /\bimport\s*\(|^import |require\(/m, 'no module loading at run time');
    assert.match(text, /sendMessageToChannel/, 'the client library is bundled in');
    assert.match(text, /clientMessageId/);
  });

  it('is served as JavaScript with max-age and an ETag, and answers a revalidation with 304', async () => {
    const res = await fetch(gw.url + '/widget.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/javascript/);
    assert.equal(res.headers.get('cache-control'), WIDGET_CACHE_CONTROL);
    assert.match(res.headers.get('cache-control')!, /max-age=\d+/);
    const etag = res.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(WIDGET_FILE));
    const again = await fetch(gw.url + '/widget.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.text()).length, 0);
    const head = await fetch(gw.url + '/widget.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await fetch(gw.url + '/widget.js', { method: 'POST' })).status, 405);
  });

  it('GET / is a sample host page that embeds the widget with one script tag; the old demo client is gone', async () => {
    const page = await (await fetch(gw.url + '/')).text();
    assert.equal(page.match(/<script\b/g)?.length, 1);
    assert.match(page, /<script src="\/widget\.js"[^>]*\basync><\/script>/);
    assert.equal((await fetch(gw.url + '/vendor/socketcluster.min.js')).status, 404);
  });
});
