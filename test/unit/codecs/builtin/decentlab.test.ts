// Decentlab protocol v2 (DL-PM, DL-LP8P) and the shared downlink encoder with CRC-16/MODBUS.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';
import { crc16Modbus } from '../../../../src/codecs/builtin/decentlab-v2.js';

const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const decoder = (id: string) => {
  const codec = findBuiltinCodec(id)!;
  return (bytes: number[], fPort = 1) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
};
const v = (displayName: string, unit: string | undefined, value: number) => (unit === undefined ? { displayName, value } : { displayName, unit, value });
const MASS = 'µg⋅m⁻³';
const COUNT = '1⋅cm⁻³';

// Air temperature word 0x8000: 175.72 * 32768 / 65536 - 46.85 = 87.86 - 46.85; humidity 0x4000: 125 * 0.25 - 6 = 25.25
const T_WORD = 0x8000;
const H_WORD = 0x4000;
const T_VALUE = (175.72 * T_WORD) / 65536 - 46.85;

const pm = suite('decentlab-dl-pm');
const dPm = decoder('decentlab-dl-pm');

pm('all four groups built from the layout', () => {
  const words = [3109, 37, 39, 39, 39, 501, 263, 300, 301, 301, 301, T_WORD, H_WORD, 48400];
  const bytes = [2, ...be16(6992), ...be16(0x000f), ...words.flatMap(be16)];
  assert.equal(dPm(bytes), {
    data: {
      protocol_version: 2,
      device_id: 6992,
      battery_voltage: v('Battery voltage', 'V', 3.109),
      pm1_0_mass_concentration: v('PM1.0 mass concentration', MASS, 3.7),
      pm2_5_mass_concentration: v('PM2.5 mass concentration', MASS, 3.9),
      pm4_mass_concentration: v('PM4 mass concentration', MASS, 3.9),
      pm10_mass_concentration: v('PM10 mass concentration', MASS, 3.9),
      typical_particle_size: v('Typical particle size', 'nm', 501),
      pm0_5_number_concentration: v('PM0.5 number concentration', COUNT, 26.3),
      pm1_0_number_concentration: v('PM1.0 number concentration', COUNT, 30),
      pm2_5_number_concentration: v('PM2.5 number concentration', COUNT, 30.1),
      pm4_number_concentration: v('PM4 number concentration', COUNT, 30.1),
      pm10_number_concentration: v('PM10 number concentration', COUNT, 30.1),
      air_temperature: v('Air temperature', '°C', T_VALUE),
      air_humidity: v('Air humidity', '%', 25.25),
      barometric_pressure: v('Barometric pressure', 'Pa', 96800),
    },
    warnings: [],
    errors: [],
  });
  assert.ok(Math.abs(T_VALUE - 41.01) < 1e-9);
});

pm('flags select groups: battery + temperature/humidity + pressure (vendor example 2)', () => {
  const bytes = [0x02, 0x1b, 0x50, 0x00, 0x0d, 0x0c, 0x25, 0x67, 0xbd, 0x61, 0x8d, 0xbd, 0x10];
  assert.equal(dPm(bytes).data, {
    protocol_version: 2,
    device_id: 6992,
    battery_voltage: v('Battery voltage', 'V', 3.109),
    air_temperature: v('Air temperature', '°C', 24.35660461425781),
    air_humidity: v('Air humidity', '%', 41.63221740722656),
    barometric_pressure: v('Barometric pressure', 'Pa', 96800),
  });
});

pm('no flags: header only; unknown flag bits and trailing bytes are warnings', () => {
  assert.equal(dPm([2, 0, 1, 0, 0]), { data: { protocol_version: 2, device_id: 1 }, warnings: [], errors: [] });
  assert.equal(dPm([2, 0, 1, 0x00, 0x11, ...be16(3000), 0xaa]), {
    data: { protocol_version: 2, device_id: 1, battery_voltage: v('Battery voltage', 'V', 3) },
    warnings: ['ignored flag bits 0x10 for sensor groups this codec does not know', 'ignored 1 trailing byte(s) after the flagged sensor groups'],
    errors: [],
  });
});

pm('wrong protocol version, short header, truncated group, wrong fPort are errors', () => {
  assert.equal(dPm([3, 0, 1, 0, 1]), { warnings: [], errors: ["protocol version 3 doesn't match v2"] });
  assert.equal(dPm([]).errors, ['payload too short for fPort 1: need 5 bytes, got 0 (protocol header)']);
  assert.equal(dPm([2, 0, 1, 0]).errors, ['payload too short for fPort 1: need 5 bytes, got 4 (protocol header)']);
  assert.equal(dPm([2, 0, 1, 0, 2, 1, 2, 3]).errors, ['payload too short for fPort 1: need 25 bytes, got 8 (sensor group 1)']);
  assert.equal(dPm([2, 0, 1, 0, 0], 2).errors, ['unknown fPort 2 for decentlab-dl-pm (expected 1)']);
});

pm.run();

const lp8p = suite('decentlab-dl-lp8p');
const dLp = decoder('decentlab-dl-lp8p');

lp8p('all four groups built from the layout, offsets and signed-looking values', () => {
  const words = [T_WORD, H_WORD, 7405, 48400, 32768 + 473, 32768 + 500, 32768 - 150, 3032, 2997, 0, 38296, 38201, 3109];
  const bytes = [2, ...be16(1400), ...be16(0x000f), ...words.flatMap(be16)];
  assert.equal(dLp(bytes), {
    data: {
      protocol_version: 2,
      device_id: 1400,
      air_temperature: v('Air temperature', '°C', T_VALUE),
      air_humidity: v('Air humidity', '%', 25.25),
      barometer_temperature: v('Barometer temperature', '°C', 24.05),
      barometric_pressure: v('Barometric pressure', 'Pa', 96800),
      co2_concentration: v('CO2 concentration', 'ppm', 473),
      co2_concentration_lpf: v('CO2 concentration LPF', 'ppm', 500),
      co2_sensor_temperature: v('CO2 sensor temperature', '°C', -1.5),
      capacitor_voltage_1: v('Capacitor voltage 1', 'V', 3.032),
      capacitor_voltage_2: v('Capacitor voltage 2', 'V', 2.997),
      co2_sensor_status: v('CO2 sensor status', undefined, 0),
      raw_ir_reading: v('Raw IR reading', undefined, 38296),
      raw_ir_reading_lpf: v('Raw IR reading LPF', undefined, 38201),
      battery_voltage: v('Battery voltage', 'V', 3.109),
    },
    warnings: [],
    errors: [],
  });
});

lp8p('vendor example 3: battery only; barometer temperature below zero', () => {
  assert.equal(dLp([0x02, 0x05, 0x78, 0x00, 0x08, 0x0c, 0x25]).data, {
    protocol_version: 2,
    device_id: 1400,
    battery_voltage: v('Battery voltage', 'V', 3.109),
  });
  const d = dLp([2, 0, 1, 0, 2, ...be16(4000), ...be16(50000)]).data as Record<string, { value: number }>;
  assert.is(d.barometer_temperature.value, -10);
  assert.is(d.barometric_pressure.value, 100000);
});

lp8p.run();

const downlink = suite('decentlab downlink encoder');

downlink('CRC-16/MODBUS check value and encoded commands', () => {
  assert.is(crc16Modbus(Array.from(Buffer.from('123456789'))), 0x4b37);
  const enc = findBuiltinCodec('decentlab-dl-pm')!.encodeDownlink!;
  // CRC values cross-checked with an independent CRC-16/MODBUS implementation.
  assert.equal(enc({ data: { command: 'set period', parameter: 600 } }), {
    fPort: 1,
    bytes: [0x00, 0x01, 0x02, 0x58, 0x7e, 0x51],
    warnings: [],
    errors: [],
  });
  assert.equal(enc({ data: { command: 'reset' } }).bytes, [0xfe, 0xfe, 0x00, 0x00, 0x3c, 0x50]);
});

downlink('bad command or parameter gives errors', () => {
  const enc = findBuiltinCodec('decentlab-dl-lp8p')!.encodeDownlink!;
  assert.equal(enc({ data: { command: 'set period', parameter: 70000 } }).errors, ['command "set period" needs an integer parameter 0..65535']);
  assert.equal(enc({ data: { command: 'launch' } }).errors!.length, 1);
  assert.ok(enc({ data: { command: 'launch' } }).errors![0].startsWith('command must be one of: set period,'));
});

downlink.run();
