// Courier's External sender appends each attachment's URL to the text on a line of its own
// (measured in test/courier/courier-media.test.ts); the gateway gives those lines to widgets as
// `attachments: [{type, url}]` too, keeping the text, and leaves a bot's own links alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachmentsInText } from '../../src/platform/ex-attachments.js';
import { normalizePlatformMessage } from '../../src/platform/normalize.js';

describe("courier External's attachment URLs in the text", () => {
  it('takes the trailing file-URL lines, in order, typed by extension', () => {
    assert.deepEqual(attachmentsInText('here you go\nhttps://s3.example/att/1/ab.png\nhttps://s3.example/att/1/cd.PDF'), [
      { type: 'image', url: 'https://s3.example/att/1/ab.png' },
      { type: 'file', url: 'https://s3.example/att/1/cd.PDF' },
    ]);
    assert.deepEqual(attachmentsInText('\nhttp://h/a/voice.ogg?sig=1'), [{ type: 'audio', url: 'http://h/a/voice.ogg?sig=1' }], 'no caption');
    assert.deepEqual(attachmentsInText('https://h/clip.mp4'), [{ type: 'video', url: 'https://h/clip.mp4' }], 'a part holding only the URL');
  });

  it('leaves links to pages, links inside a sentence and URLs above a text line as text only', () => {
    assert.deepEqual(attachmentsInText('Our shop:\nhttps://shop.example/'), []);
    assert.deepEqual(attachmentsInText('see https://h/a.png for details'), []);
    assert.deepEqual(attachmentsInText('https://h/a.png\nthat was the picture'), []);
    assert.deepEqual(attachmentsInText('https://h/page\nhttps://h/a.png'), [{ type: 'image', url: 'https://h/a.png' }]);
    assert.deepEqual(attachmentsInText('ftp://h/a.png'), []);
    assert.deepEqual(attachmentsInText(''), []);
  });

  it("normalizing an EX body adds attachments and keeps the text; a platform's own attachments field wins", () => {
    const m = normalizePlatformMessage({ id: '7', to: 'ext:abc', text: 'the invoice\nhttps://h/i.pdf' });
    assert.equal(m.text, 'the invoice\nhttps://h/i.pdf');
    assert.deepEqual(m['attachments'], [{ type: 'file', url: 'https://h/i.pdf' }]);
    assert.equal('attachments' in normalizePlatformMessage({ id: '8', to: 'abc', text: 'no files' }), false);
    const own = [{ type: 'image', url: 'https://cdn/x.jpg' }];
    assert.deepEqual(normalizePlatformMessage({ id: '9', to: 'abc', text: 'x\nhttps://h/i.pdf', attachments: own })['attachments'], own);
  });
});
