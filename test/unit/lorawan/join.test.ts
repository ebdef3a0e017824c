// OTAA: join request MIC, join accept decryption + MIC, session key derivation
// (LoRaWAN 1.0.x sections 6.2.4-6.2.5). Public capture from lora-packet issue #10 (AppKey
// b6b5..., DevNonce 0xcc85), plus hand-assembled accepts encrypted here with node:crypto.
import { errorCode } from '../../helpers/lorawan-errors.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  aesCmac,
  cfListFrequencies,
  decryptJoinAccept,
  deriveSessionKeys,
  joinRequestMic,
  parsePhyPayload,
  verifyJoinRequestMic,
  type JoinRequestFrame,
} from '../../../src/lorawan/index.js';

const hx = (...parts: string[]) => Buffer.from(parts.join(''), 'hex');
const APP_KEY = hx('b6b53f4a168a7a88bdf7ea135ce9cfca');
const JOIN_REQUEST = hx('00DC0000D07ED5B3701E6FEDF57CEEAF0085CC587FE913');
const JOIN_ACCEPT = hx('204DD85AE608B87FC4889970B7D2042C9E72959B0057AED6094B16003DF12DE145');

function ecb(key: Buffer, data: Buffer, decrypt = false): Buffer {
  const c = decrypt ? createDecipheriv('aes-128-ecb', key, null) : createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function joinRequest(bytes: Buffer): JoinRequestFrame {
  const f = parsePhyPayload(bytes);
  if (f.kind !== 'joinRequest') throw new Error('not a join request');
  return f;
}

const code = errorCode;

test('public join request: fields and MIC', () => {
  const f = joinRequest(JOIN_REQUEST);
  assert.is(f.joinEui, '70b3d57ed00000dc');
  assert.is(f.devEui, '00afee7cf5ed6f1e');
  assert.is(f.devNonce, 0xcc85);
  assert.ok(verifyJoinRequestMic(f, APP_KEY));
  assert.is(joinRequestMic(APP_KEY, JOIN_REQUEST.subarray(0, 19)).toString('hex'), '587fe913');
});

test('join request MIC fails on a flipped bit or another key', () => {
  const flipped = Buffer.from(JOIN_REQUEST);
  flipped[17] ^= 0x01; // DevNonce
  assert.not.ok(verifyJoinRequestMic(joinRequest(flipped), APP_KEY));
  assert.not.ok(verifyJoinRequestMic(joinRequest(JOIN_REQUEST), Buffer.alloc(16)));
});

test('hand-built join request: MIC = cmac(AppKey, MHDR|JoinEUI|DevEUI|DevNonce)[0..3]', () => {
  const key = hx('00112233445566778899aabbccddeeff');
  const msg = hx('00', '0807060504030201', '1122334455667788', '0100');
  const bytes = Buffer.concat([msg, aesCmac(key, msg).subarray(0, 4)]);
  assert.ok(verifyJoinRequestMic(joinRequest(bytes), key));
});

test('public join accept with CFList: fields, MIC and session keys', () => {
  const f = decryptJoinAccept(JOIN_ACCEPT, APP_KEY);
  assert.is(f.joinNonce, 0xe5063a);
  assert.is(f.netId, 0x13);
  assert.is(f.netIdHex, '000013');
  assert.is(f.devAddr, 0x26012e43);
  assert.is(f.devAddrHex, '26012e43');
  assert.is(f.dlSettings, 0x03);
  assert.is(f.rx1DrOffset, 0);
  assert.is(f.rx2DataRate, 3);
  assert.is(f.rxDelay, 1);
  assert.is(f.cfList?.toString('hex'), '184f84e85684b85e84886684586e8400');
  assert.is(f.mic.toString('hex'), '55121de0');
  assert.ok(f.micValid);
  const keys = deriveSessionKeys(APP_KEY, f.joinNonce, f.netId, 0xcc85);
  assert.is(keys.nwkSKey.toString('hex'), '2c96f7028184bb0be8aa49275290d4fc');
  assert.is(keys.appSKey.toString('hex'), 'f3a5c8f0232a38c144029c165865802c');
});

test('CFList type 0 decodes to five frequencies in Hz', () => {
  const f = decryptJoinAccept(JOIN_ACCEPT, APP_KEY);
  assert.equal(cfListFrequencies(f.cfList!), [867100000, 867300000, 867500000, 867700000, 867900000]);
});

test('hand-built join accept without CFList: encrypted with AES decrypt, MIC over plaintext', () => {
  const key = hx('000102030405060708090a0b0c0d0e0f');
  // MHDR | JoinNonce 0x030201 | NetID 0x060504 | DevAddr 0x26011bda | DLSettings (offset 2, RX2 DR 5) | RxDelay 3
  const plain = hx('20', '010203', '040506', 'da1b0126', '25', '03');
  const mic = aesCmac(key, plain).subarray(0, 4);
  const onAir = Buffer.concat([plain.subarray(0, 1), ecb(key, Buffer.concat([plain.subarray(1), mic]), true)]);
  assert.is(onAir.length, 17);
  const f = decryptJoinAccept(onAir, key);
  assert.is(f.joinNonce, 0x030201);
  assert.is(f.netId, 0x060504);
  assert.is(f.devAddrHex, '26011bda');
  assert.is(f.rx1DrOffset, 2);
  assert.is(f.rx2DataRate, 5);
  assert.is(f.rxDelay, 3);
  assert.is(f.cfList, null);
  assert.is(f.mic.toString('hex'), mic.toString('hex'));
  assert.ok(f.micValid);
  // A parsed frame works as input too.
  const parsed = parsePhyPayload(onAir);
  if (parsed.kind !== 'joinAccept') throw new Error('not a join accept');
  assert.ok(decryptJoinAccept(parsed, key).micValid);
});

test('join accept under the wrong AppKey: micValid false', () => {
  assert.is(decryptJoinAccept(JOIN_ACCEPT, Buffer.alloc(16)).micValid, false);
  const flipped = Buffer.from(JOIN_ACCEPT);
  flipped[20] ^= 0x80;
  assert.is(decryptJoinAccept(flipped, APP_KEY).micValid, false);
});

test('session keys: aes128(AppKey, 01|JoinNonce|NetID|DevNonce|pad) and 02|...', () => {
  const key = hx('000102030405060708090a0b0c0d0e0f');
  const block = (type: string) => hx(type, '010203', '040506', '0807', '00000000000000');
  const keys = deriveSessionKeys(key, 0x030201, 0x060504, 0x0708);
  assert.is(keys.nwkSKey.toString('hex'), ecb(key, block('01')).toString('hex'));
  assert.is(keys.appSKey.toString('hex'), ecb(key, block('02')).toString('hex'));
  const fromHex = deriveSessionKeys(key.toString('hex'), 0x030201, '060504', '0708');
  assert.is(fromHex.nwkSKey.toString('hex'), keys.nwkSKey.toString('hex'));
});

test('decryptJoinAccept rejects other frames and bad sizes', () => {
  assert.is(code(() => decryptJoinAccept(JOIN_REQUEST, APP_KEY)), 'wrong_mtype');
  assert.is(code(() => decryptJoinAccept(JOIN_ACCEPT.subarray(0, 20), APP_KEY)), 'bad_length');
  assert.is(code(() => decryptJoinAccept(new Uint8Array(0), APP_KEY)), 'too_short');
  assert.is(code(() => decryptJoinAccept(JOIN_ACCEPT, Buffer.alloc(3))), 'bad_key');
  assert.is(code(() => deriveSessionKeys(APP_KEY, 0x1000000, 0, 0)), 'bad_field');
  assert.is(code(() => deriveSessionKeys(APP_KEY, 0, 0, 0x10000)), 'bad_field');
});

test.run();
