// Independent confirmation against lora-packet (a dev dependency with its own crypto-js based
// implementation): frames built by either side are read identically by the other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import loraPacketModule from 'lora-packet';
import {
  buildDataDownlink,
  buildDataUplink,
  buildJoinAccept,
  buildJoinRequest,
  decryptFrmPayload,
  decryptJoinAccept,
  deriveSessionKeys,
  parsePhyPayload,
  verifyDataMic,
  type DataFrame,
} from '../../../src/lorawan/index.js';

// lora-packet's d.ts declares a default export, but the CommonJS module object is the API itself.
type LoraPacketApi = typeof loraPacketModule.default;
const lora: LoraPacketApi =
  (loraPacketModule as unknown as { default?: LoraPacketApi }).default ?? (loraPacketModule as unknown as LoraPacketApi);

/** Deterministic pseudo-random bytes so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  return {
    int: (max: number) => next() % max,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => next() & 0xff)),
  };
}

function data(bytes: Buffer): DataFrame {
  const f = parsePhyPayload(bytes);
  if (f.kind !== 'data') throw new Error('not a data frame');
  return f;
}

const LP_MTYPE: Record<string, string> = {
  UnconfirmedDataUp: 'Unconfirmed Data Up',
  ConfirmedDataUp: 'Confirmed Data Up',
  UnconfirmedDataDown: 'Unconfirmed Data Down',
  ConfirmedDataDown: 'Confirmed Data Down',
};

test('our data frames read the same in lora-packet (fields, MIC, decryption)', () => {
  const r = rng(1);
  for (let i = 0; i < 60; i++) {
    const nwkSKey = r.bytes(16);
    const appSKey = r.bytes(16);
    const uplink = i % 2 === 0;
    const fPort = i % 7 === 0 ? null : i % 5 === 0 ? 0 : 1 + r.int(223);
    const payload = fPort === null ? undefined : r.bytes(1 + r.int(60));
    const fOpts = fPort === 0 || i % 3 !== 0 ? undefined : r.bytes(1 + r.int(15));
    const common = { devAddr: r.int(2 ** 32), fCnt32: r.int(0x10000), fPort, payload, fOpts, adr: i % 4 === 0, ack: i % 3 === 1, nwkSKey, appSKey };
    const bytes = uplink
      ? buildDataUplink({ ...common, mType: i % 4 < 2 ? 'UnconfirmedDataUp' : 'ConfirmedDataUp', adrAckReq: i % 5 === 1 })
      : buildDataDownlink({ ...common, mType: i % 4 < 2 ? 'UnconfirmedDataDown' : 'ConfirmedDataDown', fPending: i % 5 === 1 });
    const ours = data(bytes);
    const theirs = lora.fromWire(bytes);
    assert.is(theirs.getMType(), LP_MTYPE[ours.mType], `frame ${i} mType`);
    assert.is(theirs.DevAddr?.toString('hex'), ours.devAddrHex);
    assert.is(theirs.getFCnt(), ours.fCnt);
    assert.is(theirs.getFPort(), ours.fPort);
    assert.is(theirs.FOpts?.toString('hex') ?? '', ours.fOpts.toString('hex'));
    assert.is(theirs.getFCtrlADR(), ours.adr);
    assert.is(theirs.getFCtrlACK(), ours.ack);
    if (uplink) assert.is(theirs.getFCtrlADRACKReq(), ours.adrAckReq);
    else assert.is(theirs.getFCtrlFPending(), ours.fPending);
    assert.ok(lora.verifyMIC(theirs, nwkSKey), `frame ${i}: lora-packet accepts our MIC`);
    if (payload) assert.is(lora.decrypt(theirs, appSKey, nwkSKey).toString('hex'), payload.toString('hex'), `frame ${i} payload`);
  }
});

test('lora-packet data frames read the same here', () => {
  const r = rng(2);
  for (let i = 0; i < 40; i++) {
    const nwkSKey = r.bytes(16);
    const appSKey = r.bytes(16);
    const payload = r.bytes(1 + r.int(50));
    const fPort = i % 6 === 0 ? 0 : 1 + r.int(200);
    const fCnt = r.int(0x10000);
    const mType = ['Unconfirmed Data Up', 'Confirmed Data Up', 'Unconfirmed Data Down', 'Confirmed Data Down'][i % 4];
    const devAddr = r.bytes(4);
    const pkt = lora.fromFields(
      { MType: mType, DevAddr: devAddr, FCnt: fCnt, FPort: fPort, payload, FCtrl: { ADR: i % 2 === 0, ACK: i % 3 === 0 } },
      appSKey,
      nwkSKey,
    );
    const bytes = pkt.getPHYPayload();
    if (!bytes) throw new Error('lora-packet built nothing');
    const f = data(bytes);
    assert.is(f.devAddrHex, devAddr.toString('hex'));
    assert.is(f.fCnt, fCnt);
    assert.is(f.fPort, fPort);
    assert.is(f.adr, i % 2 === 0);
    assert.is(f.ack, i % 3 === 0);
    assert.ok(verifyDataMic(f, nwkSKey), `frame ${i} MIC`);
    assert.is(decryptFrmPayload(f, fPort === 0 ? nwkSKey : appSKey).toString('hex'), payload.toString('hex'));
  }
});

test('32-bit counters: lora-packet with FCnt MSBs agrees on MIC and payload', () => {
  const nwkSKey = Buffer.alloc(16, 1);
  const appSKey = Buffer.alloc(16, 2);
  const payload = Buffer.from('counter above 16 bits');
  const bytes = buildDataUplink({ devAddr: 0x26011bda, fCnt32: 0x00031234, fPort: 9, payload, nwkSKey, appSKey });
  const pkt = lora.fromWire(bytes);
  // lora-packet appends these bytes as they go on the wire: upper 16 bits little-endian.
  const msb = Buffer.from([0x03, 0x00]);
  assert.ok(lora.verifyMIC(pkt, nwkSKey, undefined, msb));
  assert.not.ok(lora.verifyMIC(pkt, nwkSKey));
  assert.is(lora.decrypt(pkt, appSKey, nwkSKey, msb).toString(), payload.toString());
});

test('join request and join accept agree with lora-packet, and so do session keys', () => {
  const r = rng(3);
  for (let i = 0; i < 10; i++) {
    const appKey = r.bytes(16);
    const devNonce = r.int(0x10000);
    const req = buildJoinRequest({ joinEui: r.bytes(8), devEui: r.bytes(8), devNonce, appKey });
    const lpReq = lora.fromWire(req);
    assert.ok(lpReq.isJoinRequestMessage());
    assert.ok(lora.verifyMIC(lpReq, undefined, appKey), 'join request MIC');
    assert.is(lpReq.DevNonce?.toString('hex'), devNonce.toString(16).padStart(4, '0'));

    const joinNonce = r.int(0x1000000);
    const netId = r.int(0x1000000);
    const devAddr = r.int(2 ** 32);
    const cfList = i % 2 === 0 ? r.bytes(16) : null;
    const acc = buildJoinAccept({ appKey, joinNonce, netId, devAddr, rx1DrOffset: i % 8, rx2DataRate: i, rxDelay: 1 + (i % 15), cfList });
    const lpAcc = lora.fromWire(lora.decryptJoinAccept(lora.fromWire(acc), appKey));
    assert.is(lpAcc.AppNonce?.toString('hex'), joinNonce.toString(16).padStart(6, '0'));
    assert.is(lpAcc.NetID?.toString('hex'), netId.toString(16).padStart(6, '0'));
    assert.is(lpAcc.DevAddr?.toString('hex'), devAddr.toString(16).padStart(8, '0'));
    assert.is(lpAcc.getDLSettingsRxOneDRoffset(), i % 8);
    assert.is(lpAcc.getDLSettingsRxTwoDataRate(), i);
    assert.ok(lora.verifyMIC(lpAcc, undefined, appKey), 'join accept MIC');
    assert.ok(decryptJoinAccept(acc, appKey).micValid);

    const ours = deriveSessionKeys(appKey, joinNonce, netId, devNonce);
    const theirs = lora.generateSessionKeys10(appKey, lpAcc.NetID!, lpAcc.AppNonce!, lpReq.DevNonce!);
    assert.is(ours.nwkSKey.toString('hex'), theirs.NwkSKey.toString('hex'));
    assert.is(ours.appSKey.toString('hex'), theirs.AppSKey.toString('hex'));
  }
});

test.run();
