// Data frame MIC and FRMPayload encryption. Expected values are computed here from the spec's
// block layouts (B0 for the MIC, Ai for the keystream) with node:crypto and the RFC-checked
// aesCmac, never with the module's own frame helpers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCipheriv } from 'node:crypto';
import {
  aesCmac,
  cryptFrmPayload,
  dataMic,
  decryptFrmPayload,
  parsePhyPayload,
  verifyDataMic,
  LoRaWANError,
  type DataFrame,
} from '../../../src/lorawan/index.js';

const hx = (...parts: string[]) => Buffer.from(parts.join(''), 'hex');
const NWK = hx('2b7e151628aed2a6abf7158809cf4f3c');
const APP = hx('000102030405060708090a0b0c0d0e0f');

function ecb(key: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Ai blocks of section 4.3.3.1, encrypted, XORed over the data. */
function refCrypt(key: Buffer, dir: 0 | 1, devAddr: number, fCnt32: number, data: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  for (let i = 0; i * 16 < data.length; i++) {
    const a = Buffer.concat([hx('01', '00000000'), Buffer.from([dir]), u32le(devAddr), u32le(fCnt32), hx('00'), Buffer.from([i + 1])]);
    const s = ecb(key, a);
    for (let j = 0; j < 16 && i * 16 + j < data.length; j++) out[i * 16 + j] = data[i * 16 + j] ^ s[j];
  }
  return out;
}

/** MIC of section 4.4: cmac(NwkSKey, B0 | msg)[0..3]. */
function refMic(key: Buffer, dir: 0 | 1, devAddr: number, fCnt32: number, msg: Buffer): Buffer {
  const b0 = Buffer.concat([hx('49', '00000000'), Buffer.from([dir]), u32le(devAddr), u32le(fCnt32), hx('00'), Buffer.from([msg.length])]);
  return aesCmac(key, Buffer.concat([b0, msg])).subarray(0, 4);
}

function data(bytes: Buffer): DataFrame {
  const f = parsePhyPayload(bytes);
  if (f.kind !== 'data') throw new Error('not a data frame');
  return f;
}

function flipBit(b: Buffer, index: number, bit: number): Buffer {
  const c = Buffer.from(b);
  c[index] ^= 1 << bit;
  return c;
}

// ConfirmedDataDown to 0x26011bda, FCnt32 0x00010005, ACK + FPending, FOpts = LinkADRReq-ish
// bytes, FPort 42, 40-byte payload (three keystream blocks).
const DEV = 0x26011bda;
const FCNT32 = 0x00010005;
const PLAIN = Buffer.from('The quick brown fox jumps over the dog!!', 'ascii');
const DOWN_MSG = Buffer.concat([hx('a0'), u32le(DEV), hx('34'), hx('0500'), hx('03510000'), hx('2a'), refCrypt(APP, 1, DEV, FCNT32, PLAIN)]);
const DOWN = Buffer.concat([DOWN_MSG, refMic(NWK, 1, DEV, FCNT32, DOWN_MSG)]);

// UnconfirmedDataUp on FPort 0: MAC commands encrypted with the NwkSKey.
const MAC = hx('0205', '06ff0a');
const UP0_MSG = Buffer.concat([hx('40'), u32le(DEV), hx('00'), hx('0900'), hx('00'), refCrypt(NWK, 0, DEV, 9, MAC)]);
const UP0 = Buffer.concat([UP0_MSG, refMic(NWK, 0, DEV, 9, UP0_MSG)]);

test('public vector (lora-packet README): MIC and "test" payload', () => {
  const f = data(hx('40F17DBE4900020001954378762B11FF0D'));
  assert.ok(verifyDataMic(f, '44024241ed4ce9a68c6a8bc055233fd3'));
  // The README pairs this NwkSKey with AppSKey ec925802...; with the NwkSKey as AppSKey the text is not "test".
  assert.is(decryptFrmPayload(f, 'ec925802ae430ca77fd3dd73cb2cc588').toString('ascii'), 'test');
  assert.is.not(decryptFrmPayload(f, '44024241ed4ce9a68c6a8bc055233fd3').toString('ascii'), 'test');
});

test('downlink with FOpts: MIC uses Dir=1 and all 32 FCnt bits', () => {
  const f = data(DOWN);
  assert.is(f.fCnt, 5);
  assert.is(f.fOpts.toString('hex'), '03510000');
  assert.ok(verifyDataMic(f, NWK, FCNT32));
  assert.not.ok(verifyDataMic(f, NWK, 0x00020005), 'other upper 16 bits');
  assert.not.ok(verifyDataMic(f, NWK), 'default 16-bit counter');
});

test('downlink payload decrypts across three keystream blocks', () => {
  assert.is(decryptFrmPayload(data(DOWN), APP, FCNT32).toString('ascii'), PLAIN.toString('ascii'));
});

test('dataMic equals the spec computation', () => {
  assert.is(dataMic(NWK, false, DEV, FCNT32, DOWN_MSG).toString('hex'), DOWN.subarray(-4).toString('hex'));
  assert.is(dataMic(NWK, true, DEV, 9, UP0_MSG).toString('hex'), UP0.subarray(-4).toString('hex'));
});

test('FPort 0: NwkSKey decrypts the MAC commands, AppSKey does not', () => {
  const f = data(UP0);
  assert.is(f.fPort, 0);
  assert.ok(verifyDataMic(f, NWK));
  assert.is(decryptFrmPayload(f, NWK).toString('hex'), MAC.toString('hex'));
  assert.is.not(decryptFrmPayload(f, APP).toString('hex'), MAC.toString('hex'));
});

test('one flipped bit anywhere fails the MIC', () => {
  // MHDR and FCtrl get a bit that keeps the frame parseable (RFU bit, ADR bit).
  for (const [index, bit] of [[0, 3], [1, 0], [5, 7], [6, 0], [9, 0], [14, 0], [DOWN.length - 5, 0], [DOWN.length - 1, 0]]) {
    const f = data(flipBit(DOWN, index, bit));
    assert.not.ok(verifyDataMic(f, NWK, 0x10000 + f.fCnt), `bit flipped at ${index}`);
  }
});

test('wrong NwkSKey fails the MIC', () => {
  assert.not.ok(verifyDataMic(data(DOWN), APP, FCNT32));
  assert.not.ok(verifyDataMic(data(UP0), flipBit(NWK, 15, 7)));
});

test('frame without FPort decrypts to nothing', () => {
  const msg = Buffer.concat([hx('40'), u32le(DEV), hx('00'), hx('0100')]);
  const f = data(Buffer.concat([msg, refMic(NWK, 0, DEV, 1, msg)]));
  assert.is(f.fPort, null);
  assert.ok(verifyDataMic(f, NWK));
  assert.is(decryptFrmPayload(f, APP).length, 0);
});

test('cryptFrmPayload matches the Ai keystream and is its own inverse', () => {
  const plain = Buffer.from(Array.from({ length: 51 }, (_, i) => i));
  const enc = cryptFrmPayload(APP, true, 0x01020304, 0xfffffffe, plain);
  assert.is(enc.toString('hex'), refCrypt(APP, 0, 0x01020304, 0xfffffffe, plain).toString('hex'));
  assert.is(cryptFrmPayload(APP, true, 0x01020304, 0xfffffffe, enc).toString('hex'), plain.toString('hex'));
  assert.is(cryptFrmPayload(APP, true, 1, 1, new Uint8Array(0)).length, 0);
});

test('a 32-bit FCnt that does not end in the on-air FCnt throws bad_fcnt', () => {
  for (const call of [
    () => verifyDataMic(data(DOWN), NWK, 6),
    () => decryptFrmPayload(data(DOWN), APP, 0x10006),
    () => cryptFrmPayload(APP, true, 1, -1, PLAIN),
    () => dataMic(NWK, true, 1, 2 ** 32, DOWN_MSG),
  ]) {
    try {
      call();
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, LoRaWANError);
      assert.is((err as LoRaWANError).code, 'bad_fcnt');
    }
  }
});

test('missing or malformed keys throw', () => {
  try {
    verifyDataMic(data(DOWN), Buffer.alloc(8), FCNT32);
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as LoRaWANError).code, 'bad_key');
  }
  try {
    decryptFrmPayload(data(DOWN), undefined as unknown as Buffer, FCNT32);
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as LoRaWANError).code, 'missing_key');
  }
});

test.run();
