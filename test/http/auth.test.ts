import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationMatches } from '../../src/http/auth.js';

describe('authorization header check', () => {
  it('matches the secret verbatim, after "Bearer " or "Token " in any case, and a secret configured with its scheme', () => {
    for (const header of ['s3cret', 'Bearer s3cret', 'bearer s3cret', 'Token s3cret', '  Token   s3cret  ']) {
      assert.equal(authorizationMatches(header, 's3cret'), true, header);
    }
    assert.equal(authorizationMatches('Token s3cret', 'Token s3cret'), true);
    assert.equal(authorizationMatches('s3cret', 'Bearer s3cret'), true);
  });

  it('refuses a missing, empty, different, longer or shorter credential', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 's3cre', 's3crett', 'Bearer s3cretx', 'Basic s3cret', 'Token other']) {
      assert.equal(authorizationMatches(header, 's3cret'), false, String(header));
    }
  });

  it('keeps secrets apart when several are configured (webhook and admin token)', () => {
    assert.equal(authorizationMatches('Bearer a', 'a'), true);
    assert.equal(authorizationMatches('Bearer a', 'b'), false);
    assert.equal(authorizationMatches('Bearer b', 'b'), true);
    assert.equal(authorizationMatches('Bearer b', 'a'), false);
  });
});
