// describeFrame (the `lora-edge frame` output) and parseHexOrBase64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeFrame, parseHexOrBase64, LoRaWANError } from '../../../src/lorawan/index.js';
import { errorCode } from '../../helpers/lorawan-errors.js';

const hx = (s: string) => Buffer.from(s, 'hex');
const UPLINK = hx('40F17DBE4900020001954378762B11FF0D');
const NWK = '44024241ed4ce9a68c6a8bc055233fd3';
const APP = 'ec925802ae430ca77fd3dd73cb2cc588';
const APP_KEY = 'b6b53f4a168a7a88bdf7ea135ce9cfca';
const JOIN_REQUEST = hx('00DC0000D07ED5B3701E6FEDF57CEEAF0085CC587FE913');
const JOIN_ACCEPT = hx('204DD85AE608B87FC4889970B7D2042C9E72959B0057AED6094B16003DF12DE145');

const code = errorCode;

const describe = suite('describeFrame');

describe('data uplink with both keys', () => {
  assert.equal(describeFrame(UPLINK, { nwkSKey: NWK, appSKey: APP }), {
    mType: 'UnconfirmedDataUp',
    devAddr: '49be7df1',
    adr: false,
    ack: false,
    fOptsLen: 0,
    fOpts: '',
    fCnt: 2,
    fPort: 1,
    frmPayload: '95437876',
    payload: '74657374',
    mic: '2b11ff0d',
    micValid: true,
  });
});

describe('data uplink without keys: payload and micValid null', () => {
  const d = describeFrame(UPLINK);
  assert.is(d.payload, null);
  assert.is(d.micValid, null);
  assert.is(d.frmPayload, '95437876');
});

describe('data uplink with the wrong NwkSKey: micValid false', () => {
  assert.is(describeFrame(UPLINK, { nwkSKey: APP }).micValid, false);
});

describe('FPort 0 payload uses the NwkSKey; no FPort gives payload null', () => {
  // Uplink, DevAddr 0x01020304, FCnt 0, FPort 0, one byte; payload XOR only, MIC not checked here.
  const d = describeFrame(hx('40040302010000000002' + '00000000'), { appSKey: APP });
  assert.is(d.fPort, 0);
  assert.is(d.payload, null, 'AppSKey alone cannot decrypt FPort 0');
  assert.is(typeof describeFrame(hx('40040302010000000002' + '00000000'), { nwkSKey: NWK }).payload, 'string');
  const bare = describeFrame(hx('6004030201a1010002' + '00000000'), { nwkSKey: NWK, appSKey: APP });
  assert.equal([bare.mType, bare.fPort, bare.payload, bare.fOptsLen, bare.fOpts, bare.adr, bare.ack], [
    'UnconfirmedDataDown',
    null,
    null,
    1,
    '02',
    true,
    true,
  ]);
});

describe('join request', () => {
  assert.equal(describeFrame(JOIN_REQUEST, { appKey: APP_KEY }), {
    mType: 'JoinRequest',
    joinEui: '70b3d57ed00000dc',
    devEui: '00afee7cf5ed6f1e',
    devNonce: 0xcc85,
    mic: '587fe913',
    micValid: true,
  });
  assert.is(describeFrame(JOIN_REQUEST).micValid, null);
});

describe('join accept without AppKey: only mType and the raw MIC', () => {
  assert.equal(describeFrame(JOIN_ACCEPT), { mType: 'JoinAccept', mic: 'f12de145', micValid: null });
});

describe('join accept with AppKey and DevNonce: fields and session keys', () => {
  assert.equal(describeFrame(JOIN_ACCEPT, { appKey: APP_KEY, devNonce: 'cc85' }), {
    mType: 'JoinAccept',
    joinNonce: 0xe5063a,
    netId: '000013',
    devAddr: '26012e43',
    rx1DrOffset: 0,
    rx2DataRate: 3,
    rxDelay: 1,
    cfList: '184f84e85684b85e84886684586e8400',
    mic: '55121de0',
    micValid: true,
    nwkSKey: '2c96f7028184bb0be8aa49275290d4fc',
    appSKey: 'f3a5c8f0232a38c144029c165865802c',
  });
  const noNonce = describeFrame(JOIN_ACCEPT, { appKey: APP_KEY });
  assert.not.ok('nwkSKey' in noNonce);
});

describe('rejoin request and proprietary frames', () => {
  assert.equal(describeFrame(hx('c0aabb01020304')), { mType: 'RejoinRequest', body: 'aabb', mic: '01020304', micValid: null });
  assert.equal(describeFrame(hx('e0aabb')), { mType: 'Proprietary', body: 'aabb', mic: null, micValid: null });
});

describe('output is plain JSON', () => {
  const d = describeFrame(JOIN_ACCEPT, { appKey: APP_KEY, devNonce: 0xcc85 });
  assert.equal(JSON.parse(JSON.stringify(d)), d);
});

describe('malformed frames and options throw coded errors', () => {
  assert.is(code(() => describeFrame(hx('41f17dbe4900020001954378762b11ff0d'))), 'bad_major');
  assert.is(code(() => describeFrame(hx('40f17dbe49'))), 'too_short');
  assert.is(code(() => describeFrame(UPLINK, { nwkSKey: 'abc' })), 'bad_key');
  assert.is(code(() => describeFrame(UPLINK, { nwkSKey: NWK, fCnt32: 3 })), 'bad_fcnt');
  assert.is(code(() => describeFrame(JOIN_ACCEPT, { appKey: APP_KEY, devNonce: 0x10000 })), 'bad_field');
});

describe('fCnt32 option feeds the MIC', () => {
  assert.is(describeFrame(UPLINK, { nwkSKey: NWK, fCnt32: 0x10002 }).micValid, false);
  assert.is(describeFrame(UPLINK, { nwkSKey: NWK, fCnt32: 2 }).micValid, true);
});

describe.run();

const text = suite('parseHexOrBase64');

text('hex in several spellings', () => {
  for (const s of ['40F17DBE', '40f17dbe', '0x40F17DBE', '40 F1 7D BE', ' 40f1\n7dbe ', '0X40f17dbe']) {
    assert.is(parseHexOrBase64(s).toString('hex'), '40f17dbe', s);
  }
});

text('base64, standard and URL-safe, padded or not', () => {
  assert.is(parseHexOrBase64('QK4TBCaAAAABb4ldmIEHFOMmgpU=').toString('hex'), '40ae130426800000016f895d98810714e3268295');
  assert.is(parseHexOrBase64('QK4TBCaAAAABb4ldmIEHFOMmgpU').toString('hex'), '40ae130426800000016f895d98810714e3268295');
  assert.is(parseHexOrBase64('-_8=').toString('hex'), 'fbff');
  assert.is(parseHexOrBase64('+/8=').toString('hex'), 'fbff');
});

text('garbage throws bad_encoding with a readable message', () => {
  for (const s of ['', '   ', '0x123', 'abc', 'not base64!', 'QK4=T', 'Q', 'QQ=A']) {
    try {
      parseHexOrBase64(s);
      assert.unreachable(`"${s}" should throw`);
    } catch (err) {
      assert.instance(err, LoRaWANError);
      assert.is((err as LoRaWANError).code, 'bad_encoding', s);
      assert.match((err as Error).message, /hex|base64/);
    }
  }
});

text.run();
