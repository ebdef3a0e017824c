// PHYPayload parsing, one hand-assembled frame per MType (LoRaWAN 1.0.x section 4 byte layout),
// plus every malformed case. MIC bytes are arbitrary here: parsing does not check them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePhyPayload, LoRaWANError, type PhyPayload, type DataFrame } from '../../../src/lorawan/index.js';

const hx = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

function asData(f: PhyPayload): DataFrame {
  if (f.kind !== 'data') throw new Error(`expected a data frame, got ${f.kind}`);
  return f;
}

function throwsCode(bytes: Uint8Array, code: string) {
  try {
    parsePhyPayload(bytes);
  } catch (err) {
    assert.instance(err, LoRaWANError);
    assert.is((err as LoRaWANError).code, code);
    assert.ok((err as Error).message.length > 10, 'message is readable');
    return;
  }
  assert.unreachable(`expected ${code}`);
}

const types = suite('parse: every MType');

types('UnconfirmedDataUp with FPort and payload', () => {
  // MHDR 40 | DevAddr 04030201 (=0x01020304) | FCtrl 80 (ADR) | FCnt 3412 | FPort 05 | FRM aabbcc | MIC
  const f = asData(parsePhyPayload(hx('40', '04030201', '80', '3412', '05', 'aabbcc', 'deadbeef')));
  assert.is(f.mType, 'UnconfirmedDataUp');
  assert.is(f.uplink, true);
  assert.is(f.confirmed, false);
  assert.is(f.devAddr, 0x01020304);
  assert.is(f.devAddrHex, '01020304');
  assert.is(f.adr, true);
  assert.is(f.adrAckReq, false);
  assert.is(f.ack, false);
  assert.is(f.fOptsLen, 0);
  assert.is(f.fOpts.length, 0);
  assert.is(f.fCnt, 0x1234);
  assert.is(f.fPort, 5);
  assert.is(f.frmPayload.toString('hex'), 'aabbcc');
  assert.is(f.mic.toString('hex'), 'deadbeef');
});

types('UnconfirmedDataDown', () => {
  const f = asData(parsePhyPayload(hx('60', 'f17dbe49', '00', '0100', '01', '11', '01020304')));
  assert.is(f.mType, 'UnconfirmedDataDown');
  assert.is(f.uplink, false);
  assert.is(f.devAddrHex, '49be7df1');
  assert.is(f.fCnt, 1);
});

types('ConfirmedDataUp: all uplink FCtrl bits, FOpts present', () => {
  // FCtrl f2 = ADR | ADRACKReq | ACK | ClassB | FOptsLen 2; FOpts 0203 (LinkCheckReq, DevStatus-ish bytes)
  const f = asData(parsePhyPayload(hx('80', 'ffffffff', 'f2', 'ffff', '0203', '0a', '00', '00000000')));
  assert.is(f.mType, 'ConfirmedDataUp');
  assert.is(f.confirmed, true);
  assert.is(f.devAddr, 0xffffffff);
  assert.is([f.adr, f.adrAckReq, f.ack, f.classB, f.fPending].join(), 'true,true,true,true,false');
  assert.is(f.fOptsLen, 2);
  assert.is(f.fOpts.toString('hex'), '0203');
  assert.is(f.fCnt, 0xffff);
  assert.is(f.fPort, 10);
  assert.is(f.frmPayload.toString('hex'), '00');
});

types('ConfirmedDataDown: downlink FCtrl bits (bit 6 is RFU, bit 4 is FPending)', () => {
  const f = asData(parsePhyPayload(hx('a0', '04030201', '73', '0000', '02141e', '01020304')));
  assert.is(f.mType, 'ConfirmedDataDown');
  assert.is(f.uplink, false);
  assert.is([f.adr, f.adrAckReq, f.ack, f.fPending, f.classB].join(), 'false,false,true,true,false');
  assert.is(f.fOptsLen, 3);
  assert.is(f.fOpts.toString('hex'), '02141e');
  assert.is(f.fPort, null, 'FOpts reach the MIC: no FPort');
  assert.is(f.frmPayload.length, 0);
});

types('FPort absent (header only)', () => {
  const f = asData(parsePhyPayload(hx('40', '04030201', '00', '0700', '01020304')));
  assert.is(f.fPort, null);
  assert.is(f.frmPayload.length, 0);
  assert.is(f.fCnt, 7);
});

types('FPort 0 without FOpts (MAC commands in FRMPayload)', () => {
  const f = asData(parsePhyPayload(hx('40', '04030201', '00', '0700', '00', '0203', '01020304')));
  assert.is(f.fPort, 0);
  assert.is(f.frmPayload.toString('hex'), '0203');
});

types('FPort present with empty FRMPayload', () => {
  const f = asData(parsePhyPayload(hx('40', '04030201', '00', '0700', '07', '01020304')));
  assert.is(f.fPort, 7);
  assert.is(f.frmPayload.length, 0);
});

types('JoinRequest: EUIs reversed to MSB-first hex, DevNonce little-endian', () => {
  const f = parsePhyPayload(hx('00', '0807060504030201', '1122334455667788', '3412', 'cafebabe'));
  assert.is(f.kind, 'joinRequest');
  if (f.kind !== 'joinRequest') return;
  assert.is(f.mType, 'JoinRequest');
  assert.is(f.joinEui, '0102030405060708');
  assert.is(f.devEui, '8877665544332211');
  assert.is(f.devNonce, 0x1234);
  assert.is(f.mic.toString('hex'), 'cafebabe');
});

types('JoinAccept: 17 and 33 bytes kept opaque', () => {
  for (const len of [17, 33]) {
    const bytes = Buffer.alloc(len, 0x42);
    bytes[0] = 0x20;
    const f = parsePhyPayload(bytes);
    assert.is(f.kind, 'joinAccept');
    if (f.kind !== 'joinAccept') return;
    assert.is(f.mType, 'JoinAccept');
    assert.is(f.encrypted.length, len - 1);
    assert.is(f.mic.toString('hex'), '42424242');
  }
});

types('RejoinRequest (MType 6): raw body and MIC', () => {
  const f = parsePhyPayload(hx('c0', '00aabb', '01020304'));
  assert.is(f.kind, 'rejoinRequest');
  if (f.kind !== 'rejoinRequest') return;
  assert.is(f.mType, 'RejoinRequest');
  assert.is(f.body.toString('hex'), '00aabb');
  assert.is(f.mic.toString('hex'), '01020304');
});

types('Proprietary (MType 7): everything after MHDR is the body, no MIC', () => {
  const f = parsePhyPayload(hx('e0', '0102'));
  assert.is(f.kind, 'proprietary');
  if (f.kind !== 'proprietary') return;
  assert.is(f.mType, 'Proprietary');
  assert.is(f.body.toString('hex'), '0102');
  assert.is(f.mic, null);
});

types('MHDR RFU bits are ignored', () => {
  const f = asData(parsePhyPayload(hx('5c', '04030201', '00', '0000', '01020304')));
  assert.is(f.mType, 'UnconfirmedDataUp');
});

types('a plain Uint8Array is accepted', () => {
  const f = asData(parsePhyPayload(new Uint8Array(hx('40', '04030201', '00', '0000', '01020304'))));
  assert.is(f.devAddr, 0x01020304);
});

types.run();

const bad = suite('parse: malformed input');

bad('empty input: too_short', () => throwsCode(new Uint8Array(0), 'too_short'));
bad('major version 1: bad_major', () => throwsCode(hx('41', '04030201', '00', '0000', '01020304'), 'bad_major'));
bad('major version 3 on a join request: bad_major', () => throwsCode(Buffer.alloc(23, 3), 'bad_major'));
bad('data frame of 11 bytes: too_short', () => throwsCode(hx('40', '04030201', '00', '0000', '010203'), 'too_short'));
bad('FOptsLen 5 with 3 bytes before the MIC: fopts_overrun', () =>
  throwsCode(hx('40', '04030201', '05', '0000', '020304', '01020304'), 'fopts_overrun'));
bad('FOptsLen 15 on a minimal frame: fopts_overrun', () =>
  throwsCode(hx('80', '04030201', '0f', '0000', '01020304'), 'fopts_overrun'));
bad('FPort 0 with FOpts: fport0_with_fopts', () =>
  throwsCode(hx('40', '04030201', '01', '0000', '02', '00', '0203', '01020304'), 'fport0_with_fopts'));
bad('join request of 22 and 24 bytes: bad_length', () => {
  throwsCode(Buffer.alloc(22), 'bad_length');
  throwsCode(Buffer.alloc(24), 'bad_length');
});
bad('join accept of 16, 18 and 32 bytes: bad_length', () => {
  for (const len of [16, 18, 32]) {
    const b = Buffer.alloc(len);
    b[0] = 0x20;
    throwsCode(b, 'bad_length');
  }
});
bad('rejoin request of 4 bytes: too_short', () => throwsCode(hx('c0', '010203'), 'too_short'));
bad('not a byte array: bad_input', () => throwsCode('40aa' as unknown as Uint8Array, 'bad_input'));

bad.run();
