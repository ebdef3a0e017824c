// Decentlab DL-LP8P: CO2 (Senseair LP8), air temperature/humidity and barometric pressure, fPort 1.
import { defineCodec } from './define-codec.js';
import { AIR_TEMPERATURE_HUMIDITY, UNIT, batteryGroup, decentlabDecoder, encodeDecentlabDownlink } from './decentlab-v2.js';

export const decentlabDlLp8p = defineCodec({
  id: 'decentlab-dl-lp8p',
  vendor: 'Decentlab',
  model: 'DL-LP8P',
  category: 'air',
  deviceClass: 'A',
  fPorts: [1],
  description: 'CO2 sensor with air temperature, humidity and barometric pressure, including the CO2 cell diagnostics.',
  decode: decentlabDecoder([
    AIR_TEMPERATURE_HUMIDITY,
    {
      words: 2,
      values: [
        { name: 'barometer_temperature', displayName: 'Barometer temperature', unit: UNIT.celsius, convert: (x) => (x[0] - 5000) / 100 },
        { name: 'barometric_pressure', displayName: 'Barometric pressure', unit: UNIT.pascal, convert: (x) => x[1] * 2 },
      ],
    },
    {
      words: 8,
      values: [
        { name: 'co2_concentration', displayName: 'CO2 concentration', unit: UNIT.ppm, convert: (x) => x[0] - 32768 },
        { name: 'co2_concentration_lpf', displayName: 'CO2 concentration LPF', unit: UNIT.ppm, convert: (x) => x[1] - 32768 },
        { name: 'co2_sensor_temperature', displayName: 'CO2 sensor temperature', unit: UNIT.celsius, convert: (x) => (x[2] - 32768) / 100 },
        { name: 'capacitor_voltage_1', displayName: 'Capacitor voltage 1', unit: UNIT.volt, convert: (x) => x[3] / 1000 },
        { name: 'capacitor_voltage_2', displayName: 'Capacitor voltage 2', unit: UNIT.volt, convert: (x) => x[4] / 1000 },
        { name: 'co2_sensor_status', displayName: 'CO2 sensor status', convert: (x) => x[5] },
        { name: 'raw_ir_reading', displayName: 'Raw IR reading', convert: (x) => x[6] },
        { name: 'raw_ir_reading_lpf', displayName: 'Raw IR reading LPF', convert: (x) => x[7] },
      ],
    },
    batteryGroup(),
  ]),
  encodeDownlink: encodeDecentlabDownlink,
});
