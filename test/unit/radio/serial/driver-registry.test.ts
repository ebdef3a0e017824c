// The serial driver registry is the one list of drivers: the config schema, the template,
// check-config and SerialSource all follow it. Checked here for every entry, so a new driver
// gets these checks by being listed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { ConfigError, validateConfig } from '../../../../src/config/load.js';
import { CONFIG_TEMPLATE } from '../../../../src/config/template.js';
import { silentLogger } from '../../../../src/log.js';
import { SERIAL_DRIVER_REGISTRY, findSerialDriver, parseSerialDriverSettings, serialDriverNames } from '../../../../src/radio/serial/driver-registry.js';
import { SerialSource } from '../../../../src/radio/serial/serial-source.js';
import { MemorySerialPorts } from '../../../helpers/memory-serial-ports.js';

const GATEWAY = { id: '0016c001ff10a235' };

function problemsOf(sources: unknown[]): string[] {
  try {
    validateConfig({ gateway: GATEWAY, sources }, 't', {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** The template's example values of a driver, as a settings object. */
function exampleSettings(name: string): Record<string, unknown> {
  const driver = findSerialDriver(name)!;
  return Object.fromEntries(driver.templateExample.map((line) => [line.key, YAML.parse(line.value)]));
}

test('every entry has a distinct name, a default baud rate, bands and the keys it declares', () => {
  assert.is(new Set(serialDriverNames).size, SERIAL_DRIVER_REGISTRY.length);
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    assert.ok(/^[a-z0-9-]+$/.test(driver.name), driver.name);
    assert.ok(Number.isInteger(driver.defaultBaudRate) && driver.defaultBaudRate > 0, driver.name);
    assert.ok(driver.bands.length > 0, driver.name);
    assert.ok(driver.hardware.length > 0, driver.name);
    const keys = Object.keys(driver.settings.shape);
    for (const line of driver.templateExample) assert.ok(keys.includes(line.key), `${driver.name}: template key ${line.key} is one of its settings`);
  }
});

test('drivers that share a key give it the same type, so the config schema can hold every key once', () => {
  const typeOf = new Map<string, string>();
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    for (const [key, schema] of Object.entries(driver.settings.shape)) {
      const type = (schema as { def: { type: string } }).def.type;
      assert.is(typeOf.get(key) ?? type, type, `${driver.name}.${key}`);
      typeOf.set(key, type);
    }
  }
});

test('the template example of every driver passes its checks, and so do its in-code defaults with it', () => {
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    const example = exampleSettings(driver.name);
    assert.ok(parseSerialDriverSettings(driver, example).ok, `${driver.name} example`);
    assert.ok(parseSerialDriverSettings(driver, { ...driver.codeDefaults, ...example }).ok, `${driver.name} example with defaults`);
  }
});

test('the config accepts every driver by name with its example settings; another name lists them all', () => {
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    assert.equal(problemsOf([{ type: 'serial', driver: driver.name, path: '/dev/ttyUSB0', ...exampleSettings(driver.name) }]), [], driver.name);
  }
  const problems = problemsOf([{ type: 'serial', driver: 'xbee', path: '/dev/ttyUSB0' }]);
  assert.is(problems.length, 1);
  for (const name of serialDriverNames) assert.ok(problems[0]!.includes(`"${name}"`), name);
});

test('check-config reports the driver checks that SerialSource used to find only at start-up, with key paths', () => {
  const problems = problemsOf([
    { type: 'serial', driver: 'lora-e5', path: '/dev/ttyUSB0', frequency: 868.1, spreadingFactor: 6, bandwidth: 125_000 },
    { type: 'serial', driver: 'rak3172', path: '/dev/ttyUSB1', frequency: 868_100_000, spreadingFactor: 5, bandwidth: 812_500 },
    { type: 'serial', driver: 'semtech-2g4', path: '/dev/ttyACM0', channels: [{ frequency: 868_100_000 }, { frequency: 2_425_000_000, bandwidth: 125_000 }] },
    { type: 'serial', driver: 'semtech-2g4', path: '/dev/ttyACM1', channels: [1, 2, 3, 4].map((i) => ({ frequency: 2_400_000_000 + i * 10_000_000 })) },
  ]);
  assert.equal(problems, [
    'sources[0].frequency: frequency 868.1 is not a sub-GHz frequency in Hz (for example 868100000)',
    'sources[0].spreadingFactor: lora-e5 supports spreading factors 7, 8, 9, 10, 11, 12, not 6',
    'sources[1].bandwidth: rak3172 supports bandwidths 125000, 250000, 500000 Hz, not 812500',
    'sources[2].channels[0].frequency: frequency 868100000 Hz is outside the 2400-2500 MHz band of the SX1280',
    'sources[2].channels[1].bandwidth: bandwidth 125000 Hz is not one of 203125, 406250, 812500, 1625000',
    'sources[3].channels: semtech-2g4 has 3 RX radios, but 4 channels are configured',
  ]);
});

test('keys of another driver are still accepted and ignored, as before the registry', () => {
  const problems = problemsOf([
    { type: 'serial', driver: 'semtech-2g4', path: '/dev/ttyACM0', frequency: 868_100_000 },
    { type: 'serial', driver: 'rn2483', path: '/dev/ttyUSB0', frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000, channels: [] },
  ]);
  assert.equal(problems, []);
  assert.equal(problemsOf([{ type: 'serial', driver: 'rn2483', path: '/dev/ttyUSB0', color: 'blue' }]), ['sources[0].color: unknown key']);
});

test('the template lists every driver with its default baud rate and hardware', () => {
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    const line = CONFIG_TEMPLATE.split('\n').find((text) => text.startsWith(`  #   ${driver.name} `));
    assert.ok(line, driver.name);
    assert.match(line!, new RegExp(`\\b${driver.defaultBaudRate}\\b`));
    assert.ok(line!.includes(driver.hardware), driver.name);
  }
  assert.match(CONFIG_TEMPLATE, new RegExp(`driver: \\S+ +# ${serialDriverNames.join(' \\| ')}\\n`));
});

test("SerialSource opens the port at the driver's default baud rate unless one is given", async () => {
  for (const driver of SERIAL_DRIVER_REGISTRY) {
    for (const baudRate of [undefined, 19200]) {
      const ports = new MemorySerialPorts();
      const created: number[] = [];
      const create = ports.create.bind(ports);
      ports.create = (options) => (created.push(options.baudRate), create(options));
      ports.plug('/dev/ttyX', { hear: () => undefined });
      const source = new SerialSource({ id: 'x', path: '/dev/ttyX', driver: driver.name, baudRate, logger: silentLogger(), onFrame: () => undefined, ports, ...exampleSettings(driver.name) });
      await source.start();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await source.stop();
      assert.equal(created.slice(0, 1), [baudRate ?? driver.defaultBaudRate], driver.name);
    }
  }
});

test.run();
