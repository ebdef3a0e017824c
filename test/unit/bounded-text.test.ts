// Texts echoing input stay bounded: shorten/quote/listSome, device-command reasons with thousands
// of unknown keys, device-ack reasons, codec errors quoting huge values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_REASON_CHARS, listSome, quote, shorten } from '../../src/bounded-text.js';
import { parseDeviceCommand } from '../../src/edge/device-command.js';
import { deviceAckEvent } from '../../src/edge/device-ack.js';

test('shorten keeps short texts, cuts long ones and says how much was left out', () => {
  assert.is(shorten('abc', 10), 'abc');
  const s = shorten('x'.repeat(5000), 100);
  assert.ok(s.length <= 100, `${s.length}`);
  assert.match(s, /more characters\)$/);
  // A surrogate pair is never split.
  const emoji = shorten('😀'.repeat(100), 50);
  assert.not.match(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/);
});

test('quote: JSON-quoted, bounded, never throws', () => {
  assert.is(quote('a'), '"a"');
  assert.is(quote(1e20), '100000000000000000000');
  assert.ok(quote('y'.repeat(10_000)).length <= 64);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.type(quote(cyclic), 'string');
  assert.type(quote(undefined), 'string');
  assert.type(quote(10n), 'string');
});

test('listSome names a few and counts the rest', () => {
  assert.is(listSome(['a', 'b']), 'a, b');
  assert.is(listSome(['a', 'b', 'c'], 2), 'a, b and 1 more');
});

test('a command with 100,000 unknown keys gets a short reason', () => {
  const cmd: Record<string, unknown> = { id: 'x', devEui: '0102030405060708', bytes: '01', fPort: 1 };
  for (let i = 0; i < 100_000; i++) cmd[`k${'z'.repeat(i % 200)}${i}`] = 1;
  const parsed = parseDeviceCommand(JSON.stringify(cmd));
  assert.is(parsed.ok, false);
  if (parsed.ok) return;
  assert.ok(parsed.reason.length < 1200, `${parsed.reason.length}`);
  assert.match(parsed.reason, /and 99992 more$/);
});

test('invalid JSON of a megabyte: short reason', () => {
  const parsed = parseDeviceCommand(`{"id":"${'a'.repeat(1_000_000)}`);
  assert.ok(!parsed.ok && parsed.reason.length <= 256);
});

test('device-ack reasons are bounded whatever the caller passes (codec errors quoting values)', () => {
  const echo = `codec acme: value ${'1'.repeat(1_100_000)} out of range`;
  const ev = deviceAckEvent({ id: 'a', devEui: null, status: 'failed', reason: echo }, 0);
  assert.ok(ev.reason!.length <= MAX_REASON_CHARS);
  assert.ok(JSON.stringify(ev).length < 2000);
});

test.run();
