// Gateway-side builders and the simulator's makeRxpk, checked byte by byte and through the
// server-side parser.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPullData, buildPushData, buildTxAck, parseServerDatagram } from '../../../../src/radio/udp/gateway-side.js';
import { buildPullAck, buildPullResp, buildPushAck, parseDatagram } from '../../../../src/radio/udp/datagram.js';
import { rxpkToRadioFrame } from '../../../../src/radio/udp/rxpk.js';
import { makeRxpk } from '../../../../src/testing/packet-forwarder.js';

const EUI = '0102030405060708';

test('buildPushData layout: version, token BE, 0x00, EUI, JSON', () => {
  const buf = buildPushData(2, 0xabcd, EUI, { rxpk: [] });
  assert.equal([...buf.subarray(0, 12)], [2, 0xab, 0xcd, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.is(buf.subarray(12).toString(), '{"rxpk":[]}');
});

test('buildPullData is exactly 12 bytes; buildTxAck with and without JSON', () => {
  assert.equal([...buildPullData(1, 0x0102, EUI)], [1, 1, 2, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal([...buildTxAck(2, 0x0304, EUI)], [2, 3, 4, 0x05, 1, 2, 3, 4, 5, 6, 7, 8]);
  const withErr = buildTxAck(2, 0x0304, EUI, { error: 'TOO_LATE' });
  assert.is(withErr.subarray(12).toString(), '{"txpk_ack":{"error":"TOO_LATE"}}');
});

test('EUI with separators and upper case is accepted; wrong length is refused', () => {
  const buf = buildPullData(2, 1, '01-02-03-04-05-06-07-0A');
  assert.is(buf.subarray(4).toString('hex'), '010203040506070a');
  assert.throws(() => buildPullData(2, 1, '0102'), /16 hex digits/);
});

test('server parser accepts what the gateway builders produce and vice versa', () => {
  const push = parseDatagram(buildPushData(2, 77, EUI, { rxpk: [{ x: 1 }] }));
  assert.ok(push.ok && push.packet.type === 'PUSH_DATA' && push.packet.token === 77 && push.packet.gatewayEui === EUI);
  const pull = parseDatagram(buildPullData(1, 78, EUI));
  assert.ok(pull.ok && pull.packet.type === 'PULL_DATA' && pull.packet.version === 1);
  const ack = parseDatagram(buildTxAck(2, 79, EUI, { error: 'COLLISION_PACKET' }));
  assert.ok(ack.ok && ack.packet.type === 'TX_ACK' && ack.packet.error === 'COLLISION_PACKET');

  assert.equal(parseServerDatagram(buildPushAck(2, 80)), { ok: true, packet: { type: 'PUSH_ACK', version: 2, token: 80 } });
  assert.equal(parseServerDatagram(buildPullAck(1, 81)), { ok: true, packet: { type: 'PULL_ACK', version: 1, token: 81 } });
  assert.equal(parseServerDatagram(buildPullResp(2, 82, { imme: true })), {
    ok: true,
    packet: { type: 'PULL_RESP', version: 2, token: 82, txpk: { imme: true } },
  });
});

test('server parser rejects gateway packets and garbage', () => {
  assert.is(parseServerDatagram(buildPullData(2, 1, EUI)).ok, false);
  assert.is(parseServerDatagram(Buffer.from([2, 0])).ok, false);
  const noTxpk = Buffer.concat([Buffer.from([2, 0, 1, 3]), Buffer.from('{"x":1}')]);
  assert.equal(parseServerDatagram(noTxpk), { ok: false, reason: 'bad_txpk', detail: 'PULL_RESP without a txpk object' });
});

test('makeRxpk defaults produce the expected LoRa rxpk and frame', () => {
  const payload = Buffer.from('40f17dbe4900020001954378762b11ff0d', 'hex');
  const rxpk = makeRxpk({ payload, tmst: 1000 });
  assert.equal(rxpk, {
    tmst: 1000, chan: 0, rfch: 0, freq: 868.1, stat: 1, modu: 'LORA', datr: 'SF7BW125', codr: '4/5',
    lsnr: 9.5, rssi: -60, size: 17, data: payload.toString('base64'),
  });
  const r = rxpkToRadioFrame(rxpk, 'sim', 5);
  assert.ok(r.ok);
  if (r.ok) {
    assert.is(r.frame.frequency, 868_100_000);
    assert.ok(r.frame.payload.equals(payload));
  }
});

test('makeRxpk round-trips every option, incl. 2.4 GHz and FSK', () => {
  const lora = rxpkToRadioFrame(
    makeRxpk({ payload: Buffer.from([9]), freqHz: 2_403_000_000, sf: 10, bw: 1_625_000, codr: '4/8LI', rssi: -101, snr: -7.25, chan: 3, rfch: 1, tmst: 0xfffffffe, time: '2024-05-01T10:00:00.000001Z', tmms: 1_398_000_000_000, stat: 'bad' }),
    'sim',
    1,
  );
  assert.ok(lora.ok);
  if (lora.ok) {
    const f = lora.frame;
    assert.equal(
      [f.frequency, f.spreadingFactor, f.bandwidth, f.codeRate, f.rssi, f.snr, f.channel, f.rfChain, f.counterUs, f.gwTime, f.gpsTimeMs, f.crc],
      [2_403_000_000, 10, 1_625_000, '4/8LI', -101, -7.25, 3, 1, 0xfffffffe, '2024-05-01T10:00:00.000001Z', 1_398_000_000_000, 'bad'],
    );
  }
  const fsk = rxpkToRadioFrame(makeRxpk({ payload: Buffer.from([1, 2]), fskDatarate: 50_000, stat: 'none' }), 'sim', 1);
  assert.ok(fsk.ok && fsk.frame.modulation === 'FSK' && fsk.frame.fskDatarate === 50_000 && fsk.frame.crc === 'none');
});

test.run();
