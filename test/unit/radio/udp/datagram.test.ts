// GWMP datagram parsing (gateway -> server) and server-side builders, with byte layouts taken from
// the packet forwarder's PROTOCOL.md (sections 3 and 5).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPullAck, buildPullResp, buildPushAck, parseDatagram, type DatagramParseResult } from '../../../../src/radio/udp/datagram.js';

const EUI_HEX = 'aa555a0000000101';
const EUI = Buffer.from(EUI_HEX, 'hex');

function datagram(version: number, token: number, type: number, eui: Buffer | null, body?: string | Buffer): Buffer {
  const head = Buffer.from([version, token >> 8, token & 0xff, type]);
  const parts: Buffer[] = [head];
  if (eui) parts.push(eui);
  if (body !== undefined) parts.push(typeof body === 'string' ? Buffer.from(body) : body);
  return Buffer.concat(parts);
}

function expectFailure(result: DatagramParseResult, reason: string): string {
  if (result.ok) return assert.unreachable(`expected ${reason}, got ok ${JSON.stringify(result.packet)}`) as never;
  assert.is(result.reason, reason);
  assert.type(result.detail, 'string');
  assert.ok(result.detail.length > 0, 'detail explains the failure');
  return result.detail;
}

test('PUSH_DATA: version, token, EUI and raw rxpk entries', () => {
  const rxpk = [{ freq: 868.1 }, { junk: true }];
  const r = parseDatagram(datagram(2, 0xabcd, 0x00, EUI, JSON.stringify({ rxpk })));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.packet, { type: 'PUSH_DATA', version: 2, token: 0xabcd, gatewayEui: EUI_HEX, rxpk });
});

test('PUSH_DATA version 1 is accepted', () => {
  const r = parseDatagram(datagram(1, 0x0102, 0x00, EUI, '{"rxpk":[]}'));
  assert.ok(r.ok && r.packet.version === 1 && r.packet.token === 0x0102);
});

test('PUSH_DATA with only stat parses the stat and has no rxpk', () => {
  const r = parseDatagram(datagram(2, 7, 0x00, EUI, '{"stat":{"rxnb":2,"rxok":1}}'));
  assert.ok(r.ok);
  if (!r.ok || r.packet.type !== 'PUSH_DATA') return;
  assert.equal(r.packet.rxpk, []);
  assert.equal(r.packet.stat, { ok: true, stat: { rxnb: 2, rxok: 1 }, junkFields: [] });
});

test('PUSH_DATA tolerates a trailing NUL terminator after the JSON', () => {
  const r = parseDatagram(datagram(2, 7, 0x00, EUI, Buffer.from('{"rxpk":[]}\0')));
  assert.ok(r.ok);
});

test('PULL_DATA: 12 bytes, token and EUI', () => {
  const r = parseDatagram(datagram(2, 0x1234, 0x02, EUI));
  assert.equal(r, { ok: true, packet: { type: 'PULL_DATA', version: 2, token: 0x1234, gatewayEui: EUI_HEX } });
});

test('TX_ACK without JSON means no error', () => {
  const r = parseDatagram(datagram(2, 0x4242, 0x05, EUI));
  assert.equal(r, { ok: true, packet: { type: 'TX_ACK', version: 2, token: 0x4242, gatewayEui: EUI_HEX, error: null } });
});

test('TX_ACK with error "NONE" means no error; with a NUL-only body too', () => {
  const none = parseDatagram(datagram(2, 1, 0x05, EUI, '{"txpk_ack":{"error":"NONE"}}'));
  assert.ok(none.ok && none.packet.type === 'TX_ACK' && none.packet.error === null);
  const nul = parseDatagram(datagram(2, 1, 0x05, EUI, Buffer.from([0])));
  assert.ok(nul.ok && nul.packet.type === 'TX_ACK' && nul.packet.error === null);
});

test('TX_ACK carries error, warn and value', () => {
  const late = parseDatagram(datagram(2, 9, 0x05, EUI, '{"txpk_ack":{"error":"TOO_LATE"}}'));
  assert.ok(late.ok && late.packet.type === 'TX_ACK');
  if (late.ok && late.packet.type === 'TX_ACK') assert.is(late.packet.error, 'TOO_LATE');
  const warn = parseDatagram(datagram(2, 9, 0x05, EUI, '{"txpk_ack":{"warn":"TX_POWER","value":20}}'));
  assert.equal(warn, {
    ok: true,
    packet: { type: 'TX_ACK', version: 2, token: 9, gatewayEui: EUI_HEX, error: null, warn: 'TX_POWER', value: 20 },
  });
});

test('too_short: below the 4-byte header, and gateway packets without a full EUI', () => {
  expectFailure(parseDatagram(Buffer.alloc(0)), 'too_short');
  expectFailure(parseDatagram(Buffer.from([2, 0, 1])), 'too_short');
  expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI.subarray(0, 7))), 'too_short');
  expectFailure(parseDatagram(datagram(2, 1, 0x02, null)), 'too_short');
  expectFailure(parseDatagram(datagram(2, 1, 0x05, EUI.subarray(0, 4))), 'too_short');
});

test('bad_version: 0, 3 and 255', () => {
  for (const v of [0, 3, 255]) {
    const detail = expectFailure(parseDatagram(datagram(v, 1, 0x00, EUI, '{}')), 'bad_version');
    assert.ok(detail.includes(String(v)));
  }
});

test('unknown_type: 0x06 and 0xff', () => {
  expectFailure(parseDatagram(datagram(2, 1, 0x06, EUI, '{}')), 'unknown_type');
  expectFailure(parseDatagram(datagram(2, 1, 0xff, EUI)), 'unknown_type');
});

test('unexpected_type: server packets PUSH_ACK, PULL_RESP, PULL_ACK', () => {
  assert.match(expectFailure(parseDatagram(datagram(2, 1, 0x01, null)), 'unexpected_type'), 'PUSH_ACK');
  assert.match(expectFailure(parseDatagram(datagram(2, 1, 0x03, null, '{"txpk":{}}')), 'unexpected_type'), 'PULL_RESP');
  assert.match(expectFailure(parseDatagram(datagram(2, 1, 0x04, null)), 'unexpected_type'), 'PULL_ACK');
});

test('bad_json: empty body, truncated JSON, non-UTF8 garbage', () => {
  expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI)), 'bad_json');
  expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI, '{"rxpk":[{"freq":86')), 'bad_json');
  expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI, Buffer.from([0xff, 0xfe, 0x7b]))), 'bad_json');
  expectFailure(parseDatagram(datagram(2, 1, 0x05, EUI, '{txpk_ack')), 'bad_json');
});

test('not_object: JSON array, number, string, null', () => {
  for (const body of ['[]', '42', '"rxpk"', 'null']) {
    expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI, body)), 'not_object');
  }
  expectFailure(parseDatagram(datagram(2, 1, 0x05, EUI, '[1]')), 'not_object');
});

test('bad_rxpk: rxpk that is not an array', () => {
  for (const body of ['{"rxpk":{}}', '{"rxpk":"x"}', '{"rxpk":null}', '{"rxpk":5}']) {
    expectFailure(parseDatagram(datagram(2, 1, 0x00, EUI, body)), 'bad_rxpk');
  }
});

test('bad_txpk_ack: txpk_ack not an object, error not a string', () => {
  expectFailure(parseDatagram(datagram(2, 1, 0x05, EUI, '{"txpk_ack":"TOO_LATE"}')), 'bad_txpk_ack');
  expectFailure(parseDatagram(datagram(2, 1, 0x05, EUI, '{"txpk_ack":{"error":3}}')), 'bad_txpk_ack');
});

test('a stat that is not an object does not fail the datagram', () => {
  const r = parseDatagram(datagram(2, 1, 0x00, EUI, '{"rxpk":[{"a":1}],"stat":"up"}'));
  assert.ok(r.ok);
  if (!r.ok || r.packet.type !== 'PUSH_DATA') return;
  assert.is(r.packet.rxpk.length, 1);
  assert.is(r.packet.stat?.ok, false);
});

test('buildPushAck / buildPullAck: 4 bytes, same version and token', () => {
  assert.equal([...buildPushAck(2, 0xabcd)], [0x02, 0xab, 0xcd, 0x01]);
  assert.equal([...buildPushAck(1, 0x0001)], [0x01, 0x00, 0x01, 0x01]);
  assert.equal([...buildPullAck(2, 0xbeef)], [0x02, 0xbe, 0xef, 0x04]);
});

test('buildPullResp: header then {"txpk": ...}', () => {
  const txpk = { imme: true, freq: 869.525, powe: 14, modu: 'LORA', datr: 'SF9BW125', codr: '4/5', ipol: true, size: 1, data: 'AA==' };
  const buf = buildPullResp(2, 0x0a0b, txpk);
  assert.equal([...buf.subarray(0, 4)], [0x02, 0x0a, 0x0b, 0x03]);
  assert.equal(JSON.parse(buf.subarray(4).toString()), { txpk });
});

test('builders reject out-of-range tokens and versions', () => {
  assert.throws(() => buildPushAck(2, 0x10000), /token/);
  assert.throws(() => buildPushAck(2, -1), /token/);
  assert.throws(() => buildPullAck(3 as 2, 1), /version/);
});

test.run();
