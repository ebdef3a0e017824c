// Decentlab DL-PM: particulate matter, air temperature/humidity and barometric pressure, fPort 1.
import { defineCodec } from './define-codec.js';
import { AIR_TEMPERATURE_HUMIDITY, UNIT, batteryGroup, decentlabDecoder, encodeDecentlabDownlink } from './decentlab-v2.js';

const mass = (name: string, displayName: string, word: number) => ({
  name,
  displayName,
  unit: UNIT.massConcentration,
  convert: (x: number[]) => x[word] / 10,
});
const count = (name: string, displayName: string, word: number) => ({
  name,
  displayName,
  unit: UNIT.numberConcentration,
  convert: (x: number[]) => x[word] / 10,
});

export const decentlabDlPm = defineCodec({
  id: 'decentlab-dl-pm',
  vendor: 'Decentlab',
  model: 'DL-PM',
  category: 'air',
  deviceClass: 'A',
  fPorts: [1],
  description: 'Outdoor particulate-matter sensor (PM1.0 to PM10 mass and number concentrations) with air temperature, humidity and pressure.',
  decode: decentlabDecoder([
    batteryGroup(),
    {
      words: 10,
      values: [
        mass('pm1_0_mass_concentration', 'PM1.0 mass concentration', 0),
        mass('pm2_5_mass_concentration', 'PM2.5 mass concentration', 1),
        mass('pm4_mass_concentration', 'PM4 mass concentration', 2),
        mass('pm10_mass_concentration', 'PM10 mass concentration', 3),
        { name: 'typical_particle_size', displayName: 'Typical particle size', unit: UNIT.nanometre, convert: (x) => x[4] },
        count('pm0_5_number_concentration', 'PM0.5 number concentration', 5),
        count('pm1_0_number_concentration', 'PM1.0 number concentration', 6),
        count('pm2_5_number_concentration', 'PM2.5 number concentration', 7),
        count('pm4_number_concentration', 'PM4 number concentration', 8),
        count('pm10_number_concentration', 'PM10 number concentration', 9),
      ],
    },
    AIR_TEMPERATURE_HUMIDITY,
    {
      words: 1,
      values: [{ name: 'barometric_pressure', displayName: 'Barometric pressure', unit: UNIT.pascal, convert: (x) => x[0] * 2 }],
    },
  ]),
  encodeDownlink: encodeDecentlabDownlink,
});
