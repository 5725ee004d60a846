import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { clientIp, limitKey, parseProxyEntry, TrustedProxies } from '../../src/limits/client-ip.js';

function req(peer: string, xff?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } } as unknown as IncomingMessage;
}

describe('TRUSTED_PROXIES as addresses and CIDR ranges', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']);

  it('trusts addresses inside an IPv4 or IPv6 range and exact addresses, nothing else', () => {
    assert.equal(trusted.has('10.1.2.3'), true);
    assert.equal(trusted.has('192.0.2.7'), true);
    assert.equal(trusted.has('192.0.2.8'), false);
    assert.equal(trusted.has('11.0.0.1'), false);
    assert.equal(trusted.has('fd12:3456::1'), true);
    assert.equal(trusted.has('fe80::1'), false);
    assert.equal(trusted.has('::1'), true);
    assert.equal(trusted.has('not an ip'), false);
  });

  it('honours X-Forwarded-For from a proxy in a trusted range and ignores it from elsewhere', () => {
    assert.equal(clientIp(req('10.9.8.7', '203.0.113.5'), trusted), '203.0.113.5');
    assert.equal(clientIp(req('::ffff:10.9.8.7', '203.0.113.5'), trusted), '203.0.113.5', 'IPv4-mapped peer');
    assert.equal(clientIp(req('198.51.100.1', '203.0.113.5'), trusted), '198.51.100.1');
    // The last entry that is not itself a trusted proxy: a client cannot prepend its own.
    assert.equal(clientIp(req('10.0.0.1', '1.1.1.1, 203.0.113.5, 10.0.0.2'), trusted), '203.0.113.5');
    assert.equal(clientIp(req('fd00::5', '2001:db8::9'), trusted), '2001:db8::9');
  });

  it('refuses entries that are not addresses or ranges, with the entry named', () => {
    assert.throws(() => parseProxyEntry('10.0.0.0/33'), /10\.0\.0\.0\/33.*0 to 32/);
    assert.throws(() => parseProxyEntry('fd00::/129'), /0 to 128/);
    assert.throws(() => parseProxyEntry('proxy.internal'), /not an IP address or CIDR range/);
    assert.throws(() => parseProxyEntry('10.0.0.0/x'), /prefix length/);
    assert.deepEqual(parseProxyEntry('fd00::/8'), { address: 'fd00::', prefix: 8, family: 'ipv6' });
  });
});

describe('limit keys: IPv6 clients grouped by prefix', () => {
  it('puts every address of one /64 under one key and other /64s under others', () => {
    const a = limitKey('2001:db8:1:2::1', 64);
    assert.equal(a, '2001:db8:1:2:0:0:0:0/64');
    assert.equal(limitKey('2001:db8:1:2:ffff:eeee:dddd:cccc', 64), a);
    assert.equal(limitKey('2001:0db8:0001:0002:0:0:0:9', 64), a, 'written out in full');
    assert.notEqual(limitKey('2001:db8:1:3::1', 64), a);
  });

  it('follows the configured length, keeps IPv4 as it is, and handles :: forms and embedded IPv4', () => {
    assert.equal(limitKey('2001:db8:1:2::1', 48), '2001:db8:1:0:0:0:0:0/48');
    assert.equal(limitKey('2001:db8:1:2ff::1', 56), '2001:db8:1:200:0:0:0:0/56', 'a prefix inside a group');
    assert.equal(limitKey('2001:db8::1', 128), '2001:db8:0:0:0:0:0:1/128');
    assert.equal(limitKey('::1', 64), '0:0:0:0:0:0:0:0/64');
    assert.equal(limitKey('64:ff9b::192.0.2.1', 128), '64:ff9b:0:0:0:0:c000:201/128');
    assert.equal(limitKey('fe80::1%eth0', 64), 'fe80:0:0:0:0:0:0:0/64');
    assert.equal(limitKey('203.0.113.5', 64), '203.0.113.5');
  });
});
