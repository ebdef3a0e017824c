// `lora-edge frame`: one JSON object on stdout, or one line on stderr and exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { buildJoinRequest, buildDataUplink } from '../../src/lorawan/builders.js';

test('a data frame with keys: MIC checked and payload decrypted', async () => {
  const nwkSKey = '2b7e151628aed2a6abf7158809cf4f3c';
  const appSKey = '000102030405060708090a0b0c0d0e0f';
  const phy = buildDataUplink({ devAddr: '26011bda', fCnt32: 5, fPort: 7, payload: Buffer.from('hi!'), nwkSKey, appSKey, adr: true });
  const r = await runCli(['frame', phy.toString('hex'), '--nwkskey', nwkSKey, '--appskey', appSKey]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.mType, 'UnconfirmedDataUp');
  assert.is(out.devAddr, '26011bda');
  assert.is(out.fCnt, 5);
  assert.is(out.fPort, 7);
  assert.is(out.adr, true);
  assert.is(out.micValid, true);
  assert.is(out.payload, Buffer.from('hi!').toString('hex'));
  const b64 = await runCli(['frame', phy.toString('base64')]);
  assert.is(JSON.parse(b64.stdout).micValid, null, 'no key: null');
  assert.is(JSON.parse(b64.stdout).payload, null);
});

test('a join request, as base64', async () => {
  const phy = buildJoinRequest({ joinEui: '70b3d57ed0000000', devEui: '0004a30b001c0530', devNonce: 0x1234, appKey: '00'.repeat(16) });
  const r = await runCli(['frame', phy.toString('base64'), '--appkey', '00'.repeat(16)]);
  const out = JSON.parse(r.stdout);
  assert.equal([out.mType, out.joinEui, out.devEui, out.devNonce, out.micValid], ['JoinRequest', '70b3d57ed0000000', '0004a30b001c0530', 0x1234, true]);
});

test('malformed input: exit 2, one line on stderr, no stack trace', async () => {
  for (const args of [['frame', '40F17D'], ['frame', 'not hex or base64!'], ['frame', '40F17DBE4900020001954378762B11FF0D', '--nwkskey', 'abc'], ['frame']]) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.is(r.stdout, '');
  }
});

test.run();
