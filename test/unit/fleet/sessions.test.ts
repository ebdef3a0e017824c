// Session hand-over: the update format (1.0 and 1.1 keys, sealing, signatures, refusals without key
// material) and the session store (a rejoin replaces, a re-delivery never moves the counter back, an
// older join is ignored, a withdrawal removes, the file brings them back after a restart).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSessionMessage, makeSessionMessage, type SessionMessageInput } from '../../../src/fleet/session-update.js';
import { HandedSessions } from '../../../src/fleet/handed-sessions.js';
import { newEd25519KeyPair, trustedKeys } from '../../../src/fleet/signing.js';
import { newX25519KeyPair, x25519PrivateKey } from '../../../src/fleet/sealed.js';
import { buildDataUplink } from '../../../src/lorawan/builders.js';
import { parsePhyPayload } from '../../../src/lorawan/index.js';
import type { DataFrame } from '../../../src/lorawan/phy-payload.js';
import { silentLogger } from '../../../src/log.js';

const K1 = 'c0ffee00112233445566778899aabbcc';
const K2 = 'deadbeef00112233445566778899aabb';
const base: SessionMessageInput = { devEui: '00000000000a0003', devAddr: '01aa0003', lorawan: '1.0', joinedAt: '2026-12-06T10:00:00.000Z', fCntUp: 10, keys: { nwkSKey: K1, appSKey: K2 } };

function decoded(input: SessionMessageInput, ctx: Parameters<typeof decodeSessionMessage>[1] = { trusted: [] }) {
  const d = decodeSessionMessage(makeSessionMessage(input), ctx);
  if (!d.ok) throw new Error(d.reasons.join('; '));
  return d.session;
}

function data(phy: Buffer): DataFrame {
  const p = parsePhyPayload(phy);
  if (p.kind !== 'data') throw new Error('not a data frame');
  return p;
}

test('a 1.0 update decodes; refusals name the problem and never the key', () => {
  const s = decoded(base);
  assert.is(s.devAddr, 0x01aa0003);
  assert.is(s.micKey.toString('hex'), K1);
  const bad = decodeSessionMessage(makeSessionMessage({ ...base, keys: { nwkSKey: K1.slice(0, 30), appSKey: K2 } }), { trusted: [] });
  assert.is(bad.ok, false);
  if (!bad.ok) {
    assert.match(bad.reasons[0], /nwkSKey/);
    for (const r of bad.reasons) assert.not.ok(r.includes(K1.slice(0, 30)) || r.includes(K2), r);
  }
  const wrongTopic = decodeSessionMessage(makeSessionMessage(base), { trusted: [], topicDevEui: '00000000000a0004' });
  assert.ok(!wrongTopic.ok && /does not match its topic/.test(wrongTopic.reasons[0]));
  assert.ok(!decodeSessionMessage(Buffer.from('{'), { trusted: [] }).ok);
});

test('signatures and sealed keys', () => {
  const hub = newEd25519KeyPair();
  const gw = newX25519KeyPair();
  const trusted = trustedKeys([hub.publicBase64]);
  assert.ok(decodeSessionMessage(makeSessionMessage({ ...base, signKeyPem: hub.privatePem }), { trusted }).ok);
  const unsigned = decodeSessionMessage(makeSessionMessage(base), { trusted });
  assert.ok(!unsigned.ok && /not signed/.test(unsigned.reasons[0]));
  const sealed = makeSessionMessage({ ...base, encryptTo: [gw.publicBase64] });
  assert.not.ok(sealed.toString().includes(K1));
  const opened = decodeSessionMessage(sealed, { trusted: [], privateKey: x25519PrivateKey(gw.privatePem) });
  assert.ok(opened.ok && opened.session.appSKey.toString('hex') === K2);
  assert.ok(!decodeSessionMessage(sealed, { trusted: [] }).ok);
});

test('a 1.1 session checks the FNwkSIntKey half of the MIC', () => {
  const keys = { fNwkSIntKey: K1, sNwkSIntKey: K2, nwkSEncKey: K2, appSKey: K2 };
  const s = decoded({ ...base, lorawan: '1.1', keys });
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-sessions-'));
  try {
    const store = new HandedSessions(join(dir, 's.json'), silentLogger());
    store.apply(s);
    const session = store.sessionsAt(0x01aa0003)[0];
    // A 1.0 frame made with the F key carries cmacF[0..3]; the 1.1 MIC is cmacS[0..1] | cmacF[0..1].
    const frame10 = buildDataUplink({ devAddr: '01aa0003', fCnt32: 11, fPort: 5, payload: Buffer.from([1]), nwkSKey: K1, appSKey: K2 });
    const mic = frame10.subarray(frame10.length - 4);
    const frame11 = Buffer.concat([frame10.subarray(0, frame10.length - 4), Buffer.from([0x55, 0xaa, mic[0], mic[1]])]);
    assert.ok(session.verifyMic!(data(frame11), 11), '1.1 MIC accepted');
    const wrong = Buffer.concat([frame10.subarray(0, frame10.length - 4), Buffer.from([0x55, 0xaa, mic[0] ^ 1, mic[1]])]);
    assert.not.ok(session.verifyMic!(data(wrong), 11), 'altered F half refused');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the store: rejoin replaces, re-delivery keeps the counter, older joins ignored, withdraw, restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-sessions-'));
  const file = join(dir, 'sessions.json');
  try {
    const store = new HandedSessions(file, silentLogger());
    assert.is(store.apply(decoded(base)), 'new');
    store.acceptUplink(base.devEui, 0x01aa0003, 50);
    assert.is(store.apply(decoded(base)), 'same');
    assert.is(store.sessionsAt(0x01aa0003)[0].lastFCntUp, 50, 'a re-delivered update does not move the counter back');
    const rejoin = { ...base, devAddr: '01bb0003', joinedAt: '2026-12-06T11:00:00.000Z', fCntUp: null, keys: { nwkSKey: K2, appSKey: K1 } };
    assert.is(store.apply(decoded(rejoin)), 'replaced');
    assert.is(store.sessionsAt(0x01aa0003).length, 0, 'the old DevAddr is free');
    assert.is(store.sessionsAt(0x01bb0003)[0].lastFCntUp, undefined, 'the new session starts its counter afresh');
    assert.is(store.apply(decoded(base)), 'older');
    store.acceptUplink(base.devEui, 0x01bb0003, 3);
    store.stop();
    const again = new HandedSessions(file, silentLogger());
    again.load();
    assert.is(again.size, 1);
    assert.is(again.sessionsAt(0x01bb0003)[0].lastFCntUp, 3, 'counter kept across a restart');
    assert.is(again.withdraw(base.devEui), 'removed');
    assert.is(again.size, 0);
    writeFileSync(file, '{damaged');
    const damaged = new HandedSessions(file, silentLogger());
    damaged.load();
    assert.is(damaged.size, 0, 'a damaged file starts empty, never a crash');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
