// Hot reload of the device registry: edits in place and by rename are picked up by the watcher,
// reload() (SIGHUP) re-reads on demand, a broken file keeps the previous registry, and frame
// counters and frame handling carry on across reloads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { buildDataUplink, parsePhyPayload } from '../../src/lorawan/index.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { streetLightUsagePayload } from '../../src/testing/device-payloads.js';
import { captureLogger, radioFrame, registryYaml, replaceFile, tempDir, waitFor, type AbpSpec, type LogLine } from '../fixtures/devices/helpers.js';

const A: AbpSpec = {
  devEui: '70b3d57ed0002001', name: 'lamp-a', profile: 'nasys-ul20xx', owner: 'city',
  devAddr: '26012001', nwkSKey: '31313131313131313131313131313131', appSKey: '41414141414141414141414141414141',
};
const B: AbpSpec = {
  devEui: '70b3d57ed0002002', name: 'lamp-b', profile: 'nasys-ul20xx', owner: 'city',
  devAddr: '26012002', nwkSKey: '32323232323232323232323232323232', appSKey: '42424242424242424242424242424242',
};

function frameOf(d: AbpSpec, fCnt32: number) {
  const bytes = buildDataUplink({ devAddr: d.devAddr, fCnt32, fPort: 26, payload: streetLightUsagePayload(fCnt32), nwkSKey: d.nwkSKey, appSKey: d.appSKey });
  return { phy: parsePhyPayload(bytes), frame: radioFrame(bytes) };
}

function nameOf(dir: DeviceDirectory, d: AbpSpec, fCnt32: number): string | null {
  const f = frameOf(d, fCnt32);
  return dir.resolve(f.phy, f.frame)?.device?.name ?? null;
}

async function withWatched(
  initial: string,
  fn: (ctx: { dir: DeviceDirectory; file: string; lines: LogLine[] }) => Promise<void>,
  mode = 0o600,
): Promise<void> {
  const tmp = tempDir();
  const file = path.join(tmp, 'registry.yaml');
  fs.writeFileSync(file, initial, { mode });
  fs.chmodSync(file, mode);
  const { logger, lines } = captureLogger();
  const dir = await DeviceDirectory.open({
    registryPath: file, stateDir: path.join(tmp, 'state'), codecTimeLimitMs: 50, logger, watchDebounceMs: 50,
  });
  try {
    await fn({ dir, file, lines });
  } finally {
    await dir.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

test('an in-place edit is picked up by the watcher', () =>
  withWatched(registryYaml([A]), async ({ dir, file }) => {
    assert.is(nameOf(dir, B, 1), null);
    fs.writeFileSync(file, registryYaml([A, B]));
    await waitFor(() => dir.deviceCount === 2, 3000, 'reload after in-place write');
    assert.is(nameOf(dir, B, 1), 'lamp-b');
    assert.is(nameOf(dir, A, 1), 'lamp-a');
  }));

test('a replace by rename (editors) is picked up, and again after that', () =>
  withWatched(registryYaml([A, B]), async ({ dir, file }) => {
    replaceFile(file, registryYaml([A]));
    await waitFor(() => dir.deviceCount === 1, 3000, 'reload after rename');
    assert.is(nameOf(dir, B, 1), null);
    replaceFile(file, registryYaml([B]));
    await waitFor(() => dir.deviceCount === 1 && nameOf(dir, B, 2) === 'lamp-b', 3000, 'second reload after rename');
    assert.is(nameOf(dir, A, 5), null);
  }));

test('a broken rewrite keeps the previous registry and logs why; fixing it loads again', () =>
  withWatched(registryYaml([A]), async ({ dir, file, lines }) => {
    fs.writeFileSync(file, 'devices:\n  - devEui: [broken\n');
    await waitFor(() => dir.counters().reloadFailures === 1, 3000, 'failed reload');
    assert.is(dir.deviceCount, 1);
    assert.is(nameOf(dir, A, 1), 'lamp-a');
    const err = lines.find((l) => l.level === 'error' && /the previous registry stays in use/.test(String(l.msg)));
    assert.ok(err, 'error logged');
    assert.match(String((err!.problems as string[])[0]), /registry\.yaml \[line \d+\]: not valid YAML/);
    assert.is(dir.registryStatus()?.lastFailure?.problems.length, 1);
    fs.writeFileSync(file, registryYaml([A, B]));
    await waitFor(() => dir.deviceCount === 2, 3000, 'reload after fix');
  }));

test('reload() re-reads on demand; one invalid entry refuses the whole file (never half a registry)', () =>
  withWatched(registryYaml([A]), async ({ dir, file }) => {
    const bad = registryYaml([B, { ...A, profile: 'no-such-profile' }]);
    fs.writeFileSync(file, bad);
    const r = await dir.reload();
    assert.is(r.applied, false);
    assert.is(r.devices, 1);
    assert.is(r.problems.length, 1);
    assert.match(r.problems[0], /entry 2 \(devEui 70b3d57ed0002001\) \[line \d+\]: profile: unknown profile "no-such-profile"/);
    assert.is(nameOf(dir, A, 2), 'lamp-a', 'the previous registry is still the one in use');
    assert.is(nameOf(dir, B, 1), null, 'the valid entry of the refused file was not applied');
    fs.writeFileSync(file, 'nothing: here\n');
    const refused = await dir.reload();
    assert.is(refused.applied, false);
    assert.is(refused.devices, 1);
    assert.ok(refused.problems.some((p) => /no top-level "devices:" list/.test(p)));
  }));

test('frames keep flowing during a reload, and frame counters survive it', () =>
  withWatched(registryYaml([A]), async ({ dir, file }) => {
    assert.is(nameOf(dir, A, 5), 'lamp-a');
    fs.writeFileSync(file, registryYaml([A, B]));
    const pending = dir.reload();
    // Before the reload finishes the previous index answers.
    assert.is(nameOf(dir, A, 6), 'lamp-a');
    await pending;
    assert.is(dir.deviceCount, 2);
    const replay = frameOf(A, 6);
    assert.is(dir.resolve(replay.phy, replay.frame)?.fCntReplay, true, 'FCnt 6 was accepted before the reload');
  }));

test('a registry readable by others is loaded with a warning', () =>
  withWatched(
    registryYaml([A]),
    async ({ dir, lines, file }) => {
      assert.is(dir.deviceCount, 1);
      const warn = lines.find((l) => l.level === 'warn' && /chmod 600/.test(String(l.msg)));
      assert.ok(warn, 'permission warning');
      assert.ok(String(warn!.msg).includes(file));
    },
    0o644,
  ));

test('a registry that does not exist yet is loaded once it appears', async () => {
  const tmp = tempDir();
  const file = path.join(tmp, 'registry.yaml');
  const { logger, lines } = captureLogger();
  const dir = await DeviceDirectory.open({ registryPath: file, stateDir: path.join(tmp, 'state'), codecTimeLimitMs: 50, logger, watchDebounceMs: 50 });
  try {
    assert.is(dir.deviceCount, 0);
    assert.ok(lines.some((l) => l.level === 'error' && /running WITHOUT a device registry/.test(String(l.msg))));
    replaceFile(file, registryYaml([B]));
    await waitFor(() => dir.deviceCount === 1, 3000, 'registry created');
    assert.is(nameOf(dir, B, 1), 'lamp-b');
  } finally {
    await dir.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
