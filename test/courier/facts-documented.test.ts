// The facts the real courier showed (issue 17's four findings, measured again by
// courier-ex.test.ts, and what it does with files, courier-media.test.ts) are written down where operators read them: docs/courier.md, linked from
// the README's "How courier behaves" section; and the README no longer says courier retries.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('how courier behaves is documented', () => {
  it('docs/courier.md states each measured fact, and the README links to it', () => {
    const doc = read('docs/courier.md');
    const facts: Array<[string, RegExp]> = [
      ['1: long texts go out in parts with one id, 160 UTF-8 bytes by default', /160, counted in UTF-8 bytes[\s\S]*same\*\* `\{\{id\}\}`/],
      ['2: status updates are flushed every 500 ms and overwrite', /flushed every 500 ms[\s\S]*unconditionally/],
      [
        '3: EX makes one attempt; mailroom retries 5 and 10 minutes later; WWC 3 attempts in 1.5 s',
        /one attempt[\s\S]*mailroom[\s\S]*5 and then 10 minutes[\s\S]*at most 3 attempts within about 1\.5 s/,
      ],
      ['4: the same text within 2-4 s is dropped as a repeat', /same text from the same contact within 2-4 s/],
      ['the operator sets Max length to its maximum', /Max length to its maximum/],
      // Files (courier-media.test.ts).
      ['F1: EX stores a file as its URL in the text', /`<caption>\\n<file URL>`/],
      ['F2/F3: WWC downloads a file on receive and answers 400 when it cannot', /downloads the file while answering[\s\S]*400 when it cannot fetch the file/],
      ['F5: EX cuts inside the URL at 160 bytes', /cut inside the URL/],
      ['F6/F7: WWC posts one /send per attachment and sends no other types', /one `\/send` per attachment[\s\S]*Any other type/],
    ];
    for (const [what, pattern] of facts) assert.match(doc, pattern, what);
    const readme = read('README.md');
    assert.match(readme, /How courier behaves/);
    assert.match(readme, /docs\/courier\.md/);
    assert.match(readme, /\| Max length \| its maximum/);
    assert.doesNotMatch(readme, /\(courier retries\)/, 'courier does not retry an EX send');
  });
});
