// Builders: exact bytes against public captures, round trips through the parser, and input checks.
import { errorCode } from '../../helpers/lorawan-errors.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildDataDownlink,
  buildDataUplink,
  buildJoinAccept,
  buildJoinRequest,
  decryptFrmPayload,
  decryptJoinAccept,
  parsePhyPayload,
  verifyDataMic,
  verifyJoinRequestMic,
  type DataFrame,
} from '../../../src/lorawan/index.js';

const hx = (s: string) => Buffer.from(s, 'hex');
const NWK = hx('44024241ed4ce9a68c6a8bc055233fd3');
const APP = hx('ec925802ae430ca77fd3dd73cb2cc588');
const APP_KEY = hx('b6b53f4a168a7a88bdf7ea135ce9cfca');

function data(bytes: Buffer): DataFrame {
  const f = parsePhyPayload(bytes);
  if (f.kind !== 'data') throw new Error('not a data frame');
  return f;
}

const code = errorCode;

test('uplink reproduces the lora-packet README frame', () => {
  const b = buildDataUplink({ devAddr: '49be7df1', fCnt32: 2, fPort: 1, payload: Buffer.from('test'), nwkSKey: NWK, appSKey: APP });
  assert.is(b.toString('hex'), '40f17dbe4900020001954378762b11ff0d');
});

test('join request reproduces the public capture', () => {
  const b = buildJoinRequest({ joinEui: '70b3d57ed00000dc', devEui: '00-af-ee-7c-f5-ed-6f-1e', devNonce: 0xcc85, appKey: APP_KEY });
  assert.is(b.toString('hex'), '00dc0000d07ed5b3701e6fedf57ceeaf0085cc587fe913');
  const f = parsePhyPayload(b);
  assert.ok(f.kind === 'joinRequest' && verifyJoinRequestMic(f, APP_KEY));
});

test('join accept reproduces the public capture (with CFList)', () => {
  const b = buildJoinAccept({
    appKey: APP_KEY,
    joinNonce: 0xe5063a,
    netId: '000013',
    devAddr: 0x26012e43,
    rx1DrOffset: 0,
    rx2DataRate: 3,
    rxDelay: 1,
    cfList: hx('184f84e85684b85e84886684586e8400'),
  });
  assert.is(b.toString('hex'), '204dd85ae608b87fc4889970b7d2042c9e72959b0057aed6094b16003df12de145');
});

test('join accept without CFList round-trips', () => {
  const input = { appKey: APP_KEY, joinNonce: 7, netId: 0xabcdef, devAddr: 0xfe000001, rx1DrOffset: 7, rx2DataRate: 15, rxDelay: 15 };
  const b = buildJoinAccept(input);
  assert.is(b.length, 17);
  const f = decryptJoinAccept(b, APP_KEY);
  assert.equal(
    [f.joinNonce, f.netId, f.devAddr, f.rx1DrOffset, f.rx2DataRate, f.rxDelay, f.cfList, f.micValid],
    [7, 0xabcdef, 0xfe000001, 7, 15, 15, null, true],
  );
});

test('uplink round trip: flags, FOpts, 32-bit counter, payload', () => {
  const payload = Buffer.from(Array.from({ length: 70 }, (_, i) => (i * 7) & 0xff));
  const b = buildDataUplink({
    mType: 'ConfirmedDataUp',
    devAddr: 0x26011bda,
    fCnt32: 0x0003fffe,
    fPort: 200,
    payload,
    fOpts: hx('0203'),
    adr: true,
    adrAckReq: true,
    ack: true,
    classB: true,
    nwkSKey: NWK,
    appSKey: APP,
  });
  const f = data(b);
  assert.is(f.mType, 'ConfirmedDataUp');
  assert.equal([f.adr, f.adrAckReq, f.ack, f.classB, f.fPending], [true, true, true, true, false]);
  assert.is(f.fOpts.toString('hex'), '0203');
  assert.is(f.fCnt, 0xfffe);
  assert.is(f.fPort, 200);
  assert.ok(verifyDataMic(f, NWK, 0x0003fffe));
  assert.not.ok(verifyDataMic(f, NWK));
  assert.is(decryptFrmPayload(f, APP, 0x0003fffe).toString('hex'), payload.toString('hex'));
});

test('downlink round trip: FPending, FPort 0 encrypted with NwkSKey', () => {
  const mac = hx('0350ff0001');
  const b = buildDataDownlink({ mType: 'ConfirmedDataDown', devAddr: 1, fCnt32: 9, fPort: 0, payload: mac, fPending: true, ack: true, nwkSKey: NWK });
  const f = data(b);
  assert.is(f.mType, 'ConfirmedDataDown');
  assert.equal([f.ack, f.fPending, f.adrAckReq, f.classB], [true, true, false, false]);
  assert.ok(verifyDataMic(f, NWK));
  assert.is(decryptFrmPayload(f, NWK).toString('hex'), mac.toString('hex'));
});

test('frame without FPort, and FPort with empty payload', () => {
  const none = data(buildDataUplink({ devAddr: 5, fCnt32: 1, fOpts: hx('02'), nwkSKey: NWK }));
  assert.is(none.fPort, null);
  assert.is(none.bytes.length, 13);
  assert.ok(verifyDataMic(none, NWK));
  const empty = data(buildDataDownlink({ devAddr: 5, fCnt32: 1, fPort: 3, nwkSKey: NWK }));
  assert.is(empty.fPort, 3);
  assert.is(empty.frmPayload.length, 0);
  assert.ok(verifyDataMic(empty, NWK));
});

test('invalid builder input throws a coded error', () => {
  const base = { devAddr: 1, fCnt32: 1, nwkSKey: NWK, appSKey: APP };
  assert.is(code(() => buildDataUplink({ ...base, fOpts: Buffer.alloc(16) })), 'bad_field');
  assert.is(code(() => buildDataUplink({ ...base, fPort: 0, fOpts: hx('02') })), 'fport0_with_fopts');
  assert.is(code(() => buildDataUplink({ ...base, payload: hx('01') })), 'bad_field');
  assert.is(code(() => buildDataUplink({ ...base, fPort: 256, payload: hx('01') })), 'bad_field');
  assert.is(code(() => buildDataUplink({ ...base, appSKey: undefined, fPort: 1, payload: hx('01') })), 'missing_key');
  assert.is(code(() => buildDataUplink({ ...base, fPort: 1, payload: Buffer.alloc(243) })), 'too_long');
  assert.is(code(() => buildDataUplink({ ...base, mType: 'ConfirmedDataDown' as 'ConfirmedDataUp' })), 'wrong_mtype');
  assert.is(code(() => buildDataDownlink({ ...base, devAddr: 'xyz' })), 'bad_field');
  assert.is(code(() => buildDataDownlink({ ...base, fCnt32: 2 ** 32 })), 'bad_fcnt');
  assert.is(code(() => buildDataDownlink({ ...base, nwkSKey: 'beef' })), 'bad_key');
  assert.is(code(() => buildJoinRequest({ joinEui: '0102', devEui: '0000000000000000', devNonce: 1, appKey: APP_KEY })), 'bad_field');
  assert.is(code(() => buildJoinAccept({ appKey: APP_KEY, joinNonce: 1, netId: 1, devAddr: 1, cfList: Buffer.alloc(15) })), 'bad_length');
  assert.is(code(() => buildJoinAccept({ appKey: APP_KEY, joinNonce: 1, netId: 1, devAddr: 1, rx1DrOffset: 8 })), 'bad_field');
  // Largest legal frame: 8 header + 1 FPort + 242 payload + 4 MIC = 255.
  assert.is(buildDataUplink({ ...base, fPort: 1, payload: Buffer.alloc(242) }).length, 255);
});

test.run();
