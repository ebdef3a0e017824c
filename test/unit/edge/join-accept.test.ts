// The simulated OTAA device against the gateway's join accept builder: both sides derive the same
// session keys; a join accept under another AppKey, a downlink with a bad MIC or a repeated FCnt
// are refused; a confirmed downlink sets ACK in the next uplink.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeJoinAccept, nextJoinNonce } from '../../../src/edge/join-accept.js';
import { SimulatedOtaaDevice, SimulatedDeviceError } from '../../../src/testing/otaa-devices.js';
import { buildDataDownlink, parsePhyPayload } from '../../../src/lorawan/index.js';

const SPEC = { name: 'sim', devEui: '70b3d57ed0009001', joinEui: '70b3d57ed0000000', appKey: '2b7e151628aed2a6abf7158809cf4f3c' };

function joined(): { dev: SimulatedOtaaDevice; keys: { nwkSKey: Buffer; appSKey: Buffer } } {
  const dev = new SimulatedOtaaDevice(SPEC, 0x0102);
  const req = parsePhyPayload(dev.joinRequest());
  assert.is(req.kind, 'joinRequest');
  const devNonce = req.kind === 'joinRequest' ? req.devNonce : -1;
  assert.is(devNonce, 0x0102);
  const accept = makeJoinAccept({
    appKey: Buffer.from(SPEC.appKey, 'hex'), devNonce, joinNonce: 5, netId: '000013', devAddr: 0x26000010, rx1DrOffset: 1, rx2DataRate: 3, rxDelay: 2,
  });
  const fields = dev.acceptJoin(accept.phyPayload);
  assert.equal([fields.devAddrHex, fields.netIdHex, fields.rx1DrOffset, fields.rx2DataRate, fields.rxDelay], ['26000010', '000013', 1, 3, 2]);
  return { dev, keys: accept.keys };
}

test('device and gateway derive the same session keys from the join accept', () => {
  const { dev, keys } = joined();
  assert.is(dev.session!.nwkSKey.toString('hex'), keys.nwkSKey.toString('hex'));
  assert.is(dev.session!.appSKey.toString('hex'), keys.appSKey.toString('hex'));
  assert.is.not(keys.nwkSKey.toString('hex'), keys.appSKey.toString('hex'));
});

test('a join accept under another AppKey is refused', () => {
  const dev = new SimulatedOtaaDevice(SPEC, 1);
  dev.joinRequest();
  const wrong = makeJoinAccept({ appKey: Buffer.alloc(16, 7), devNonce: 1, joinNonce: 1, netId: '000000', devAddr: 1, rx1DrOffset: 0, rx2DataRate: 0, rxDelay: 1 });
  assert.throws(() => dev.acceptJoin(wrong.phyPayload), (e: unknown) => e instanceof SimulatedDeviceError && /MIC/.test((e as Error).message));
});

test('downlinks: decrypted; bad MIC and a repeated FCnt refused; confirmed sets ACK in the next uplink', () => {
  const { dev, keys } = joined();
  const down = (fCnt32: number, key = keys.nwkSKey) =>
    buildDataDownlink({ mType: 'ConfirmedDataDown', devAddr: 0x26000010, fCnt32, fPort: 60, payload: Buffer.from([1, 0xff, 20]), nwkSKey: key, appSKey: keys.appSKey });
  const got = dev.receive(down(0));
  assert.equal([...got.payload], [1, 0xff, 20]);
  assert.is(got.confirmed, true);
  assert.throws(() => dev.receive(down(0)), /did not advance/);
  assert.throws(() => dev.receive(down(1, Buffer.alloc(16))), /MIC/);
  const up = parsePhyPayload(dev.uplink({ fPort: 1, payload: Buffer.from([9]) }));
  assert.ok(up.kind === 'data' && up.ack);
  const next = parsePhyPayload(dev.uplink({ fPort: 1, payload: Buffer.from([9]) }));
  assert.ok(next.kind === 'data' && !next.ack && next.fCnt === 1);
});

test('JoinNonce counts up within 24 bits and skips 0', () => {
  assert.is(nextJoinNonce(0), 1);
  assert.is(nextJoinNonce(41), 42);
  assert.is(nextJoinNonce(0xffffff), 1);
});

test.run();
