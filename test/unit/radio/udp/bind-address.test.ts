import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatHostPort, parseHostPort } from '../../../../src/radio/udp/bind-address.js';

test('IPv4, host name, empty host and bracketed IPv6', () => {
  assert.equal(parseHostPort('127.0.0.1:1700'), { host: '127.0.0.1', port: 1700, family: 'udp4' });
  assert.equal(parseHostPort('0.0.0.0:0'), { host: '0.0.0.0', port: 0, family: 'udp4' });
  assert.equal(parseHostPort('localhost:1680'), { host: 'localhost', port: 1680, family: 'udp4' });
  assert.equal(parseHostPort(':1700'), { host: '0.0.0.0', port: 1700, family: 'udp4' });
  assert.equal(parseHostPort('[::1]:1700'), { host: '::1', port: 1700, family: 'udp6' });
  assert.equal(parseHostPort('[::]:65535'), { host: '::', port: 65535, family: 'udp6' });
});

test('rejects missing port, bare IPv6, port out of range, bad brackets', () => {
  for (const bad of ['127.0.0.1', '::1:1700', '1.2.3.4:65536', '1.2.3.4:-1', '[zz]:1700', '[::1]', 'host:port', '', '1.2.3.4:123456']) {
    assert.throws(() => parseHostPort(bad), (e: unknown) => e instanceof TypeError && e.message.includes(`"${bad}"`), bad);
  }
});

test('formatHostPort brackets IPv6 only', () => {
  assert.is(formatHostPort('::1', 1700), '[::1]:1700');
  assert.is(formatHostPort('10.0.0.1', 1700), '10.0.0.1:1700');
});

test.run();
