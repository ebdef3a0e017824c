// The daemon's device layer with vendor-style codecs: a TTN v2 codec that logs decodes through the
// worker sandbox, its console lines land in the daemon log at debug with the codec's name, and a
// ChirpStack v3 codec that returns nothing for status frames yields data null without errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { buildDataUplink, parsePhyPayload } from '../../src/lorawan/index.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { codecFixture } from '../fixtures/codecs/paths.js';
import { captureLogger, radioFrame, registryYaml, tempDir, type AbpSpec } from '../fixtures/devices/helpers.js';

const LOGGER_DEVICE: AbpSpec = {
  devEui: '70b3d57ed0004001', name: 'console-1', profile: 'acme-console', owner: 'acme-labs',
  devAddr: '26014001', nwkSKey: '53535353535353535353535353535353', appSKey: '63636363636363636363636363636363',
};
const STATUS_DEVICE: AbpSpec = {
  devEui: '70b3d57ed0004002', name: 'status-1', profile: 'acme-status', owner: 'acme-labs',
  devAddr: '26014002', nwkSKey: '54545454545454545454545454545454', appSKey: '64646464646464646464646464646464',
};

function profile(id: string, codecFile: string, fPorts: string): string {
  return [
    `id: ${id}`, 'vendor: Acme', `model: ${id}`, 'category: other', `codec: ./${codecFile}`, `fPorts: ${fPorts}`,
    'class: A', 'region: EU868', 'description: Fictional device for the vendor codec tests.', '',
  ].join('\n');
}

test('console lines reach the daemon log at debug; v3 status frames are data null, not errors', async () => {
  const tmp = tempDir();
  const profiles = path.join(tmp, 'profiles');
  fs.mkdirSync(profiles);
  fs.copyFileSync(codecFixture('console-logging.js'), path.join(profiles, 'console-logging.js'));
  fs.copyFileSync(codecFixture('v3-status-undefined.js'), path.join(profiles, 'v3-status-undefined.js'));
  fs.writeFileSync(path.join(profiles, 'acme-console.yaml'), profile('acme-console', 'console-logging.js', '[1]'));
  fs.writeFileSync(path.join(profiles, 'acme-status.yaml'), profile('acme-status', 'v3-status-undefined.js', '[1, 2]'));
  const file = path.join(tmp, 'registry.yaml');
  fs.writeFileSync(file, registryYaml([LOGGER_DEVICE, STATUS_DEVICE]), { mode: 0o600 });
  const { logger, lines } = captureLogger('debug');
  const dir = await DeviceDirectory.open({
    registryPath: file, profilesDir: profiles, stateDir: path.join(tmp, 'state'), codecTimeLimitMs: 200, logger, watch: false,
  });
  try {
    const frame = (spec: AbpSpec, fCnt32: number, fPort: number, payload: number[]) => {
      const bytes = buildDataUplink({ devAddr: spec.devAddr, fCnt32, fPort, payload: Buffer.from(payload), nwkSKey: spec.nwkSKey, appSKey: spec.appSKey });
      return dir.resolve(parsePhyPayload(bytes), radioFrame(bytes));
    };
    const logged = frame(LOGGER_DEVICE, 1, 1, [1, 2]);
    assert.equal(logged?.decoded?.data, { n: 2 });
    const consoleLines = lines.filter((l) => l.msg === 'codec console');
    assert.is(consoleLines.length, 4);
    assert.is(consoleLines[0].level, 'debug');
    assert.is(consoleLines[0].codec, 'console-logging');
    assert.is(consoleLines[0].line, "odd frame [ 1, 2 ] { name: 'frame', size: 2, self: [Circular] }");
    assert.equal(consoleLines.map((l) => l.level), ['debug', 'debug', 'debug', 'debug'], 'the log level is not overwritten');
    assert.equal(consoleLines.map((l) => l.console), ['log', 'info', 'warn', 'error']);

    for (let fCnt = 1; fCnt <= 12; fCnt++) {
      const status = frame(STATUS_DEVICE, fCnt, 2, [0x10]);
      assert.equal(status?.decoded, { codec: 'v3-status-undefined.js', data: null, warnings: [], errors: [] });
    }
    const reading = frame(STATUS_DEVICE, 13, 1, [0x00, 0xd7]);
    assert.equal(reading?.decoded?.data, { temperature: 21.5 });
    assert.not.ok(lines.some((l) => /quarantined/.test(String(l.msg))), 'no quarantine');
  } finally {
    await dir.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
