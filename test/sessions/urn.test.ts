import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidSessionId, newMessageId, newUrn } from '../../src/sessions/ids.js';

describe('urns and message ids', () => {
  it('makes urns of 22 url-safe characters that are valid session ids and do not repeat', () => {
    const urns = Array.from({ length: 1000 }, newUrn);
    for (const u of urns) {
      assert.match(u, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(isValidSessionId(u), true);
    }
    assert.equal(new Set(urns).size, urns.length);
  });

  it('makes user message ids that start with "in-" and never repeat in a process', () => {
    const ids = Array.from({ length: 100_000 }, newMessageId);
    assert.ok(ids.every((id) => /^in-[A-Za-z0-9_-]+-[0-9a-z]+$/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('accepts only the characters courier takes in an ext: urn, up to 128 of them', () => {
    for (const ok of ['a', 'A-z_0.9@x', 'x'.repeat(128)]) assert.equal(isValidSessionId(ok), true, ok);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'ü', 7, null]) assert.equal(isValidSessionId(bad), false, String(bad));
  });
});
