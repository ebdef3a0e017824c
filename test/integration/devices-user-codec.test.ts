// A device whose profile names a JavaScript (TS013) codec: decoded through the QuickJS sandbox
// with its registry variables and the receive time; a codec file that does not load leaves its
// devices attributed with an error in `decoded`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { buildDataUplink, parsePhyPayload } from '../../src/lorawan/index.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { captureLogger, fixturePath, radioFrame, registryYaml, tempDir, type AbpSpec } from '../fixtures/devices/helpers.js';

const TH: AbpSpec = {
  devEui: '70b3d57ed0003001', name: 'th-1', profile: 'acme-th01', owner: 'acme-labs',
  devAddr: '26013001', nwkSKey: '51515151515151515151515151515151', appSKey: '61616161616161616161616161616161',
  variables: { offset: '1.5' },
};
const BROKEN: AbpSpec = {
  devEui: '70b3d57ed0003002', name: 'broken-1', profile: 'acme-broken', owner: 'acme-labs',
  devAddr: '26013002', nwkSKey: '52525252525252525252525252525252', appSKey: '62626262626262626262626262626262',
};

test('TS013 codec in the sandbox: variables and recvTime reach it; errors are reported and counted', async () => {
  const tmp = tempDir();
  const file = path.join(tmp, 'registry.yaml');
  fs.writeFileSync(file, registryYaml([TH, BROKEN]), { mode: 0o600 });
  const { logger, lines } = captureLogger();
  const dir = await DeviceDirectory.open({
    registryPath: file, profilesDir: fixturePath('profiles'), stateDir: path.join(tmp, 'state'), codecTimeLimitMs: 200, logger, watch: false,
  });
  try {
    assert.is(dir.deviceCount, 2);
    const at = Date.UTC(2026, 10, 23, 8, 30, 0);
    // -2.5 degC (0xFFE7 = -25 tenths), 55 %.
    const bytes = buildDataUplink({ devAddr: TH.devAddr, fCnt32: 1, fPort: 3, payload: Buffer.from([0xff, 0xe7, 55]), nwkSKey: TH.nwkSKey, appSKey: TH.appSKey });
    const out = dir.resolve(parsePhyPayload(bytes), radioFrame(bytes, at));
    assert.equal(out?.device, { devEui: TH.devEui, name: 'th-1', profile: 'acme-th01', owner: 'acme-labs' });
    assert.equal(out?.decoded, {
      codec: 'acme-th01.js',
      data: { temperature: -1, humidity: 55, received: '2026-11-23T08:30:00.000Z' },
      warnings: [],
      errors: [],
    });

    const short = buildDataUplink({ devAddr: TH.devAddr, fCnt32: 2, fPort: 3, payload: Buffer.from([1]), nwkSKey: TH.nwkSKey, appSKey: TH.appSKey });
    const bad = dir.resolve(parsePhyPayload(short), radioFrame(short));
    assert.is(bad?.decoded?.data, null);
    assert.equal(bad?.decoded?.errors, ['expected 3 bytes, got 1']);

    const b = buildDataUplink({ devAddr: BROKEN.devAddr, fCnt32: 1, fPort: 1, payload: Buffer.from([7]), nwkSKey: BROKEN.nwkSKey, appSKey: BROKEN.appSKey });
    const broken = dir.resolve(parsePhyPayload(b), radioFrame(b));
    assert.is(broken?.device?.name, 'broken-1');
    assert.is(broken?.decoded?.codec, 'broken-syntax.js');
    assert.is(broken?.decoded?.data, null);
    assert.match(broken?.decoded?.errors[0] ?? '', /codec broken-syntax\.js is not available: .*syntax/i);
    assert.ok(lines.some((l) => l.level === 'error' && /codec cannot be loaded/.test(String(l.msg))));

    const c = dir.counters();
    assert.is(c.decoded, 1);
    assert.equal(c.codecErrors, { 'acme-th01.js': 1, 'broken-syntax.js': 1 });
  } finally {
    await dir.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
