import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { redactUrl } from '../../src/errors/startup.js';
import { redisOptions } from '../../src/store/redis/connection.js';
import { isRedisUrl, parseRedisUrl, redactRedisUrl } from '../../src/store/redis/url.js';

describe('Redis STORE_URL forms', () => {
  it('reads a standalone server with credentials, db and TLS', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/2'), {
      kind: 'standalone',
      tls: false,
      server: { host: '127.0.0.1', port: 6380 },
      sentinels: [],
      db: 2,
    });
    const p = parseRedisUrl('rediss://app:p%40ss@redis.internal');
    assert.equal(p.tls, true);
    assert.deepEqual(p.server, { host: 'redis.internal', port: 6379 });
    assert.equal(p.username, 'app');
    assert.equal(p.password, 'p@ss');
    assert.equal(parseRedisUrl('redis://:only-password@h:1').password, 'only-password');
    assert.equal(parseRedisUrl('redis://:only-password@h:1').username, undefined);
  });

  it('reads sentinels, the master name, the db and sentinel credentials', () => {
    const p = parseRedisUrl('redis+sentinel://gw:secret@10.0.0.1:26379,10.0.0.2,[fd00::3]:26380/mymaster/3?sentinelPassword=s%26p');
    assert.equal(p.kind, 'sentinel');
    assert.deepEqual(p.sentinels, [
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26379 },
      { host: 'fd00::3', port: 26380 },
    ]);
    assert.equal(p.masterName, 'mymaster');
    assert.equal(p.db, 3);
    assert.equal(p.username, 'gw');
    assert.equal(p.password, 'secret');
    assert.equal(p.sentinelPassword, 's&p');
    assert.equal(parseRedisUrl('rediss+sentinel://h1:1,h2:2/m').tls, true);
  });

  it('turns a sentinel URL into ioredis sentinel options that follow failovers', () => {
    const o = redisOptions(parseRedisUrl('rediss+sentinel://gw:secret@h1:1,h2:2/m/1'));
    assert.deepEqual(o.sentinels, [
      { host: 'h1', port: 1 },
      { host: 'h2', port: 2 },
    ]);
    assert.equal(o.name, 'm');
    assert.equal(o.role, 'master');
    assert.equal(o.failoverDetector, true);
    assert.equal(o.db, 1);
    assert.equal(o.password, 'secret');
    assert.equal(o.sentinelPassword, undefined, "the servers' password is not sent to sentinels");
    assert.equal(o.enableTLSForSentinelMode, true);
    assert.equal(typeof o.reconnectOnError, 'function');
  });

  it('refuses malformed URLs with one line that says what is wrong', () => {
    assert.throws(() => parseRedisUrl('redis+sentinel://h1:1,h2:2'), /needs \/<master-name>/);
    assert.throws(() => parseRedisUrl('redis+sentinel:///m'), /at least one sentinel/);
    assert.throws(() => parseRedisUrl('redis://h1:1,h2:2/0'), /redis\+sentinel/);
    assert.throws(() => parseRedisUrl('redis://h:99999'), /out of range/);
    assert.throws(() => parseRedisUrl('redis://h/zero'), /db must be a number/);
    assert.throws(() => parseRedisUrl('redis+sentinel://h/m?password=x'), /unknown Redis URL parameter "password"/);
    assert.throws(() => loadConfig({ env: { STORE_URL: 'redis+sentinel://h1,h2' } }), /STORE_URL.*master-name/);
    assert.equal(loadConfig({ env: { STORE_URL: 'redis+sentinel://h1,h2/m' } }).storeUrl, 'redis+sentinel://h1,h2/m');
  });

  it('recognises every form and hides passwords in logs', () => {
    for (const u of ['redis://h', 'rediss://h', 'redis+sentinel://h/m', 'REDISS+SENTINEL://h/m']) assert.equal(isRedisUrl(u), true, u);
    assert.equal(isRedisUrl('sqlite:x'), false);
    assert.equal(redactRedisUrl('redis+sentinel://gw:secret@h1,h2/m?sentinelPassword=zz'), 'redis+sentinel://gw@h1,h2/m?sentinelPassword=***');
    assert.equal(redactRedisUrl('rediss://:secret@h:1/0'), 'rediss://h:1/0');
    // What the start line and start-up errors show (src/errors/startup.ts): the same, for every form.
    assert.equal(redactUrl('redis+sentinel://gw:secret@h1,h2/m?sentinelPassword=zz'), 'redis+sentinel://gw@h1,h2/m?sentinelPassword=***');
    assert.equal(redactUrl('sqlite:./data/gateway.db'), 'sqlite:./data/gateway.db');
  });
});
