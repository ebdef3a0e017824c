// The function behind `lora-edge simulate serial`.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSerialSimulatorTool } from '../../src/testing/serial/cli.js';
import { until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from '../helpers/socat.js';

test('an unknown driver or a bad rate is a usage error naming the choices', async () => {
  try {
    await runSerialSimulatorTool({ driver: 'sx1301', link: '/tmp/x', rate: 1 });
    assert.unreachable('should throw');
  } catch (error) {
    assert.is((error as Error).name, 'UsageError');
    assert.match((error as Error).message, /one of semtech-2g4, lora-e5, rak3172, rn2483, got "sx1301"/);
  }
  try {
    await runSerialSimulatorTool({ driver: 'rn2483', link: '/tmp/x', rate: 0 });
    assert.unreachable('should throw');
  } catch (error) {
    assert.match((error as Error).message, /--rate must be above 0/);
  }
});

ptyTest(test, 'creates the link, reports it, and removes it when stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
  const link = join(dir, 'ttyLORA');
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  const stop = new AbortController();
  try {
    const run = runSerialSimulatorTool({ driver: 'lora-e5', link, rate: 5, signal: stop.signal, out });
    await until(() => printed.includes('\n'), 'the ready line');
    assert.equal(JSON.parse(printed.split('\n')[0]), { simulating: 'lora-e5', link });
    assert.ok(existsSync(link));
    stop.abort();
    assert.is(await run, 0);
    assert.not.ok(existsSync(link));
    assert.match(printed.split('\n')[1], /"stopped":"lora-e5"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
