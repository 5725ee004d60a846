// What the gateway accepts as a file: decoding, the size limit, and the bytes matching the
// declared type. The hostile cases of issue 12 are here at the unit level; test/media/wwc-upload
// drives the same through a real socket and GET /media.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMedia, servedInline } from '../../src/core/media-check.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { dataUrl, HTML_PAGE, pdf, png, SVG_WITH_SCRIPT, wav } from '../helpers/media-files.js';

const LIMIT = 10_000;

function refusedWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof GatewayError && err.code === code);
}

describe('decoding a visitor file (data URL)', () => {
  it('accepts a PNG, WAV and PDF and returns the exact bytes, content type and a file name', () => {
    for (const [kind, type, bytes, name] of [
      ['image', 'image/png', png(), 'image.png'],
      ['audio', 'audio/wav', wav(0.1), 'audio.wav'],
      ['file', 'application/pdf', pdf(), 'file.pdf'],
    ] as const) {
      const d = decodeMedia(kind, dataUrl(type, bytes), 1024 * 1024);
      assert.equal(d.contentType, type);
      assert.equal(d.filename, name);
      assert.ok(d.bytes.equals(bytes));
    }
  });

  it('accepts a file exactly MAX_MEDIA_BYTES long and refuses one byte more with WG_ERR_MEDIA_TOO_LARGE', () => {
    assert.equal(decodeMedia('image', dataUrl('image/png', png(8, 8, [1, 2, 3], LIMIT)), LIMIT).bytes.length, LIMIT);
    refusedWith('WG_ERR_MEDIA_TOO_LARGE', () => decodeMedia('image', dataUrl('image/png', png(8, 8, [1, 2, 3], LIMIT + 1)), LIMIT));
  });

  it('refuses an HTML page sent as image/png (magic number mismatch)', () => {
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', dataUrl('image/png', HTML_PAGE), LIMIT));
  });

  it('refuses a data URL lying about its type: PNG bytes declared as PDF or JPEG', () => {
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('file', dataUrl('application/pdf', png()), LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', dataUrl('image/jpeg', png()), LIMIT));
  });

  it('refuses truncated base64, and a PNG cut short on a base64 boundary', () => {
    const full = dataUrl('image/png', png());
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', full.slice(0, -3), LIMIT));
    const cut = png().subarray(0, 60);
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', dataUrl('image/png', cut), LIMIT));
  });

  it('refuses unknown or missing content types, non-base64 data URLs and non-base64 characters', () => {
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('file', dataUrl('application/octet-stream', Buffer.from('xx')), LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('file', dataUrl('text/html', HTML_PAGE), LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', 'data:image/png,hello', LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', 'data:image/png;base64,iVBO!!!!', LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', 'https://example.org/x.png', LIMIT));
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('image', 42, LIMIT));
  });

  it('refuses a message type that does not fit the content type (audio carrying a PNG)', () => {
    refusedWith('WG_ERR_INVALID_MEDIA', () => decodeMedia('audio', dataUrl('image/png', png()), LIMIT));
  });

  it('accepts an SVG (even with a script) only to serve it as a sandboxed download, never inline', () => {
    const d = decodeMedia('image', dataUrl('image/svg+xml', SVG_WITH_SCRIPT), LIMIT);
    assert.equal(d.contentType, 'image/svg+xml');
    assert.equal(servedInline(d.contentType), false);
    assert.equal(servedInline('application/pdf'), false);
    assert.equal(servedInline('image/png'), true);
    assert.equal(servedInline('audio/wav'), true);
  });

  it('refuses every file when MAX_MEDIA_BYTES is 0', () => {
    refusedWith('WG_ERR_MEDIA_DISABLED', () => decodeMedia('image', dataUrl('image/png', png()), 0));
  });
});
